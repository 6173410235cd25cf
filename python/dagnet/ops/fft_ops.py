"""keras.ops' Fourier transforms on (real, imag) pairs, as Keras passes complex tensors: fft,
fft2, ifft2, rfft, irfft, stft, istft. dagnet has no complex dtype, so each transform is a
product with constant cosine and sine matrices (the DFT written out, O(n^2) per axis): native
matmuls, symbolic and differentiable, exact up to the float rounding of the sums. stft frames
with one gather; istft overlap-adds with one transposed convolution and normalizes by the
windows' squared overlap, as TensorFlow's inverse_stft_window_fn."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, lowering, op
from .array_extra import extract_sequences
from .array_ops import _known, swapaxes
from .conv_ops import conv_transpose
from .math import add, matmul, multiply, subtract
from .padding import pad
from .shape_ops import cast, reshape, slice_by_index

__all__ = ["fft", "fft2", "ifft2", "rfft", "irfft", "stft", "istft"]


def _float(builder, x):
    (a,) = as_values(builder, x)
    return a if a.dtype in ("float32", "float64") else lowering(cast)(builder, a, "float32")


def _pair(builder, x, op_name):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{op_name}: x must be a tuple (real, imag) of two tensors, got {type(x).__name__}")
    re, im = _float(builder, x[0]), _float(builder, x[1])
    if tuple(re.shape) != tuple(im.shape):
        raise ValueError(
            f"{op_name}: the real and imaginary parts must have the same shape, got {tuple(re.shape)} and "
            f"{tuple(im.shape)}"
        )
    if re.dtype != im.dtype:
        dtype = np.result_type(re.dtype, im.dtype).name
        re, im = lowering(cast)(builder, re, dtype), lowering(cast)(builder, im, dtype)
    if re.ndim < 1:
        raise ValueError(f"{op_name}: x must have rank >= 1")
    return re, im


def _angles(rows: int, cols: int, n: int) -> np.ndarray:
    """2 pi j k / n for j < rows, k < cols (j * k reduced mod n first: exact angles)."""
    j, k = np.arange(rows)[:, None], np.arange(cols)[None, :]
    return 2.0 * np.pi * ((j * k) % n) / n


def _mm(builder, x, matrix):
    """x @ matrix along x's last axis (a vector as one row)."""
    if x.ndim == 1:
        row = lowering(matmul)(builder, lowering(reshape)(builder, x, [1, -1]), np.asarray(matrix, x.dtype))
        return lowering(reshape)(builder, row, [matrix.shape[1]])
    return lowering(matmul)(builder, x, np.asarray(matrix, x.dtype))


def _dft_last(builder, re, im, inverse):
    """The DFT (inverse: scaled by 1/n) of re + i im along the last axis."""
    n = _known(re.shape[-1], "the transformed axis' length", "fft")
    angle = _angles(n, n, n)
    c, s = np.cos(angle), np.sin(angle)
    if inverse:
        c, s = c / n, s / n
        return (
            lowering(subtract)(builder, _mm(builder, re, c), _mm(builder, im, s)),
            lowering(add)(builder, _mm(builder, im, c), _mm(builder, re, s)),
        )
    return (
        lowering(add)(builder, _mm(builder, re, c), _mm(builder, im, s)),
        lowering(subtract)(builder, _mm(builder, im, c), _mm(builder, re, s)),
    )


def _dft_last_two(builder, re, im, inverse, op_name):
    if re.ndim < 2:
        raise ValueError(f"{op_name}: x must have rank >= 2, got shape {tuple(re.shape)}")
    re, im = _dft_last(builder, re, im, inverse)
    re, im = (lowering(swapaxes)(builder, v, -1, -2) for v in (re, im))
    re, im = _dft_last(builder, re, im, inverse)
    return tuple(lowering(swapaxes)(builder, v, -1, -2) for v in (re, im))


@op
def fft(builder: GraphBuilder, x: Any) -> Any:
    """The discrete Fourier transform of x = (real, imag) along the last axis: (real, imag)."""
    re, im = _pair(builder, x, "fft")
    return _dft_last(builder, re, im, False)


@op
def fft2(builder: GraphBuilder, x: Any) -> Any:
    """The 2-D discrete Fourier transform of x = (real, imag) over the last two axes."""
    re, im = _pair(builder, x, "fft2")
    return _dft_last_two(builder, re, im, False, "fft2")


@op
def ifft2(builder: GraphBuilder, x: Any) -> Any:
    """The inverse 2-D discrete Fourier transform (scaled by 1/(m n)) over the last two axes."""
    re, im = _pair(builder, x, "ifft2")
    return _dft_last_two(builder, re, im, True, "ifft2")


def _fit_last(builder, a, n):
    """a's last axis cut or zero-padded to length n."""
    have = _known(a.shape[-1], "the transformed axis' length", "rfft")
    if have > n:
        return lowering(slice_by_index)(builder, a, (Ellipsis, slice(0, n)))
    if have < n:
        return lowering(pad)(builder, a, [[0, 0]] * (a.ndim - 1) + [[0, n - have]])
    return a


def _rfft_lowered(builder, a, n):
    a = _fit_last(builder, a, n)
    angle = _angles(n, n // 2 + 1, n)
    return _mm(builder, a, np.cos(angle)), _mm(builder, a, -np.sin(angle))


@op
def rfft(builder: GraphBuilder, x: TensorLike, fft_length: int | None = None) -> Any:
    """The DFT of real x along the last axis, the n // 2 + 1 non-negative frequencies (x cut or
    zero-padded to fft_length first): (real, imag)."""
    a = _float(builder, x)
    n = _known(a.shape[-1], "the transformed axis' length", "rfft") if fft_length is None else int(fft_length)
    if n < 1:
        raise ValueError(f"rfft: fft_length must be positive, got {fft_length}")
    return _rfft_lowered(builder, a, n)


def _irfft_lowered(builder, re, im, n):
    m = n // 2 + 1
    re, im = _fit_last(builder, re, m), _fit_last(builder, im, m)
    weight = np.full(m, 2.0)
    weight[0] = 1.0
    if n % 2 == 0:
        weight[-1] = 1.0  # the Nyquist term appears once
    angle = _angles(m, n, n)
    c, s = weight[:, None] * np.cos(angle) / n, -weight[:, None] * np.sin(angle) / n
    return lowering(add)(builder, _mm(builder, re, c), _mm(builder, im, s))


@op
def irfft(builder: GraphBuilder, x: Any, fft_length: int | None = None) -> Any:
    """The real inverse of rfft: x = (real, imag) of the non-negative frequencies -> a real
    signal of fft_length samples (2 * (m - 1) when None); the imaginary parts of the zero and
    Nyquist terms are ignored, as NumPy's."""
    re, im = _pair(builder, x, "irfft")
    m = _known(re.shape[-1], "the frequency axis' length", "irfft")
    n = 2 * (m - 1) if fft_length is None else int(fft_length)
    if n < 1:
        raise ValueError(f"irfft: fft_length must be positive, got {fft_length}")
    return _irfft_lowered(builder, re, im, n)


def _window(window, sequence_length, fft_length, dtype, op_name):
    """The analysis window centred in fft_length samples (None: all ones over fft_length).
    'hann' / 'hamming' are TensorFlow's periodic windows, which are periodic for an even
    length only (an odd length gets the symmetric window, as tf.signal computes it)."""
    if window is None:
        return np.ones(fft_length, dtype)
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f"{op_name}: window must be 'hann', 'hamming', an array or None, got {window!r}")
        period = sequence_length if sequence_length % 2 == 0 else sequence_length - 1
        phase = 2.0 * np.pi * np.arange(sequence_length) / max(period, 1)
        win = 0.5 - 0.5 * np.cos(phase) if window == "hann" else 0.54 - 0.46 * np.cos(phase)
        if sequence_length == 1:
            win = np.ones(1)
    else:
        win = np.asarray(window, np.float64)
        if win.shape != (sequence_length,):
            raise ValueError(f"{op_name}: the window must have shape ({sequence_length},), got {win.shape}")
    left = (fft_length - sequence_length) // 2
    return np.pad(win, (left, fft_length - sequence_length - left)).astype(dtype)


def _check_lengths(sequence_length, sequence_stride, fft_length, op_name):
    if not 0 < int(sequence_length) <= int(fft_length) or int(sequence_stride) < 1:
        raise ValueError(
            f"{op_name}: needs 0 < sequence_length <= fft_length and sequence_stride >= 1, got "
            f"sequence_length={sequence_length}, sequence_stride={sequence_stride}, fft_length={fft_length}"
        )


@op
def stft(
    builder: GraphBuilder,
    x: TensorLike,
    sequence_length: int,
    sequence_stride: int,
    fft_length: int,
    window: Any = "hann",
    center: bool = True,
) -> Any:
    """The short-time Fourier transform of real x along its last axis: frames of fft_length
    samples every sequence_stride (x reflect-padded by fft_length // 2 each side when center),
    windowed, rfft'd: (real, imag) of shape (..., frames, fft_length // 2 + 1)."""
    (a,) = as_values(builder, x)
    if a.dtype not in ("float32", "float64"):
        raise TypeError(f"stft: x must be float32 or float64, got {a.dtype}")
    _check_lengths(sequence_length, sequence_stride, fft_length, "stft")
    n = int(fft_length)
    if center:
        a = lowering(pad)(builder, a, [[0, 0]] * (a.ndim - 1) + [[n // 2, n // 2]], "reflect")
    frames = lowering(extract_sequences)(builder, a, n, int(sequence_stride))
    win = _window(window, int(sequence_length), n, a.dtype, "stft")
    return _rfft_lowered(builder, lowering(multiply)(builder, frames, win), n)


@op
def istft(
    builder: GraphBuilder,
    x: Any,
    sequence_length: int,
    sequence_stride: int,
    fft_length: int,
    length: int | None = None,
    window: Any = "hann",
    center: bool = True,
) -> Any:
    """The inverse of stft: each frame irfft'd, weighted by the window over the squared
    windows' overlap (TensorFlow's inverse_stft_window_fn), overlap-added, then trimmed
    (fft_length // 2 each side when center, or to `length`)."""
    re, im = _pair(builder, x, "istft")
    _check_lengths(sequence_length, sequence_stride, fft_length, "istft")
    if re.ndim < 2:
        raise ValueError(f"istft: x must have rank >= 2 (..., frames, bins), got {tuple(re.shape)}")
    n, step = int(fft_length), int(sequence_stride)
    frames_count = _known(re.shape[-2], "the number of frames", "istft")
    frames = _irfft_lowered(builder, re, im, n)  # (..., frames, n)
    if window is not None:
        win = _window(window, int(sequence_length), n, "float64", "istft")
        overlaps = -(-n // step)
        denom = np.pad(win**2, (0, overlaps * step - n)).reshape(overlaps, step).sum(0)
        frames = lowering(multiply)(builder, frames, (win / np.tile(denom, overlaps)[:n]).astype(re.dtype))
    lead = list(re.shape[:-2])
    flat = lowering(reshape)(builder, frames, [-1, frames_count, n])
    identity = np.eye(n, dtype=re.dtype).reshape(n, 1, n)  # window tap k -> from channel k
    total = lowering(conv_transpose)(builder, flat, identity, step)  # (batch, (frames-1)*step + n, 1)
    total_length = (frames_count - 1) * step + n
    signal = lowering(reshape)(builder, total, [-1 if d is None else int(d) for d in lead] + [total_length])
    start = n // 2 if center else 0
    if length is not None:
        stop = start + int(length)
    else:
        stop = total_length - n // 2 if center else total_length
    return lowering(slice_by_index)(builder, signal, (Ellipsis, slice(start, stop)))
