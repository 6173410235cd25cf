"""Counting and grouping ops of keras.ops: digitize, bincount, segment_sum, segment_max,
multi_hot; each a one-hot of the integer ids reduced over the elements, so they lower
symbolically when the number of bins/segments is known. bincount and segment_* with the
count left to the data (minlength / num_segments unset) need concrete ids."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, lowering, op
from .array_ops import _known, one_hot
from .math import greater_equal, matmul, max as _max, min as _min, multiply, sum as _sum, where
from .shape_ops import cast, expand_dims, reshape, transpose

__all__ = ["digitize", "bincount", "segment_sum", "segment_max", "segment_min", "multi_hot"]


def _concrete_count(ids: Any, given: Any, op_name: str, what: str) -> int:
    if given is not None and int(given) > 0:
        return int(given)
    if isinstance(ids, (list, tuple, np.ndarray)):
        values = np.asarray(ids)
        return int(values.max()) + 1 if values.size else 0
    setting = "minlength" if op_name == "bincount" else "num_segments"
    raise TypeError(
        f"{op_name}: on a symbolic tensor the number of {what} must be given ({setting}); "
        "it cannot depend on the data inside a graph"
    )


@op
def digitize(builder: GraphBuilder, x: TensorLike, bins: Any) -> Any:
    """For increasing `bins`, the index i with bins[i-1] <= x < bins[i]: how many bins are <= x, int32."""
    (a,) = as_values(builder, x)
    work = a if a.dtype.startswith("float") else lowering(cast)(builder, a, "float64")
    edges = np.asarray(bins, dtype=work.dtype)
    if edges.ndim != 1:
        raise ValueError(f"digitize: bins must be 1-D, got shape {edges.shape}")
    reached = lowering(greater_equal)(builder, lowering(expand_dims)(builder, work, -1), edges)
    return lowering(cast)(builder, lowering(_sum)(builder, reached, -1), "int32")


@op
def bincount(
    builder: GraphBuilder, x: TensorLike, weights: Any = None, minlength: int = 0, sparse: bool = False
) -> Any:
    """How often each value 0..n-1 occurs in the 1-D int x, or in each row of a 2-D x (summing
    `weights` instead when given); n = max(max(x) + 1, minlength). Counts are int32,
    weighted sums float."""
    if sparse:
        raise NotImplementedError("bincount: dagnet has no sparse tensors (sparse=True)")
    length = _concrete_count(x, None, "bincount", "bins") if isinstance(x, (list, tuple, np.ndarray)) else 0
    length = max(length, int(minlength))
    if length == 0:
        _concrete_count(x, minlength, "bincount", "bins")
    (ids,) = as_values(builder, x)
    if ids.ndim not in (1, 2):
        raise ValueError(f"bincount: x must be 1-D, or 2-D (counts per row), got shape {tuple(ids.shape)}")
    axis = ids.ndim - 1  # a 2-D x counts each row on its own
    hot = lowering(one_hot)(builder, ids, length, -1, "float32" if weights is None else None)
    if weights is None:
        return lowering(cast)(builder, lowering(_sum)(builder, hot, axis), "int32")
    (w,) = as_values(builder, weights)
    hot = lowering(cast)(builder, hot, w.dtype)
    return lowering(_sum)(builder, lowering(multiply)(builder, hot, lowering(expand_dims)(builder, w, -1)), axis)


def _segments(builder, data, segment_ids, num_segments, op_name):
    count = _concrete_count(segment_ids, num_segments, op_name, "segments")
    (d,) = as_values(builder, data)
    work = d if d.dtype.startswith("float") else lowering(cast)(builder, d, "float64")
    (ids,) = as_values(builder, segment_ids)
    if ids.ndim != 1:
        raise ValueError(f"{op_name}: segment_ids must be 1-D, got shape {tuple(ids.shape)}")
    hot = lowering(one_hot)(builder, ids, count, -1, work.dtype)  # (n, segments)
    rest = [_known(v, "a data axis after the first", op_name) for v in d.shape[1:]]
    return d, work, hot, count, rest


@op
def segment_sum(
    builder: GraphBuilder, data: TensorLike, segment_ids: TensorLike, num_segments: Any = None, sorted: bool = False
) -> Any:
    """The sums of data's rows (axis 0) with each segment id; 0 for an empty segment."""
    d, work, hot, count, rest = _segments(builder, data, segment_ids, num_segments, "segment_sum")
    rows = lowering(reshape)(builder, work, [-1, int(np.prod(rest))])
    out = lowering(reshape)(builder, lowering(matmul)(builder, lowering(transpose)(builder, hot), rows), [count] + rest)
    return out if out.dtype == d.dtype else lowering(cast)(builder, out, d.dtype)


def _segment_extremum(builder, data, segment_ids, num_segments, find_max, op_name):
    d, work, hot, count, rest = _segments(builder, data, segment_ids, num_segments, op_name)
    info = np.finfo(work.dtype)
    empty = np.asarray(info.min if find_max else info.max, work.dtype)
    member = lowering(reshape)(builder, hot, [-1, count] + [1] * len(rest))  # (n, segments, 1...)
    candidates = lowering(where)(builder, member, lowering(expand_dims)(builder, work, 1), empty)
    out = lowering(_max if find_max else _min)(builder, candidates, 0)
    return out if out.dtype == d.dtype else lowering(cast)(builder, out, d.dtype)


@op
def segment_max(
    builder: GraphBuilder, data: TensorLike, segment_ids: TensorLike, num_segments: Any = None, sorted: bool = False
) -> Any:
    """The maxima of data's rows (axis 0) with each segment id (an empty segment: the
    dtype's lowest value, as the TensorFlow backend gives)."""
    return _segment_extremum(builder, data, segment_ids, num_segments, True, "segment_max")


@op
def segment_min(
    builder: GraphBuilder, data: TensorLike, segment_ids: TensorLike, num_segments: Any = None, sorted: bool = False
) -> Any:
    """The minima of data's rows (axis 0) with each segment id (an empty segment: the
    dtype's largest value, as the TensorFlow backend gives)."""
    return _segment_extremum(builder, data, segment_ids, num_segments, False, "segment_min")


@op
def multi_hot(
    builder: GraphBuilder, inputs: TensorLike, num_classes: int, axis: int = -1, dtype: Any = None, sparse: bool = False
) -> Any:
    """1 for each class present in a row of integer ids (Keras: rows along axis 1, or the
    whole input when it is 1-D)."""
    if sparse:
        raise NotImplementedError("multi_hot: dagnet has no sparse tensors (sparse=True)")
    (ids,) = as_values(builder, inputs)
    hot = lowering(one_hot)(builder, ids, int(num_classes), axis, dtype)
    return lowering(_max)(builder, hot, 1 if ids.ndim > 1 else 0)
