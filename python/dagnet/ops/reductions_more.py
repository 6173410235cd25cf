"""Reductions of keras.ops beyond sum/mean/max/min/prod: logsumexp, var, std,
count_nonzero, norm, cumprod; composed from the native reduce and elementwise ops, so
their gradients come from those. Integer inputs are reduced in float32, as Keras does."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, lowering, op
from .array_ops import _axis, _known, moveaxis
from .math import (
    absolute,
    add,
    exp,
    log,
    max as _max,
    mean,
    min as _min,
    not_equal,
    power,
    prod,
    sqrt,
    square,
    subtract,
    sum as _sum,
    where,
)
from .shape_ops import cast, expand_dims, reshape, squeeze

__all__ = ["logsumexp", "var", "std", "count_nonzero", "norm", "cumprod"]


def _floating(builder, x):
    (a,) = as_values(builder, x)
    return a if a.dtype.startswith("float") else lowering(cast)(builder, a, "float32")


@op
def logsumexp(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """log(sum(exp(x))) over `axis`, shifted by the max so that no exp overflows."""
    a = _floating(builder, x)
    top = lowering(_max)(builder, a, axis, True)
    shifted = lowering(exp)(builder, lowering(subtract)(builder, a, top))
    out = lowering(add)(builder, lowering(log)(builder, lowering(_sum)(builder, shifted, axis, True)), top)
    if keepdims:
        return out
    return lowering(squeeze)(builder, out, axis) if axis is not None else lowering(reshape)(builder, out, [])


@op
def var(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The (population) variance over `axis`: mean((x - mean(x))**2)."""
    a = _floating(builder, x)
    centred = lowering(subtract)(builder, a, lowering(mean)(builder, a, axis, True))
    return lowering(mean)(builder, lowering(square)(builder, centred), axis, keepdims)


@op
def std(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The (population) standard deviation over `axis`."""
    return lowering(sqrt)(builder, lowering(var)(builder, x, axis, keepdims))


@op
def count_nonzero(builder: GraphBuilder, x: TensorLike, axis: Any = None) -> Any:
    """How many elements over `axis` are non-zero (all axes when None), int32."""
    (a,) = as_values(builder, x)
    flags = lowering(not_equal)(builder, a, np.zeros((), a.dtype))
    flags = flags if flags.dtype.startswith("float") else lowering(cast)(builder, flags, "float32")
    return lowering(cast)(builder, lowering(_sum)(builder, flags, axis, False), "int32")


def _vector_norm(builder, a, order, axis, keepdims):
    magnitude = lowering(absolute)(builder, a)
    if order is None or order == 2:
        return lowering(sqrt)(builder, lowering(_sum)(builder, lowering(square)(builder, a), axis, keepdims))
    if order == float("inf"):
        return lowering(_max)(builder, magnitude, axis, keepdims)
    if order == float("-inf"):
        return lowering(_min)(builder, magnitude, axis, keepdims)
    if order == 0:
        nonzero = lowering(not_equal)(builder, a, np.zeros((), a.dtype))
        return lowering(_sum)(builder, nonzero, axis, keepdims)
    if order == 1:
        return lowering(_sum)(builder, magnitude, axis, keepdims)
    p = float(order)
    total = lowering(_sum)(builder, lowering(power)(builder, magnitude, p), axis, keepdims)
    return lowering(power)(builder, total, 1.0 / p)


def _matrix_norm(builder, a, order, axes, keepdims):
    row, col = axes
    if order in (None, "fro"):
        return lowering(sqrt)(builder, lowering(_sum)(builder, lowering(square)(builder, a), list(axes), keepdims))
    magnitude = lowering(absolute)(builder, a)
    if order in (1, -1):  # the largest (smallest) column sum
        summed, other = row, col
    elif order in (float("inf"), float("-inf")):  # the largest (smallest) row sum
        summed, other = col, row
    else:
        raise NotImplementedError(f"norm: matrix ord={order!r} needs an SVD, which dagnet lacks (use 'fro', 1, inf)")
    sums = lowering(_sum)(builder, magnitude, summed, True)
    pick = _max if order in (1, float("inf")) else _min
    out = lowering(pick)(builder, sums, other, True)
    return out if keepdims else lowering(squeeze)(builder, out, sorted(axes))


@op
def norm(builder: GraphBuilder, x: TensorLike, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Vector norms (an int axis, or None on a 1-D x / ord None), matrix norms (a 2-axis
    tuple, or None on a 2-D x): NumPy's linalg.norm for ord None, 'fro', 0, +-1, 2 (vectors),
    +-inf and p."""
    a = _floating(builder, x)
    if axis is None and ord is None:  # the 2-norm of the flattened x, whatever its rank
        out = _vector_norm(builder, a, None, None, False)
        return lowering(reshape)(builder, out, [1] * a.ndim) if keepdims else out
    if axis is None:
        axis = tuple(range(a.ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(_axis(int(v), a.ndim, "norm") for v in axes)
    if len(axes) == 1:
        if isinstance(ord, str):
            raise ValueError(f"norm: ord='{ord}' is a matrix norm; it needs two axes")
        return _vector_norm(builder, a, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(builder, a, ord, axes, keepdims)
    raise ValueError(f"norm: axis must name one or two axes, got {axis}")


@op
def cumprod(builder: GraphBuilder, x: TensorLike, axis: Any = None, dtype: Any = None) -> Any:
    """Running products along `axis` (None: of the flattened x): for each place i the
    product of x_j over j <= i, the others masked to 1 (O(n^2) per row; zeros are exact)."""
    (a,) = as_values(builder, x)
    out_dtype = a.dtype if dtype is None else np.dtype(getattr(dtype, "name", dtype)).name
    if axis is None:
        a, axis = lowering(reshape)(builder, a, [-1]), 0
    ax = _axis(int(axis), a.ndim, "cumprod")
    n = _known(a.shape[ax], "the multiplied axis' length", "cumprod")
    work = a if a.dtype.startswith("float") else lowering(cast)(builder, a, "float64")
    last = lowering(expand_dims)(builder, lowering(moveaxis)(builder, work, ax, -1), -2)  # (..., 1, n_j)
    upto = np.tri(n, n, 0, dtype=work.dtype)  # [i, j] = j <= i
    masked = lowering(where)(builder, upto, last, np.ones((), work.dtype))
    out = lowering(moveaxis)(builder, lowering(prod)(builder, masked, -1), -1, ax)
    return out if out.dtype == out_dtype else lowering(cast)(builder, out, out_dtype)
