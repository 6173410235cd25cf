"""Order statistics and the rest of keras.ops' NumPy reductions: quantile, percentile,
median (a stable sort along the axis, then the ranks NumPy's methods name, read by slices:
symbolic, with gradients through the sort), nanmax, nanmin, ptp; and a few array builders:
rot90, dstack, array_split, logspace, geomspace, unravel_index, isin, map, switch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _tree
from .._tracing import GraphBuilder, GraphTensor
from .._typing import TensorLike
from ..keras_tensor import KerasTensor
from ._dispatch import as_values, lowering, op
from .array_ops import _axis, _known, _standard_dtype, split
from .elementwise_more import floor_divide, isnan, mod
from .layout_more import flip, unstack
from .math import add, equal, less_equal, max as _max, min as _min, multiply, subtract, where
from .shape_ops import cast, concatenate, expand_dims, reshape, slice_by_index, stack, transpose
from .sorting import sort

__all__ = [
    "quantile",
    "percentile",
    "median",
    "nanmax",
    "nanmin",
    "ptp",
    "rot90",
    "dstack",
    "array_split",
    "logspace",
    "geomspace",
    "unravel_index",
    "isin",
    "map",
    "switch",
]

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _read_rank(builder, ordered, n, q, method):
    """The q-quantile of `ordered` (sorted along its last axis, length n), NumPy's `method`."""
    position = float(q) * (n - 1)
    lo, hi = int(np.floor(position)), int(np.ceil(position))
    at = lambda i: lowering(slice_by_index)(builder, ordered, (Ellipsis, i))  # noqa: E731
    if method == "lower" or lo == hi:
        return at(lo)
    if method == "higher":
        return at(hi)
    if method == "nearest":
        return at(int(np.around(position)))
    weight = 0.5 if method == "midpoint" else position - lo
    low, high = at(lo), at(hi)
    return lowering(add)(
        builder,
        low,
        lowering(multiply)(builder, lowering(subtract)(builder, high, low), np.asarray(weight, ordered.dtype)),
    )


@op
def quantile(
    builder: GraphBuilder, x: TensorLike, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Any:
    """The q-th quantiles (q in [0, 1], a constant scalar or 1-D) over `axis` (all axes when
    None), NumPy's methods; a 1-D q adds a leading axis."""
    if method not in _METHODS:
        raise ValueError(f"quantile: method must be one of {_METHODS}, got '{method}'")
    qs = np.asarray(q, dtype=np.float64)
    if qs.ndim > 1 or ((qs < 0) | (qs > 1)).any():
        raise ValueError(f"quantile: q must be a scalar or 1-D, within [0, 1]; got {q}")
    (a,) = as_values(builder, x)
    a = a if a.dtype.startswith("float") else lowering(cast)(builder, a, "float32")
    ndim = a.ndim
    axes = list(range(ndim)) if axis is None else [_axis(int(v), ndim, "quantile") for v in np.atleast_1d(axis)]
    kept = [d for d in range(ndim) if d not in axes]
    # The reduced axes side by side at the end, merged into one.
    moved = lowering(transpose)(builder, a, kept + axes)
    n = int(np.prod([_known(a.shape[d], "a reduced axis' length", "quantile") for d in axes]))
    merged = lowering(reshape)(builder, moved, [0] * len(kept) + [n] if kept else [n])
    ordered = lowering(sort)(builder, merged, -1)
    outs = [_read_rank(builder, ordered, n, v, method) for v in qs.reshape(-1)]
    if keepdims:
        outs = [_restore(builder, o, kept, ndim) for o in outs]
    return outs[0] if qs.ndim == 0 else lowering(stack)(builder, outs, 0)


def _restore(builder, out, kept, ndim):
    """The reduced axes back as length-1 axes at their places."""
    for d in range(ndim):
        if d not in kept:
            out = lowering(expand_dims)(builder, out, d)
    return out


@op
def percentile(
    builder: GraphBuilder, x: TensorLike, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Any:
    """quantile with q in percent."""
    return lowering(quantile)(builder, x, np.asarray(q, np.float64) / 100.0, axis, method, keepdims)


@op
def median(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The median over `axis` (the mean of the two middle values for an even count)."""
    return lowering(quantile)(builder, x, 0.5, axis, "linear", keepdims)


def _nan_extremum(builder, x, axis, keepdims, find_max):
    (a,) = as_values(builder, x)
    fill = np.asarray(-np.inf if find_max else np.inf, a.dtype)
    clean = lowering(where)(builder, lowering(isnan)(builder, a), fill, a)
    out = lowering(_max if find_max else _min)(builder, clean, axis, keepdims)
    # All-NaN slices stay NaN, as NumPy's (and Keras's) nanmax / nanmin give.
    all_nan = lowering(_min)(builder, lowering(isnan)(builder, a), axis, keepdims)
    return lowering(where)(builder, all_nan, np.asarray(np.nan, a.dtype), out)


@op
def nanmax(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The max over `axis` ignoring NaNs (NaN where every element is)."""
    return _nan_extremum(builder, x, axis, keepdims, True)


@op
def nanmin(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The min over `axis` ignoring NaNs (NaN where every element is)."""
    return _nan_extremum(builder, x, axis, keepdims, False)


@op
def ptp(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """max - min over `axis`."""
    top = lowering(_max)(builder, x, axis, keepdims)
    return lowering(subtract)(builder, top, lowering(_min)(builder, x, axis, keepdims))


@op
def rot90(builder: GraphBuilder, array: TensorLike, k: int = 1, axes: Any = (0, 1)) -> Any:
    """array rotated by 90 degrees k times in the plane of `axes` (from the first toward the second)."""
    (a,) = as_values(builder, array)
    i, j = (_axis(int(v), a.ndim, "rot90") for v in axes)
    if i == j:
        raise ValueError(f"rot90: the two axes must differ, got {axes}")
    k = int(k) % 4
    perm = list(range(a.ndim))
    perm[i], perm[j] = perm[j], perm[i]
    if k == 1:
        return lowering(transpose)(builder, lowering(flip)(builder, a, j), perm)
    if k == 2:
        return lowering(flip)(builder, a, [i, j])
    if k == 3:
        return lowering(flip)(builder, lowering(transpose)(builder, a, perm), j)
    return a


@op
def dstack(builder: GraphBuilder, xs: Any) -> Any:
    """Concatenated along axis 2 (1-D (n,) as (1, n, 1), 2-D as (m, n, 1))."""
    values = []
    for v in as_values(builder, *xs):
        if v.ndim == 1:
            v = lowering(expand_dims)(builder, lowering(expand_dims)(builder, v, 0), -1)
        elif v.ndim == 2:
            v = lowering(expand_dims)(builder, v, -1)
        values.append(v)
    return lowering(concatenate)(builder, values, 2)


@op
def array_split(builder: GraphBuilder, x: TensorLike, indices_or_sections: Any, axis: int = 0) -> Any:
    """split, but sections need not divide the axis: the first (n % sections) get one more."""
    (a,) = as_values(builder, x)
    if not isinstance(indices_or_sections, (int, np.integer)):
        return lowering(split)(builder, a, indices_or_sections, axis)
    n = _known(a.shape[_axis(int(axis), a.ndim, "array_split")], "the split axis' length", "array_split")
    sections = int(indices_or_sections)
    if sections <= 0:
        raise ValueError(f"array_split: sections must be > 0, got {sections}")
    sizes = [n // sections + (1 if s < n % sections else 0) for s in range(sections)]
    return lowering(split)(builder, a, list(np.cumsum(sizes)[:-1]), axis)


def logspace(
    start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: float = 10, dtype: Any = None, axis: int = 0
) -> np.ndarray:
    """base ** linspace(start, stop), a NumPy constant (float32 unless dtype)."""
    values = np.logspace(start, stop, int(num), endpoint=endpoint, base=base, axis=axis)
    return values.astype(_standard_dtype(dtype) or "float32")


def geomspace(
    start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, axis: int = 0
) -> np.ndarray:
    """A geometric progression from start to stop, a NumPy constant (float32 unless dtype)."""
    values = np.geomspace(start, stop, int(num), endpoint=endpoint, axis=axis)
    return values.astype(_standard_dtype(dtype) or "float32")


@op
def unravel_index(builder: GraphBuilder, indices: TensorLike, shape: Any) -> Any:
    """Flat indices as a tuple of coordinate arrays into `shape` (C order), by floor division."""
    (flat,) = as_values(builder, indices)
    dims = [int(d) for d in shape]
    coords = []
    rest = flat
    for d in reversed(dims):
        coords.append(lowering(mod)(builder, rest, np.asarray(d, flat.dtype)))
        rest = lowering(floor_divide)(builder, rest, np.asarray(d, flat.dtype))
    return tuple(reversed(coords))


@op
def isin(
    builder: GraphBuilder, x1: TensorLike, x2: TensorLike, assume_unique: bool = False, invert: bool = False
) -> Any:
    """1 where an element of x1 equals some element of x2 (0 where invert)."""
    a, b = as_values(builder, x1, x2)
    b = b if b.dtype == a.dtype else lowering(cast)(builder, b, a.dtype)
    hits = lowering(equal)(builder, lowering(expand_dims)(builder, a, -1), lowering(reshape)(builder, b, [-1]))
    found = lowering(_max)(builder, hits, -1, False)
    return lowering(equal)(builder, found, np.zeros((), found.dtype)) if invert else found


def map(f: Callable[[Any], Any], xs: Any) -> Any:
    """f applied to each slice of xs along axis 0, the results stacked: unrolled, so xs'
    leading length must be known (symbolic tensors included)."""
    flat = _tree.flatten(xs)
    columns = [unstack(x, None, 0) for x in flat]
    outs = [f(_tree.pack_sequence_as(xs, [c[i] for c in columns])) for i in range(len(columns[0]))]
    first = _tree.flatten(outs[0])
    stacked = [stack([_tree.flatten(o)[k] for o in outs], 0) for k in range(len(first))]
    return _tree.pack_sequence_as(outs[0], stacked)


def switch(index: Any, branches: list[Callable[..., Any]], *operands: Any) -> Any:
    """branches[index](*operands), index clamped into range; a symbolic index runs every
    branch and selects, elementwise, with where."""
    if not isinstance(index, (KerasTensor, GraphTensor)):
        i = int(np.clip(int(np.asarray(index)), 0, len(branches) - 1))
        return branches[i](*operands)
    results = [b(*operands) for b in branches]
    out = results[-1]
    for i in range(len(branches) - 2, -1, -1):
        chosen = less_equal(index, i)  # the first branch whose index is reached
        out = _tree.pack_sequence_as(
            out, [where(chosen, r, o) for r, o in zip(_tree.flatten(results[i]), _tree.flatten(out))]
        )
    return out
