"""Index-valued and ordering ops of keras.ops (argmax, argmin, argsort, sort, top_k,
in_top_k), composed from comparisons and reductions so they lower symbolically too.

An element's place in sorted order is its rank: how many elements sort before it (ties
broken by position, so the order is stable as Keras's backends give it). The rank comes
from an (n, n) table of pairwise comparisons along the axis, and a one-hot of the ranks
permutes values or positions; O(n^2) memory per row, which suits class-score and sequence
axes. Indices carry no gradient (as in Keras); sort/top_k values do, through the selection."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, lowering, op
from .array_ops import _axis, _known, moveaxis
from .elementwise_more import isnan
from .math import add, equal, greater, less, max as _max, maximum, min as _min, multiply, subtract, sum as _sum, where
from .shape_ops import cast, expand_dims, reshape, slice_by_index

__all__ = ["argmax", "argmin", "argsort", "sort", "top_k", "in_top_k"]


def _floating(builder, x):
    (a,) = as_values(builder, x)
    return a if a.dtype.startswith("float") else lowering(cast)(builder, a, "float32")


def _arg_extremum(builder, x, axis, keepdims, find_max, op_name):
    a = _floating(builder, x)
    ndim = a.ndim
    if axis is None:
        a = lowering(reshape)(builder, a, [-1])
        ax = 0
    else:
        ax = _axis(int(axis), ndim, op_name)
    n = _known(a.shape[ax], "the reduced axis' length", op_name)
    extremum = lowering(_max if find_max else _min)(builder, a, ax, True)
    hit = lowering(equal)(builder, a, extremum)
    ramp_shape = [1] * a.ndim
    ramp_shape[ax] = n
    ramp = np.arange(n, dtype=a.dtype).reshape(ramp_shape)
    # The first position holding the extremum: the others are pushed to n, past every index.
    first = lowering(_min)(builder, lowering(where)(builder, hit, ramp, np.asarray(n, a.dtype)), ax, keepdims)
    if axis is None and keepdims:
        first = lowering(reshape)(builder, first, [1] * ndim)
    return lowering(cast)(builder, first, "int32")


@op
def argmax(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The (first) index of the largest value along `axis` (of the flattened x when None), int32."""
    return _arg_extremum(builder, x, axis, keepdims, True, "argmax")


@op
def argmin(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The (first) index of the smallest value along `axis` (of the flattened x when None), int32."""
    return _arg_extremum(builder, x, axis, keepdims, False, "argmin")


def _permutation(builder, last, descending):
    """P[..., i, k] = 1 where element i of the last axis goes to place k. NaN counts as
    larger than every number (NumPy's and Keras-on-JAX's order: last ascending, first in
    top_k), NaNs among themselves by position."""
    n = _known(last.shape[-1], "the sorted axis' length", "sort")
    xi = lowering(expand_dims)(builder, last, -1)  # (..., n_i, 1)
    xj = lowering(expand_dims)(builder, last, -2)  # (..., 1, n_j)
    nan_i, nan_j = lowering(isnan)(builder, xi), lowering(isnan)(builder, xj)
    one = np.ones((), last.dtype)
    # j sorts before i: it compares so, or it is a number and i a NaN (descending: j a NaN).
    nan_order = (
        lowering(multiply)(builder, nan_j, lowering(subtract)(builder, one, nan_i))
        if descending
        else lowering(multiply)(builder, nan_i, lowering(subtract)(builder, one, nan_j))
    )
    before = lowering(maximum)(builder, lowering(greater if descending else less)(builder, xj, xi), nan_order)
    tied = lowering(maximum)(builder, lowering(equal)(builder, xj, xi), lowering(multiply)(builder, nan_i, nan_j))
    tie_before = lowering(multiply)(builder, tied, np.tri(n, n, -1, dtype=last.dtype))
    rank = lowering(add)(
        builder, lowering(_sum)(builder, before, -1, False), lowering(_sum)(builder, tie_before, -1, False)
    )
    return lowering(equal)(builder, lowering(expand_dims)(builder, rank, -1), np.arange(n, dtype=last.dtype)), n


# The comparison tables' bound: an axis of 4096 (16 M elements per row), and 128 M
# elements for all the rows whose count is known when the graph is built.
_MAX_TABLE_PER_ROW = 1 << 24
_MAX_TABLE = 1 << 27


def _check_table_size(shape, axis, op_name):
    """A clear error instead of an allocation that cannot succeed (or takes all memory)."""
    n = shape[axis]
    if n is None:
        return
    rows = 1
    for i, d in enumerate(shape):
        if i != axis and d is not None:
            rows *= int(d)
    per_row = int(n) * int(n)
    if per_row > _MAX_TABLE_PER_ROW or rows * per_row > _MAX_TABLE:
        raise ValueError(
            f"ops.{op_name}: an axis of length {n} in shape {tuple(shape)} is too long: dagnet composes "
            f"{op_name} from an (n, n) table of pairwise comparisons per row ({rows} x {n} x {n} elements); "
            "it suits class-score and sequence axes up to 4096 (and tables up to 128 M elements)."
        )


def _sorted(builder, x, axis, descending, op_name):
    """(values, indices) of x sorted along axis; indices in x's working float dtype."""
    a = _floating(builder, x)
    ax = _axis(int(axis), a.ndim, op_name)
    _check_table_size(a.shape, ax, op_name)
    last = lowering(moveaxis)(builder, a, ax, -1)
    perm, n = _permutation(builder, last, descending)
    # where, not a product with the one-hot: a NaN must not spread into the other places.
    picked = lowering(where)(builder, perm, lowering(expand_dims)(builder, last, -1), np.zeros((), a.dtype))
    values = lowering(_sum)(builder, picked, -2)
    positions = np.arange(n, dtype=a.dtype).reshape(n, 1)
    indices = lowering(_sum)(builder, lowering(multiply)(builder, perm, positions), -2)
    return values, indices, ax


@op
def sort(builder: GraphBuilder, x: TensorLike, axis: int = -1) -> Any:
    """x sorted ascending along `axis` (keeps x's dtype; gradients reach x)."""
    (a,) = as_values(builder, x)
    if axis is None:
        a, axis = lowering(reshape)(builder, a, [-1]), 0
    values, _, ax = _sorted(builder, a, axis, False, "sort")
    out = lowering(moveaxis)(builder, values, -1, ax)
    return out if out.dtype == a.dtype else lowering(cast)(builder, out, a.dtype)


@op
def argsort(builder: GraphBuilder, x: TensorLike, axis: int = -1) -> Any:
    """The indices that sort x ascending along `axis` (stable), int32."""
    (a,) = as_values(builder, x)
    if axis is None:
        a, axis = lowering(reshape)(builder, a, [-1]), 0
    _, indices, ax = _sorted(builder, a, axis, False, "argsort")
    return lowering(cast)(builder, lowering(moveaxis)(builder, indices, -1, ax), "int32")


@op
def top_k(builder: GraphBuilder, x: TensorLike, k: int, sorted: bool = True) -> Any:
    """(values, indices) of the k largest entries along the last axis, largest first (ties:
    the lower index first); indices int32."""
    (a,) = as_values(builder, x)
    n = _known(a.shape[-1], "the last axis' length", "top_k")
    if not 0 <= int(k) <= n:
        raise ValueError(f"top_k: k={k} is out of range for a last axis of length {n} (shape {tuple(a.shape)})")
    values, indices, _ = _sorted(builder, a, -1, True, "top_k")
    keep = (Ellipsis, slice(0, int(k)))
    values = lowering(slice_by_index)(builder, values, keep)
    values = values if values.dtype == a.dtype else lowering(cast)(builder, values, a.dtype)
    return values, lowering(cast)(builder, lowering(slice_by_index)(builder, indices, keep), "int32")


@op
def in_top_k(builder: GraphBuilder, targets: TensorLike, predictions: TensorLike, k: int) -> Any:
    """1 where the target class's prediction is among the k largest of its row: fewer than k
    predictions are strictly larger (ties count in the target's favour). 0/1 in the
    predictions' float dtype (dagnet has no bool)."""
    p = _floating(builder, predictions)
    if p.ndim != 2:
        raise ValueError(f"in_top_k: predictions must have rank 2 (batch, classes), got shape {tuple(p.shape)}")
    (t,) = as_values(builder, targets)
    t = lowering(cast)(builder, t, p.dtype)
    n = _known(p.shape[-1], "the number of classes", "in_top_k")
    hot = lowering(equal)(builder, lowering(expand_dims)(builder, t, -1), np.arange(n, dtype=p.dtype))
    target_score = lowering(_sum)(builder, lowering(multiply)(builder, hot, p), -1, True)
    larger = lowering(_sum)(builder, lowering(greater)(builder, p, target_score), -1)
    return lowering(less)(builder, larger, np.asarray(k, p.dtype))
