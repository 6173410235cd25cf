"""The NaN-ignoring reductions of keras.ops: nanprod, nanvar, nanstd, nancumsum, nancumprod,
nanargmax, nanargmin, nanquantile, nanpercentile, nanmedian. Each reads NaNs as the identity
of its reduction (0 for sums, 1 for products, -inf / +inf for arg-extrema) or, for the order
statistics, sorts them last and reads ranks among the values that are not NaN (per slice, at
run time). All-NaN slices give NaN (-1 for the arg-extrema, as Keras's)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, lowering, op
from .array_ops import _axis, _known, cumsum
from .elementwise_more import isnan
from .math import (
    add,
    equal,
    floor,
    maximum,
    min as _min,
    minimum,
    multiply,
    prod,
    round as _round,
    sqrt,
    square,
    subtract,
    sum as _sum,
    where,
)
from .math_more import _floating, nanmean
from .order_stats import _METHODS, _restore
from .reductions_more import cumprod
from .shape_ops import cast, expand_dims, reshape, stack, transpose
from .sorting import argmax, argmin, sort

__all__ = ["nanprod", "nanvar", "nanstd", "nancumsum", "nancumprod", "nanargmax", "nanargmin"]
__all__ += ["nanquantile", "nanpercentile", "nanmedian"]


def _filled(builder, x, value):
    """x with NaNs replaced by `value` (integers have none)."""
    (a,) = as_values(builder, x)
    if not a.dtype.startswith("float"):
        return a
    return lowering(where)(builder, lowering(isnan)(builder, a), np.asarray(value, a.dtype), a)


@op
def nanprod(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The product over `axis` with NaNs counted as 1."""
    return lowering(prod)(builder, _filled(builder, x, 1.0), axis, keepdims)


@op
def nanvar(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The variance over `axis` of the elements that are not NaN (NaN where all are)."""
    a = _floating(builder, x)
    centre = lowering(nanmean)(builder, a, axis, True)
    # Deviations squared after the NaNs are zeroed, so no NaN meets the square's backward
    # (0 * NaN); the NaNs are then put back for nanmean to skip.
    missing = lowering(isnan)(builder, a)
    deviation = _filled(builder, lowering(subtract)(builder, a, centre), 0.0)
    squared = lowering(where)(builder, missing, np.asarray(np.nan, a.dtype), lowering(square)(builder, deviation))
    return lowering(nanmean)(builder, squared, axis, keepdims)


@op
def nanstd(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The standard deviation over `axis` of the elements that are not NaN."""
    return lowering(sqrt)(builder, lowering(nanvar)(builder, x, axis, keepdims))


@op
def nancumsum(builder: GraphBuilder, x: TensorLike, axis: Any = None, dtype: Any = None) -> Any:
    """Running sums along `axis` (flattened when None) with NaNs counted as 0."""
    return lowering(cumsum)(builder, _filled(builder, x, 0.0), axis, dtype)


@op
def nancumprod(builder: GraphBuilder, x: TensorLike, axis: Any = None, dtype: Any = None) -> Any:
    """Running products along `axis` (flattened when None) with NaNs counted as 1."""
    return lowering(cumprod)(builder, _filled(builder, x, 1.0), axis, dtype)


def _nan_arg(builder, x, axis, keepdims, find_max):
    (a,) = as_values(builder, x)
    if not a.dtype.startswith("float"):
        return lowering(argmax if find_max else argmin)(builder, a, axis, keepdims)
    clean = _filled(builder, a, -np.inf if find_max else np.inf)
    index = lowering(argmax if find_max else argmin)(builder, clean, axis, keepdims)
    missing = lowering(isnan)(builder, a)
    if axis is None:
        missing = lowering(reshape)(builder, missing, [-1])
    all_nan = lowering(_min)(builder, missing, 0 if axis is None else axis, keepdims)
    if axis is None and keepdims:
        all_nan = lowering(reshape)(builder, all_nan, [1] * a.ndim)
    all_nan = lowering(cast)(builder, all_nan, index.dtype)
    return lowering(where)(builder, all_nan, np.asarray(-1, index.dtype), index)


@op
def nanargmax(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The index of the largest element over `axis` ignoring NaNs (-1 where all are NaN)."""
    return _nan_arg(builder, x, axis, keepdims, True)


@op
def nanargmin(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The index of the smallest element over `axis` ignoring NaNs (-1 where all are NaN)."""
    return _nan_arg(builder, x, axis, keepdims, False)


def _pick(builder, ordered, index, n):
    """ordered[..., index[...]] for a float index tensor (a whole number) per slice: a select
    against the rank ramp, summed (a select, not a product, so an infinite value elsewhere in
    the slice cannot turn the pick into NaN)."""
    hot = lowering(equal)(builder, lowering(expand_dims)(builder, index, -1), np.arange(n, dtype=ordered.dtype))
    return lowering(_sum)(builder, lowering(where)(builder, hot, ordered, np.zeros((), ordered.dtype)), -1)


def _nan_rank(builder, ordered, count, n, q, method):
    """The q-quantile of each slice of `ordered` (sorted, NaNs last) among its `count` values."""
    dtype = ordered.dtype
    top = lowering(maximum)(builder, lowering(subtract)(builder, count, np.asarray(1, dtype)), np.zeros((), dtype))
    position = lowering(multiply)(builder, top, np.asarray(q, dtype))
    lo = lowering(floor)(builder, position)
    hi = lowering(minimum)(builder, lowering(add)(builder, lo, np.ones((), dtype)), top)
    if method == "lower":
        return _pick(builder, ordered, lo, n)
    if method == "higher":  # the ceiling: lo itself at a whole position
        whole = lowering(equal)(builder, lo, position)
        return _pick(builder, ordered, lowering(where)(builder, whole, lo, hi), n)
    if method == "nearest":
        return _pick(builder, ordered, lowering(_round)(builder, position), n)  # half to even, as NumPy
    low, high = _pick(builder, ordered, lo, n), _pick(builder, ordered, hi, n)
    weight = np.asarray(0.5, dtype) if method == "midpoint" else lowering(subtract)(builder, position, lo)
    if method == "midpoint":  # NumPy's midpoint is the mean of the ranks floor and ceil
        whole = lowering(equal)(builder, lo, position)
        weight = lowering(where)(builder, whole, np.zeros((), dtype), weight)
    return lowering(add)(builder, low, lowering(multiply)(builder, lowering(subtract)(builder, high, low), weight))


@op
def nanquantile(
    builder: GraphBuilder, x: TensorLike, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Any:
    """The q-th quantiles (q in [0, 1], a constant scalar or 1-D) over `axis` of the elements
    that are not NaN (NaN where all are), NumPy's methods; a 1-D q adds a leading axis."""
    if method not in _METHODS:
        raise ValueError(f"nanquantile: method must be one of {_METHODS}, got '{method}'")
    qs = np.asarray(q, dtype=np.float64)
    if qs.ndim > 1 or ((qs < 0) | (qs > 1)).any():
        raise ValueError(f"nanquantile: q must be a scalar or 1-D, within [0, 1]; got {q}")
    a = _floating(builder, x)
    ndim = a.ndim
    axes = list(range(ndim)) if axis is None else [_axis(int(v), ndim, "nanquantile") for v in np.atleast_1d(axis)]
    kept = [d for d in range(ndim) if d not in axes]
    moved = lowering(transpose)(builder, a, kept + axes)
    n = int(np.prod([_known(a.shape[d], "a reduced axis' length", "nanquantile") for d in axes]))
    merged = lowering(reshape)(builder, moved, [0] * len(kept) + [n] if kept else [n])
    missing = lowering(isnan)(builder, merged)
    count = lowering(_sum)(builder, lowering(subtract)(builder, np.ones((), a.dtype), missing), -1)
    ordered = lowering(sort)(builder, _filled(builder, merged, np.inf), -1)  # NaNs last
    empty = lowering(equal)(builder, count, np.zeros((), a.dtype))
    outs = []
    for v in qs.reshape(-1):
        value = _nan_rank(builder, ordered, count, n, float(v), method)
        value = lowering(where)(builder, empty, np.asarray(np.nan, a.dtype), value)
        outs.append(_restore(builder, value, kept, ndim) if keepdims else value)
    return outs[0] if qs.ndim == 0 else lowering(stack)(builder, outs, 0)


@op
def nanpercentile(
    builder: GraphBuilder, x: TensorLike, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Any:
    """nanquantile with q in percent."""
    return lowering(nanquantile)(builder, x, np.asarray(q, np.float64) / 100.0, axis, method, keepdims)


@op
def nanmedian(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The median over `axis` of the elements that are not NaN (NaN where all are)."""
    return lowering(nanquantile)(builder, x, 0.5, axis, "linear", keepdims)
