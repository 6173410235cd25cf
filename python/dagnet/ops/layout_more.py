"""keras.ops that rearrange or build arrays: flip, roll, unstack, diag, diagonal, trace,
outer, cross, meshgrid, linspace, full_like. Slices (negative strides for flip),
concatenations, masks and broadcasting products: gradients come with them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, emit, lowering, op
from .array_ops import _axis, _known, _standard_dtype, broadcast_to, moveaxis
from .math import multiply, subtract, sum as _sum
from .shape_ops import cast, concatenate, expand_dims, reshape, slice_by_index, stack

__all__ = [
    "flip",
    "roll",
    "unstack",
    "diag",
    "diagonal",
    "trace",
    "outer",
    "cross",
    "meshgrid",
    "linspace",
    "full_like",
]


def _axes_of(axis, ndim, op_name):
    if axis is None:
        return list(range(ndim))
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    return [_axis(int(v), ndim, op_name) for v in axes]


@op
def flip(builder: GraphBuilder, x: TensorLike, axis: Any = None) -> Any:
    """x reversed along `axis` (every axis when None)."""
    (a,) = as_values(builder, x)
    axes = _axes_of(axis, a.ndim, "flip")
    if not axes:
        return a
    key = tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(a.ndim))
    return lowering(slice_by_index)(builder, a, key)


@op
def roll(builder: GraphBuilder, x: TensorLike, shift: Any, axis: Any = None) -> Any:
    """x shifted cyclically by `shift` along `axis` (of the flattened x when None)."""
    (a,) = as_values(builder, x)
    if axis is None:
        flat = lowering(reshape)(builder, a, [-1])
        return lowering(reshape)(
            builder, lowering(roll)(builder, flat, shift, 0), [-1 if d is None else d for d in a.shape]
        )
    axes = _axes_of(axis, a.ndim, "roll")
    shifts = [int(shift)] * len(axes) if isinstance(shift, (int, np.integer)) else [int(s) for s in shift]
    out = a
    for ax, s in zip(axes, shifts):
        n = _known(a.shape[ax], "the rolled axis' length", "roll")
        s %= n if n else 1
        if s:
            lead = (slice(None),) * ax
            tail = lowering(slice_by_index)(builder, out, lead + (slice(n - s, None),))
            head = lowering(slice_by_index)(builder, out, lead + (slice(0, n - s),))
            out = lowering(concatenate)(builder, [tail, head], ax)
    return out


@op
def unstack(builder: GraphBuilder, x: TensorLike, num: Any = None, axis: int = 0) -> Any:
    """The slices of x along `axis`, as a list."""
    (a,) = as_values(builder, x)
    ax = _axis(int(axis), a.ndim, "unstack")
    n = _known(a.shape[ax], "the unstacked axis' length", "unstack")
    if num is not None and int(num) != n:
        raise ValueError(f"unstack: num={num} but axis {axis} of shape {tuple(a.shape)} has length {n}")
    lead = (slice(None),) * ax
    return [lowering(slice_by_index)(builder, a, lead + (i,)) for i in range(n)]


@op
def diagonal(builder: GraphBuilder, x: TensorLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The `offset` diagonal of the (axis1, axis2) planes, as x's last axis (NumPy's diagonal)."""
    (a,) = as_values(builder, x)
    if a.ndim < 2:
        raise ValueError(f"diagonal: x needs rank >= 2, got shape {tuple(a.shape)}")
    i, j = _axis(int(axis1), a.ndim, "diagonal"), _axis(int(axis2), a.ndim, "diagonal")
    planes = lowering(moveaxis)(builder, a, [i, j], [-2, -1])
    rows = _known(planes.shape[-2], "the rows", "diagonal")
    cols = _known(planes.shape[-1], "the columns", "diagonal")
    offset = int(offset)
    picked = lowering(_sum)(builder, lowering(multiply)(builder, planes, np.eye(rows, cols, offset, dtype=a.dtype)), -1)
    first = max(0, -offset)
    length = max(0, min(rows + min(0, offset), cols - max(0, offset)))
    return lowering(slice_by_index)(builder, picked, (Ellipsis, slice(first, first + length)))


@op
def diag(builder: GraphBuilder, x: TensorLike, k: int = 0) -> Any:
    """A 1-D x as the k-th diagonal of a square matrix; a 2-D x's k-th diagonal."""
    (a,) = as_values(builder, x)
    k = int(k)
    if a.ndim == 2:
        return lowering(diagonal)(builder, a, k, 0, 1)
    if a.ndim != 1:
        raise ValueError(f"diag: x must have rank 1 or 2, got shape {tuple(a.shape)}")
    n = _known(a.shape[0], "the length", "diag")
    size = n + abs(k)
    # Row r of the result holds v[r] (k >= 0) or v[r - |k|] (k < 0) at column r + k.
    column = emit(builder, "pad", [a], {"pads": [0, k] if k >= 0 else [-k, 0], "value": 0.0})
    return lowering(multiply)(builder, lowering(expand_dims)(builder, column, -1), np.eye(size, size, k, dtype=a.dtype))


@op
def trace(builder: GraphBuilder, x: TensorLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The sum of the `offset` diagonal of the (axis1, axis2) planes."""
    return lowering(_sum)(builder, lowering(diagonal)(builder, x, offset, axis1, axis2), -1)


@op
def outer(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """x1 (flattened) as a column times x2 (flattened) as a row."""
    a, b = as_values(builder, x1, x2)
    column = lowering(reshape)(builder, a, [-1, 1])
    return lowering(multiply)(builder, column, lowering(reshape)(builder, b, [1, -1]))


@op
def cross(
    builder: GraphBuilder,
    x1: TensorLike,
    x2: TensorLike,
    axisa: int = -1,
    axisb: int = -1,
    axisc: int = -1,
    axis: Any = None,
) -> Any:
    """The cross product of 3-vectors along the given axes (`axis` sets all three)."""
    a, b = as_values(builder, x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = lowering(moveaxis)(builder, a, int(axisa), -1)
    b = lowering(moveaxis)(builder, b, int(axisb), -1)
    if a.shape[-1] != 3 or b.shape[-1] != 3:
        raise NotImplementedError(
            f"cross: only 3-vectors are supported, got shapes {tuple(a.shape)} and {tuple(b.shape)} on the vector axis"
        )
    ax, ay, az = (lowering(slice_by_index)(builder, a, (Ellipsis, i)) for i in range(3))
    bx, by, bz = (lowering(slice_by_index)(builder, b, (Ellipsis, i)) for i in range(3))

    def term(p, q, r, s):
        return lowering(subtract)(builder, lowering(multiply)(builder, p, q), lowering(multiply)(builder, r, s))

    out = lowering(stack)(builder, [term(ay, bz, az, by), term(az, bx, ax, bz), term(ax, by, ay, bx)], -1)
    return lowering(moveaxis)(builder, out, -1, int(axisc))


@op
def meshgrid(builder: GraphBuilder, *x: TensorLike, indexing: str = "xy") -> Any:
    """Coordinate grids from 1-D vectors (NumPy's meshgrid; 'xy' swaps the first two axes)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got '{indexing}'")
    vectors = as_values(builder, *x)
    sizes = [_known(v.shape[0], "a vector's length", "meshgrid") for v in vectors]
    if indexing == "xy" and len(vectors) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for n, v in enumerate(vectors):
        place = n if indexing == "ij" or len(vectors) < 2 or n > 1 else 1 - n
        shape = [1] * len(vectors)
        shape[place] = sizes[place]
        grids.append(lowering(broadcast_to)(builder, lowering(reshape)(builder, v, shape), sizes))
    return grids


def linspace(
    start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False, dtype: Any = None, axis: int = 0
) -> Any:
    """`num` evenly spaced values from start to stop, as a NumPy constant (Keras: float32)."""
    dtype = _standard_dtype(dtype) or "float32"
    values = np.linspace(start, stop, int(num), endpoint=endpoint, axis=axis).astype(dtype)
    if retstep:
        step = (np.asarray(stop) - np.asarray(start)) / max(int(num) - int(endpoint), 1)
        return values, np.asarray(step, dtype)
    return values


@op
def full_like(builder: GraphBuilder, x: TensorLike, fill_value: Any, dtype: Any = None) -> Any:
    """An array of x's shape holding `fill_value` (x's dtype unless `dtype`)."""
    (a,) = as_values(builder, x)
    out = emit(builder, "fill_like", [a], {"value": float(fill_value)})
    return out if dtype is None else lowering(cast)(builder, out, _standard_dtype(dtype))
