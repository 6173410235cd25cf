"""Array-building keras.ops composed from native multiply, reshape, transpose, slice, pad and
convolution: vander, diagflat, kron, hsplit, vsplit, dsplit, trapezoid, extract_sequences,
psnr, correlate, cdist, corrcoef, depth_to_space, space_to_depth; and the window functions
(bartlett, blackman, hamming, hanning, kaiser), constants of a Python length as NumPy
defines them, in float32 as Keras's."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ..keras_tensor import KerasTensor
from ._dispatch import as_values, lowering, op
from .array_ops import _known, split
from .conv_ops import conv
from .gather import take
from .layout_more import diag
from .math import add, divide, log, mean, multiply, sqrt, square, subtract, sum as _sum
from .math_more import _floating, _floating_pair
from .padding import pad
from .shape_ops import cast, concatenate, expand_dims, ones_like, reshape, slice_by_index, transpose

__all__ = ["vander", "diagflat", "kron", "hsplit", "vsplit", "dsplit", "trapezoid", "extract_sequences", "psnr"]
__all__ += ["correlate", "cdist", "corrcoef", "depth_to_space", "space_to_depth"]
__all__ += ["bartlett", "blackman", "hamming", "hanning", "kaiser"]


def _length(x: Any, op_name: str) -> int:
    if isinstance(x, KerasTensor) or not np.ndim(x) == 0 or np.asarray(x).dtype.kind not in "iu":
        raise TypeError(f"{op_name}: the window length must be a Python int, got {x!r}")
    return int(x)


def _window(builder: GraphBuilder, values: np.ndarray) -> Any:
    return builder.constant(np.asarray(values, np.float32))


@op
def bartlett(builder: GraphBuilder, x: int) -> Any:
    """The Bartlett (triangular) window of length x."""
    return _window(builder, np.bartlett(_length(x, "bartlett")))


@op
def blackman(builder: GraphBuilder, x: int) -> Any:
    """The Blackman window of length x."""
    return _window(builder, np.blackman(_length(x, "blackman")))


@op
def hamming(builder: GraphBuilder, x: int) -> Any:
    """The Hamming window of length x."""
    return _window(builder, np.hamming(_length(x, "hamming")))


@op
def hanning(builder: GraphBuilder, x: int) -> Any:
    """The Hann window of length x."""
    return _window(builder, np.hanning(_length(x, "hanning")))


@op
def kaiser(builder: GraphBuilder, x: int, beta: float) -> Any:
    """The Kaiser window of length x and shape beta."""
    return _window(builder, np.kaiser(_length(x, "kaiser"), float(beta)))


@op
def vander(builder: GraphBuilder, x: TensorLike, N: int | None = None, increasing: bool = False) -> Any:
    """The Vandermonde matrix of 1-D x: column j is x**(N - 1 - j) (x**j when increasing), built
    by repeated products so integers stay exact and 0**0 = 1 has a finite gradient."""
    (a,) = as_values(builder, x)
    if a.ndim != 1:
        raise ValueError(f"vander: x must be 1-D, got shape {tuple(a.shape)}")
    columns = _known(a.shape[0], "the length of x", "vander") if N is None else int(N)
    if columns < 0:
        raise ValueError(f"vander: N must be non-negative, got {N}")
    column = lowering(expand_dims)(builder, a, 1)
    if columns == 0:
        return lowering(slice_by_index)(builder, column, (slice(None), slice(0, 0)))
    powers = [lowering(ones_like)(builder, column)]
    for _ in range(1, columns):
        powers.append(lowering(multiply)(builder, powers[-1], column))
    return lowering(concatenate)(builder, powers if increasing else powers[::-1], 1)


@op
def diagflat(builder: GraphBuilder, x: TensorLike, k: int = 0) -> Any:
    """A 2-D matrix with flattened x on its k-th diagonal."""
    return lowering(diag)(builder, lowering(reshape)(builder, x, [-1]), int(k))


@op
def kron(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """The Kronecker product: block (i, j, ...) is x1[i, j, ...] * x2 (ranks padded with
    leading 1s). An outer product on interleaved axes, reshaped."""
    a, b = as_values(builder, x1, x2)
    if a.dtype != b.dtype:
        dtype = np.result_type(a.dtype, b.dtype).name
        a, b = lowering(cast)(builder, a, dtype), lowering(cast)(builder, b, dtype)
    rank = max(a.ndim, b.ndim)
    sa = (1,) * (rank - a.ndim) + tuple(_known(d, "a dimension", "kron") for d in a.shape)
    sb = (1,) * (rank - b.ndim) + tuple(_known(d, "a dimension", "kron") for d in b.shape)
    wide_a = lowering(reshape)(builder, a, [v for d in sa for v in (d, 1)])
    wide_b = lowering(reshape)(builder, b, [v for d in sb for v in (1, d)])
    return lowering(reshape)(builder, lowering(multiply)(builder, wide_a, wide_b), [p * q for p, q in zip(sa, sb)])


def _split_along(builder, x, indices_or_sections, axis, op_name, min_rank):
    (a,) = as_values(builder, x)
    if a.ndim < min_rank:
        raise ValueError(f"{op_name}: x must have rank >= {min_rank}, got shape {tuple(a.shape)}")
    return lowering(split)(builder, a, indices_or_sections, axis)


@op
def hsplit(builder: GraphBuilder, x: TensorLike, indices_or_sections: Any) -> Any:
    """split along axis 1 (axis 0 for 1-D x)."""
    (a,) = as_values(builder, x)
    return _split_along(builder, a, indices_or_sections, 0 if a.ndim == 1 else 1, "hsplit", 1)


@op
def vsplit(builder: GraphBuilder, x: TensorLike, indices_or_sections: Any) -> Any:
    """split along axis 0 (x of rank >= 2)."""
    return _split_along(builder, x, indices_or_sections, 0, "vsplit", 2)


@op
def dsplit(builder: GraphBuilder, x: TensorLike, indices_or_sections: Any) -> Any:
    """split along axis 2 (x of rank >= 3)."""
    return _split_along(builder, x, indices_or_sections, 2, "dsplit", 3)


def _slice_axis(builder, a, axis, start, stop):
    key = [slice(None)] * a.ndim
    key[axis] = slice(start, stop)
    return lowering(slice_by_index)(builder, a, tuple(key))


@op
def trapezoid(builder: GraphBuilder, y: TensorLike, x: TensorLike = None, dx: float = 1.0, axis: int = -1) -> Any:
    """The trapezoid rule along `axis`: sum of (y[i] + y[i+1]) / 2 * (x[i+1] - x[i]), with a
    constant spacing dx when x is None."""
    a = _floating(builder, y)
    axis = int(axis) % a.ndim if a.ndim else 0
    if a.ndim == 0:
        raise ValueError("trapezoid: y must have rank >= 1")
    middle = lowering(add)(builder, _slice_axis(builder, a, axis, 1, None), _slice_axis(builder, a, axis, None, -1))
    if x is None:
        widths: Any = np.asarray(float(dx) / 2.0, a.dtype)
    else:
        a, xs = _floating_pair(builder, a, x)
        middle = middle if middle.dtype == a.dtype else lowering(cast)(builder, middle, a.dtype)
        x_axis = axis if xs.ndim == a.ndim else xs.ndim - 1
        step = lowering(subtract)(
            builder, _slice_axis(builder, xs, x_axis, 1, None), _slice_axis(builder, xs, x_axis, None, -1)
        )
        if xs.ndim == 1 and a.ndim > 1:  # a 1-D x spaces `axis`
            shape = [1] * a.ndim
            shape[axis] = -1
            step = lowering(reshape)(builder, step, shape)
        widths = lowering(multiply)(builder, step, np.asarray(0.5, a.dtype))
    return lowering(_sum)(builder, lowering(multiply)(builder, middle, widths), axis)


@op
def extract_sequences(builder: GraphBuilder, x: TensorLike, sequence_length: int, sequence_stride: int) -> Any:
    """Frames of the last axis: (..., n) -> (..., 1 + (n - sequence_length) // sequence_stride,
    sequence_length), frame i starting at i * sequence_stride (one gather)."""
    (a,) = as_values(builder, x)
    length, stride = int(sequence_length), int(sequence_stride)
    if a.ndim < 1 or length < 1 or stride < 1:
        raise ValueError(
            f"extract_sequences: needs x of rank >= 1 and positive sequence_length and sequence_stride, got "
            f"x {tuple(a.shape)}, sequence_length={sequence_length}, sequence_stride={sequence_stride}"
        )
    n = _known(a.shape[-1], "the last axis", "extract_sequences")
    if n < length:
        raise ValueError(f"extract_sequences: sequence_length {length} exceeds the last axis ({n}) of x {a.shape}")
    frames = 1 + (n - length) // stride
    index = (np.arange(frames)[:, None] * stride + np.arange(length)[None, :]).astype(np.int32)
    return lowering(take)(builder, a, index, a.ndim - 1)


@op
def psnr(builder: GraphBuilder, x1: TensorLike, x2: TensorLike, max_val: float) -> Any:
    """Peak signal-to-noise ratio in dB: 20 log10(max_val) - 10 log10(mean((x1 - x2)**2))."""
    a, b = _floating_pair(builder, x1, x2)
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"psnr: x1 and x2 must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    mse = lowering(mean)(builder, lowering(square)(builder, lowering(subtract)(builder, a, b)))
    ten_over_ln10 = np.asarray(10.0 / math.log(10.0), a.dtype)
    peak = np.asarray(20.0 * math.log10(float(max_val)), a.dtype)
    return lowering(subtract)(builder, peak, lowering(multiply)(builder, lowering(log)(builder, mse), ten_over_ln10))


@op
def correlate(builder: GraphBuilder, x1: TensorLike, x2: TensorLike, mode: str = "valid") -> Any:
    """Cross-correlation of two 1-D tensors, out[k] = sum_n x1[n + k] * x2[n] (NumPy's),
    'valid', 'same' or 'full': one native 1-D convolution of x1 padded by len(x2) - 1."""
    a, v = _floating_pair(builder, x1, x2)
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError(f"correlate: x1 and x2 must be 1-D, got {tuple(a.shape)} and {tuple(v.shape)}")
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full', got {mode!r}")
    la, lv = _known(a.shape[0], "the length of x1", "correlate"), _known(v.shape[0], "the length of x2", "correlate")
    if la == 0 or lv == 0:
        raise ValueError(f"correlate: x1 and x2 must be non-empty, got lengths {la} and {lv}")
    padded = lowering(pad)(builder, a, [[lv - 1, lv - 1]])
    full = lowering(conv)(
        builder, lowering(reshape)(builder, padded, [1, -1, 1]), lowering(reshape)(builder, v, [lv, 1, 1])
    )
    full = lowering(reshape)(builder, full, [-1])  # length la + lv - 1
    if mode == "full":
        return full
    if mode == "valid":
        start, stop = (lv - 1, la) if la >= lv else (la - 1, lv)
    else:
        start = (min(la, lv) - 1) // 2
        stop = start + max(la, lv)
    return lowering(slice_by_index)(builder, full, (slice(start, stop),))


@op
def cdist(builder: GraphBuilder, x: TensorLike, y: TensorLike) -> Any:
    """Euclidean distances between the rows of x (..., m, d) and of y (..., n, d): (..., m, n)."""
    a, b = _floating_pair(builder, x, y)
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-1]:
        raise ValueError(f"cdist: x and y must be (..., m, d) and (..., n, d), got {tuple(a.shape)}, {tuple(b.shape)}")
    gap = lowering(subtract)(builder, lowering(expand_dims)(builder, a, -2), lowering(expand_dims)(builder, b, -3))
    return lowering(sqrt)(builder, lowering(_sum)(builder, lowering(square)(builder, gap), -1))


@op
def corrcoef(builder: GraphBuilder, x: TensorLike) -> Any:
    """Pearson correlation coefficients of the rows of x (variables) over its columns
    (observations); a 1-D x is one variable."""
    a = _floating(builder, x)
    if a.ndim not in (1, 2):
        raise ValueError(f"corrcoef: x must be 1-D or 2-D, got shape {tuple(a.shape)}")
    if a.ndim == 1:
        a = lowering(reshape)(builder, a, [1, -1])
    centred = lowering(subtract)(builder, a, lowering(mean)(builder, a, 1, True))
    cov = lowering(_sum)(
        builder,
        lowering(multiply)(
            builder, lowering(expand_dims)(builder, centred, 1), lowering(expand_dims)(builder, centred, 0)
        ),
        -1,
    )
    scale = lowering(sqrt)(builder, lowering(_sum)(builder, lowering(square)(builder, centred), 1))
    outer = lowering(multiply)(
        builder, lowering(expand_dims)(builder, scale, 1), lowering(expand_dims)(builder, scale, 0)
    )
    out = lowering(divide)(builder, cov, outer)
    return lowering(reshape)(builder, out, []) if _floating(builder, x).ndim == 1 else out


def _block(block_size: Any, op_name: str) -> int:
    if not isinstance(block_size, (int, np.integer)) or block_size < 2:
        raise ValueError(f"{op_name}: block_size must be an int >= 2, got {block_size!r}")
    return int(block_size)


@op
def depth_to_space(builder: GraphBuilder, x: TensorLike, block_size: int, data_format: str = "channels_last") -> Any:
    """Moves channel blocks into b x b spatial tiles (TensorFlow's DCR order): output[n, h*b + i,
    w*b + j, c] = input[n, h, w, (i*b + j) * C/b**2 + c]."""
    (a,) = as_values(builder, x)
    bs = _block(block_size, "depth_to_space")
    if a.ndim != 4:
        raise ValueError(f"depth_to_space: x must be 4-D, got shape {tuple(a.shape)}")
    last = data_format == "channels_last"
    n, h, w, c = a.shape if last else (a.shape[0], a.shape[2], a.shape[3], a.shape[1])
    c = _known(c, "the channel count", "depth_to_space")
    if c % (bs * bs):
        raise ValueError(f"depth_to_space: channels ({c}) must be divisible by block_size**2 ({bs * bs})")
    h, w = _known(h, "the height", "depth_to_space"), _known(w, "the width", "depth_to_space")
    depth = c // (bs * bs)
    if last:
        t = lowering(reshape)(builder, a, [-1, h, w, bs, bs, depth])
        t = lowering(transpose)(builder, t, [0, 1, 3, 2, 4, 5])
        return lowering(reshape)(builder, t, [-1, h * bs, w * bs, depth])
    t = lowering(reshape)(builder, a, [-1, bs, bs, depth, h, w])
    t = lowering(transpose)(builder, t, [0, 3, 4, 1, 5, 2])
    return lowering(reshape)(builder, t, [-1, depth, h * bs, w * bs])


@op
def space_to_depth(builder: GraphBuilder, x: TensorLike, block_size: int, data_format: str = "channels_last") -> Any:
    """The inverse of depth_to_space: each b x b spatial tile becomes b**2 channel blocks."""
    (a,) = as_values(builder, x)
    bs = _block(block_size, "space_to_depth")
    if a.ndim != 4:
        raise ValueError(f"space_to_depth: x must be 4-D, got shape {tuple(a.shape)}")
    last = data_format == "channels_last"
    n, h, w, c = a.shape if last else (a.shape[0], a.shape[2], a.shape[3], a.shape[1])
    h, w = _known(h, "the height", "space_to_depth"), _known(w, "the width", "space_to_depth")
    c = _known(c, "the channel count", "space_to_depth")
    if h % bs or w % bs:
        raise ValueError(f"space_to_depth: height {h} and width {w} must be divisible by block_size {bs}")
    if last:
        t = lowering(reshape)(builder, a, [-1, h // bs, bs, w // bs, bs, c])
        t = lowering(transpose)(builder, t, [0, 1, 3, 2, 4, 5])
        return lowering(reshape)(builder, t, [-1, h // bs, w // bs, bs * bs * c])
    t = lowering(reshape)(builder, a, [-1, c, h // bs, bs, w // bs, bs])
    t = lowering(transpose)(builder, t, [0, 3, 5, 1, 2, 4])
    return lowering(reshape)(builder, t, [-1, bs * bs * c, h // bs, w // bs])
