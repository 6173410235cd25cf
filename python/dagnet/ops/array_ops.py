"""The keras.ops a transformer block reaches for beyond the basics: ranges and constant
matrices (arange, eye, tri), repetition (tile, repeat, broadcast_to), triangles (triu,
tril), axis moves (swapaxes, moveaxis), logical ops on 0/1 masks, any/all, cumsum, split
and one_hot. Each lowers into existing native ops (broadcasting arithmetic, transposes,
reshapes, a GEMM for cumsum), so gradients come with them.

dagnet has no bool dtype: comparisons and logical ops give 0/1 in their operand's dtype,
which is what masks are everywhere in the engine."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, emit, lowering, op
from .math import equal, matmul, max as _max, maximum, min as _min, minimum, not_equal, where
from .shape_ops import cast, concatenate, expand_dims, reshape, slice_by_index, transpose

__all__ = [
    "arange",
    "eye",
    "identity",
    "tri",
    "tile",
    "repeat",
    "broadcast_to",
    "triu",
    "tril",
    "swapaxes",
    "moveaxis",
    "logical_and",
    "logical_or",
    "logical_not",
    "logical_xor",
    "any",
    "all",
    "cumsum",
    "split",
    "one_hot",
]


def _standard_dtype(dtype: Any) -> str | None:
    return None if dtype is None else np.dtype(getattr(dtype, "name", dtype)).name


def _known(value: Any, what: str, op_name: str) -> Any:
    if value is None:
        raise ValueError(
            f"{op_name}: {what} is unknown until run time (a None dimension); dagnet needs it when the "
            "graph is built. Give the Input a fixed size for that axis."
        )
    return value


@op
def arange(builder: GraphBuilder, start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> Any:
    """A range as a constant of the graph (Keras 3: int32 for integer arguments, else float32)."""
    _known(start, "start", "arange")
    if stop is None:
        start, stop = 0, start
    _known(stop, "stop", "arange")
    step = 1 if step is None else step
    if dtype is None:
        dtype = "int32" if builtins.all(isinstance(v, (int, np.integer)) for v in (start, stop, step)) else "float32"
    return builder.constant(np.arange(start, stop, step, dtype=_standard_dtype(dtype)))


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> np.ndarray:
    return np.eye(N, M, k, dtype=_standard_dtype(dtype) or "float32")


def identity(n: int, dtype: Any = None) -> np.ndarray:
    return np.identity(n, dtype=_standard_dtype(dtype) or "float32")


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> np.ndarray:
    """A (N, M) array with ones at and below the k-th diagonal, zeros above."""
    return np.tri(N, M, k, dtype=_standard_dtype(dtype) or "float32")


def _axis(axis: int, ndim: int, op_name: str) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op_name}: axis {axis} is out of range for a tensor of rank {ndim}")
    return axis % ndim


@op
def broadcast_to(builder: GraphBuilder, x: TensorLike, shape: Any) -> Any:
    """x broadcast to `shape` (NumPy rules), as x + zeros: the zeros span only the axes x grows along."""
    (a,) = as_values(builder, x)
    shape = tuple(int(_known(d, "the target shape", "broadcast_to")) for d in shape)
    have = (1,) * (len(shape) - a.ndim) + tuple(a.shape)
    if len(shape) < a.ndim or builtins.any(h not in (1, s) and h is not None for h, s in zip(have, shape)):
        raise ValueError(f"broadcast_to: cannot broadcast a tensor of shape {tuple(a.shape)} to {shape}")
    zeros = np.zeros(tuple(s if h == 1 else 1 for h, s in zip(have, shape)), dtype=a.dtype)
    return emit(builder, "binary", [a, builder.constant(zeros)], {"kind": "add"})


@op
def repeat(builder: GraphBuilder, x: TensorLike, repeats: Any, axis: Any = None) -> Any:
    """Each element `repeats` times along `axis` (None: of the flattened tensor)."""
    (a,) = as_values(builder, x)
    if not isinstance(repeats, (int, np.integer)):
        raise NotImplementedError("repeat: only an integer `repeats` is supported (not per-element counts)")
    if axis is None:
        a = lowering(reshape)(builder, a, [-1])
        axis = 0
    return _repeat_by_broadcast(builder, a, int(repeats), _axis(int(axis), a.ndim, "repeat"))


def _repeat_by_broadcast(builder, a, repeats, axis):
    # (..., d, ...) -> (..., d, 1, ...) + zeros(1, .., 1, repeats, 1, ..) -> (..., d, repeats, ...) -> merged.
    expanded = emit(builder, "expand_dims", [a], {"axis": axis + 1})
    zeros_shape = [1] * expanded.ndim
    zeros_shape[axis + 1] = repeats
    grown = emit(builder, "binary", [expanded, builder.constant(np.zeros(zeros_shape, a.dtype))], {"kind": "add"})
    dims = list(a.shape)
    merged = None if dims[axis] is None else dims[axis] * repeats
    # Leading axes are copied in place (0), so an unknown merged size is still inferable (-1).
    target = [0] * axis + [merged if merged is not None else -1]
    for d in dims[axis + 1 :]:
        target.append(_known(d, "an axis after the repeated one", "repeat"))
    return emit(builder, "reshape", [grown], {"shape": target})


@op
def tile(builder: GraphBuilder, x: TensorLike, repeats: Any) -> Any:
    """x repeated as a block (NumPy's tile): copies concatenated along each axis."""
    (a,) = as_values(builder, x)
    reps = [int(repeats)] if isinstance(repeats, (int, np.integer)) else [int(r) for r in repeats]
    if len(reps) > a.ndim:
        a = lowering(reshape)(builder, a, [1] * (len(reps) - a.ndim) + [-1 if d is None else d for d in a.shape])
    reps = [1] * (a.ndim - len(reps)) + reps
    out = a
    for axis, r in enumerate(reps):
        if r < 0:
            raise ValueError(f"tile: repeats must be >= 0, got {repeats}")
        if r != 1:
            out = lowering(concatenate)(builder, [out] * r, axis)
    return out


def _triangle(builder, x, k, lower):
    (a,) = as_values(builder, x)
    if a.ndim < 2:
        raise ValueError(f"{'tril' if lower else 'triu'}: the input needs rank >= 2, got shape {tuple(a.shape)}")
    rows = _known(a.shape[-2], "the number of rows", "triu/tril")
    cols = _known(a.shape[-1], "the number of columns", "triu/tril")
    keep = np.tri(rows, cols, k, dtype=a.dtype) if lower else 1 - np.tri(rows, cols, k - 1, dtype=a.dtype)
    return lowering(where)(builder, builder.constant(keep), a, np.zeros((), a.dtype))


@op
def triu(builder: GraphBuilder, x: TensorLike, k: int = 0) -> Any:
    """`x` with the elements below the k-th diagonal of its last two axes zeroed."""
    return _triangle(builder, x, int(k), lower=False)


@op
def tril(builder: GraphBuilder, x: TensorLike, k: int = 0) -> Any:
    """`x` with the elements above the k-th diagonal of its last two axes zeroed."""
    return _triangle(builder, x, int(k), lower=True)


@op
def swapaxes(builder: GraphBuilder, x: TensorLike, axis1: int, axis2: int) -> Any:
    """`x` with axes `axis1` and `axis2` exchanged."""
    (a,) = as_values(builder, x)
    perm = list(range(a.ndim))
    i, j = _axis(int(axis1), a.ndim, "swapaxes"), _axis(int(axis2), a.ndim, "swapaxes")
    perm[i], perm[j] = perm[j], perm[i]
    return lowering(transpose)(builder, a, perm)


@op
def moveaxis(builder: GraphBuilder, x: TensorLike, source: Any, destination: Any) -> Any:
    """`x` with the axes `source` moved to the positions `destination`, the others in order."""
    (a,) = as_values(builder, x)
    src = [source] if isinstance(source, (int, np.integer)) else list(source)
    dst = [destination] if isinstance(destination, (int, np.integer)) else list(destination)
    src = [_axis(int(s), a.ndim, "moveaxis") for s in src]
    dst = [_axis(int(d), a.ndim, "moveaxis") for d in dst]
    if len(src) != len(dst):
        raise ValueError("moveaxis: `source` and `destination` must have the same number of elements")
    order = [n for n in range(a.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(int(d), int(s))
    return lowering(transpose)(builder, a, order)


def _truth(builder, x, dtype):
    (a,) = as_values(builder, x)
    flag = lowering(not_equal)(builder, a, np.zeros((), a.dtype))
    return flag if flag.dtype == dtype else lowering(cast)(builder, flag, dtype)


def _dtype_of_first(builder, x):
    (a,) = as_values(builder, x)
    return a.dtype


@op
def logical_and(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """Elementwise `x1 and x2` of truth values (non-zero is true), as 0/1 in the first input's dtype."""
    dtype = _dtype_of_first(builder, x1)
    return lowering(minimum)(builder, _truth(builder, x1, dtype), _truth(builder, x2, dtype))


@op
def logical_or(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """Elementwise `x1 or x2` of truth values (non-zero is true), as 0/1 in the first input's dtype."""
    dtype = _dtype_of_first(builder, x1)
    return lowering(maximum)(builder, _truth(builder, x1, dtype), _truth(builder, x2, dtype))


@op
def logical_xor(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """Elementwise `x1 xor x2` of truth values (non-zero is true), as 0/1 in the first input's dtype."""
    dtype = _dtype_of_first(builder, x1)
    return lowering(not_equal)(builder, _truth(builder, x1, dtype), _truth(builder, x2, dtype))


@op
def logical_not(builder: GraphBuilder, x: TensorLike) -> Any:
    """Elementwise `not x` (non-zero is true), as 0/1 in the first input's dtype."""
    (a,) = as_values(builder, x)
    return lowering(equal)(builder, a, np.zeros((), a.dtype))


@op
def any(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """1 where any element over `axis` is non-zero, else 0 (all axes when None)."""
    (a,) = as_values(builder, x)
    return lowering(_max)(builder, _truth(builder, a, a.dtype), axis, keepdims)


@op
def all(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """1 where every element over `axis` is non-zero, else 0 (all axes when None)."""
    (a,) = as_values(builder, x)
    return lowering(_min)(builder, _truth(builder, a, a.dtype), axis, keepdims)


@op
def cumsum(builder: GraphBuilder, x: TensorLike, axis: Any = None, dtype: Any = None) -> Any:
    """Running sums along `axis` (None: of the flattened tensor), as one GEMM with an upper
    triangle of ones; integers are summed in float64 (exact below 2**53) and cast back."""
    (a,) = as_values(builder, x)
    out_dtype = _standard_dtype(dtype) or a.dtype
    if axis is None:
        a = lowering(reshape)(builder, a, [-1])
        axis = 0
    axis = _axis(int(axis), a.ndim, "cumsum")
    length = _known(a.shape[axis], "the summed axis' length", "cumsum")
    work = a if a.dtype.startswith("float") else lowering(cast)(builder, a, "float64")
    last = lowering(moveaxis)(builder, work, axis, -1)
    if last.ndim == 1:
        last = lowering(expand_dims)(builder, last, 0)
        summed = lowering(matmul)(builder, last, np.triu(np.ones((length, length), work.dtype)))
        summed = lowering(reshape)(builder, summed, [length])
    else:
        summed = lowering(matmul)(builder, last, np.triu(np.ones((length, length), work.dtype)))
    result = lowering(moveaxis)(builder, summed, -1, axis)
    return result if result.dtype == out_dtype else lowering(cast)(builder, result, out_dtype)


@op
def split(builder: GraphBuilder, x: TensorLike, indices_or_sections: Any, axis: int = 0) -> Any:
    """`x` cut along `axis` into equal sections (an int) or at the given indices (a list)."""
    (a,) = as_values(builder, x)
    axis = _axis(int(axis), a.ndim, "split")
    size = _known(a.shape[axis], "the split axis' length", "split")
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or size % sections:
            raise ValueError(
                f"split: an axis of length {size} does not divide into {indices_or_sections} equal sections"
            )
        bounds = [size // sections * i for i in range(sections + 1)]
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [size]
    lead = (slice(None),) * axis
    return [lowering(slice_by_index)(builder, a, lead + (slice(b, e),)) for b, e in zip(bounds[:-1], bounds[1:])]


@op
def one_hot(
    builder: GraphBuilder, x: TensorLike, num_classes: int, axis: int = -1, dtype: Any = None, sparse: bool = False
) -> Any:
    """`x`'s integer classes as one-hot vectors of length `num_classes`, placed at `axis`."""
    if sparse:
        raise NotImplementedError("one_hot: dagnet has no sparse tensors (sparse=True)")
    (a,) = as_values(builder, x)
    dtype = _standard_dtype(dtype) or "float32"
    classes = np.arange(int(num_classes), dtype=a.dtype)
    hot = lowering(equal)(builder, lowering(expand_dims)(builder, a, -1), classes)
    hot = hot if hot.dtype == dtype else lowering(cast)(builder, hot, dtype)
    return hot if axis == -1 else lowering(moveaxis)(builder, hot, -1, axis)
