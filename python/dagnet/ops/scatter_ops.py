"""keras.ops' slicing and scattering: slice, slice_update, get_item, scatter, scatter_update;
and histogram. slice / slice_update take constant start indices (dagnet graphs have static
offsets; a symbolic start is a TypeError naming the op). scatter, scatter_update and histogram
take their indices (or data) as tensors: the target positions become a one-hot matrix
(N updates, M positions), so the scatter is one matmul (or a masked reduction for max, min
and mul) of native ops, symbolic and differentiable with respect to the values. A constant
index out of range is a ValueError; a symbolic one selects nothing."""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from .._tracing import GraphBuilder, GraphTensor
from .._typing import TensorLike
from ..keras_tensor import KerasTensor
from ..variables import Variable
from ._dispatch import as_values, lowering, op
from .array_ops import _known
from .gather import take
from .math import (
    add,
    divide,
    equal,
    floor,
    greater_equal,
    less_equal,
    matmul,
    max as _max,
    maximum,
    min as _min,
    minimum,
    multiply,
    prod,
    subtract,
    sum as _sum,
    where,
)
from .padding import pad
from .shape_ops import cast, expand_dims, ones_like, reshape, slice_by_index, transpose

__all__ = ["slice", "slice_update", "get_item", "scatter", "scatter_update", "histogram"]


def _constant_ints(value: Any, what: str, op_name: str) -> list[int]:
    if isinstance(value, (KerasTensor, GraphTensor, Variable)):
        raise TypeError(
            f"{op_name}: {what} must be constant (Python ints or a NumPy array): a dagnet graph's "
            "slices have static offsets"
        )
    array = np.asarray(value)
    if array.dtype.kind not in "iu" or array.ndim > 1:
        raise TypeError(f"{op_name}: {what} must be integers, got {value!r}")
    return [int(v) for v in array.reshape(-1)]


@op
def slice(builder: GraphBuilder, inputs: TensorLike, start_indices: Any, shape: Any) -> Any:
    """inputs[start:start + shape] on every axis (constant starts and sizes)."""
    (a,) = as_values(builder, inputs)
    starts = _constant_ints(start_indices, "start_indices", "slice")
    sizes = _constant_ints(shape, "shape", "slice")
    if len(starts) != a.ndim or len(sizes) != a.ndim:
        raise ValueError(
            f"slice: start_indices {tuple(starts)} and shape {tuple(sizes)} must have one entry per axis of "
            f"inputs {tuple(a.shape)}"
        )
    for d, (s, n, dim) in enumerate(zip(starts, sizes, a.shape)):
        if s < 0 or n < 0 or (dim is not None and s + n > dim):
            raise ValueError(f"slice: [{s}, {s + n}) is outside axis {d} of inputs {tuple(a.shape)}")
    return lowering(slice_by_index)(builder, a, tuple(builtins.slice(s, s + n) for s, n in zip(starts, sizes)))


@op
def slice_update(builder: GraphBuilder, inputs: TensorLike, start_indices: Any, updates: TensorLike) -> Any:
    """inputs with the block at start_indices (constant) replaced by updates: updates padded
    to inputs' shape, selected by a padded mask of ones (gradients reach both)."""
    a, u = as_values(builder, inputs, updates)
    u = u if u.dtype == a.dtype else lowering(cast)(builder, u, a.dtype)
    starts = _constant_ints(start_indices, "start_indices", "slice_update")
    if len(starts) != a.ndim or u.ndim != a.ndim:
        raise ValueError(
            f"slice_update: start_indices {tuple(starts)} and updates {tuple(u.shape)} must have one entry / "
            f"axis per axis of inputs {tuple(a.shape)}"
        )
    widths = []
    for d, (s, dim, size) in enumerate(zip(starts, a.shape, u.shape)):
        if dim is None and size is None and s == 0:  # a run-time axis the update spans whole
            widths.append([0, 0])
            continue
        dim = _known(dim, "an axis of inputs", "slice_update")
        size = _known(size, "an axis of updates", "slice_update")
        if s < 0 or s + size > dim:
            raise ValueError(
                f"slice_update: updates {tuple(u.shape)} at {tuple(starts)} do not fit axis {d} of inputs "
                f"{tuple(a.shape)}"
            )
        widths.append([s, dim - s - size])
    placed = lowering(pad)(builder, u, widths)
    mask = lowering(pad)(builder, lowering(ones_like)(builder, u), widths)
    return lowering(where)(builder, mask, placed, a)


def _is_basic_key(key: Any) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return builtins.all(isinstance(k, (int, np.integer, builtins.slice)) or k is None or k is Ellipsis for k in parts)


@op
def get_item(builder: GraphBuilder, x: TensorLike, key: Any) -> Any:
    """x[key]: basic indexing (ints, slices, None, Ellipsis) or an integer array / tensor of
    indices into the first axis."""
    (a,) = as_values(builder, x)
    if _is_basic_key(key):
        return lowering(slice_by_index)(builder, a, key)
    if isinstance(key, (GraphTensor, Variable)) or np.asarray(key).dtype.kind in "iu":
        return lowering(take)(builder, a, key, 0)
    raise TypeError(f"get_item: unsupported key {key!r} for x of shape {tuple(a.shape)}")


def _positions(builder, indices, target_shape, work_dtype, op_name):
    """Flat positions (N,) in work_dtype of the index rows (..., k) in target_shape[:k], the
    rows' count N and M = prod(target_shape[:k])."""
    if isinstance(indices, (list, tuple)):
        indices = np.asarray(indices)
    k = indices.shape[-1] if indices.ndim else None
    if k is None or k > len(target_shape):
        raise ValueError(
            f"{op_name}: indices must be (..., k) with k <= {len(target_shape)} (the rank of the target "
            f"{tuple(target_shape)}), got shape {tuple(indices.shape)}"
        )
    k = int(k)
    dims = [int(d) for d in target_shape[:k]]
    strides = [math.prod(dims[j + 1 :]) for j in range(k)]
    if isinstance(indices, np.ndarray):
        if indices.dtype.kind not in "iu":
            raise TypeError(f"{op_name}: indices must be integers, got dtype {indices.dtype}")
        rows = indices.reshape(-1, k)
        bad = (rows < 0) | (rows >= np.asarray(dims))
        if bad.any():
            raise ValueError(f"{op_name}: index {rows[bad.any(1)][0].tolist()} is out of range for {tuple(dims)}")
        flat = (rows * np.asarray(strides)).sum(-1)
        return builder.constant(flat.astype(work_dtype)), len(flat), math.prod(dims), k
    (i,) = as_values(builder, indices)
    if i.dtype.startswith("float"):
        raise TypeError(f"{op_name}: indices must be integers, got dtype {i.dtype}")
    rows = lowering(reshape)(builder, lowering(cast)(builder, i, work_dtype), [-1, k])
    flat = lowering(_sum)(builder, lowering(multiply)(builder, rows, np.asarray(strides, work_dtype)), -1)
    n = _known(rows.shape[0], "the number of index rows", op_name)
    return flat, n, math.prod(dims), k


def _one_hot(builder, flat, m, dtype):
    return lowering(equal)(builder, lowering(expand_dims)(builder, flat, -1), np.arange(m, dtype=dtype))  # (N, M)


def _work_dtype(dtype: str) -> str:
    return dtype if dtype.startswith("float") else "float64"  # integers: exact below 2**53


def _scatter_rows(builder, hot, rows):
    """sum_n hot[n, m] * rows[n, :] for each m: (M, R)."""
    return lowering(matmul)(builder, lowering(transpose)(builder, hot, [1, 0]), rows)


def _last_writes(builder, hot, flat, n):
    """hot with each row cleared where a later row targets the same position (last write wins)."""
    same = lowering(equal)(builder, lowering(expand_dims)(builder, flat, 1), lowering(expand_dims)(builder, flat, 0))
    later = np.triu(np.ones((n, n)), 1).astype(hot.dtype)  # later[i, j] = 1 for j > i
    shadowed = lowering(_max)(builder, lowering(multiply)(builder, same, later), 1, True)  # (N, 1)
    return lowering(multiply)(builder, hot, lowering(subtract)(builder, np.ones((), hot.dtype), shadowed))


def _check_updates(u, n, k, target_shape, op_name):
    want = (n,) + tuple(target_shape[k:])
    got = (math.prod(int(d) for d in u.shape[: u.ndim - len(target_shape[k:])]),) + tuple(
        u.shape[u.ndim - len(target_shape[k:]) :]
    )
    if u.ndim < len(target_shape[k:]) or got != want:
        raise ValueError(
            f"{op_name}: updates of shape {tuple(u.shape)} do not match {n} index rows into "
            f"{tuple(target_shape)} (want (..., {', '.join(str(d) for d in target_shape[k:])}))"
        )


@op
def scatter(builder: GraphBuilder, indices: TensorLike, values: TensorLike, shape: Any) -> Any:
    """A zeros tensor of `shape` with values added at indices (rows of k coordinates):
    duplicates add up, as Keras's (TensorFlow's scatter_nd)."""
    target = tuple(int(d) for d in shape)
    (v,) = as_values(builder, values)
    work = _work_dtype(v.dtype)
    flat, n, m, k = _positions(builder, indices, target, work, "scatter")
    _check_updates(v, n, k, target, "scatter")
    rest = math.prod(target[k:])
    rows = lowering(reshape)(builder, lowering(cast)(builder, v, work), [n, rest])
    out = _scatter_rows(builder, _one_hot(builder, flat, m, work), rows)
    out = lowering(reshape)(builder, out, list(target))
    return out if out.dtype == v.dtype else lowering(cast)(builder, out, v.dtype)


_REDUCTIONS = (None, "add", "max", "min", "mul")


@op
def scatter_update(
    builder: GraphBuilder, inputs: TensorLike, indices: TensorLike, updates: TensorLike, reduction: Any = None
) -> Any:
    """inputs with updates written at indices (rows of k coordinates): replacing (the last of
    duplicate rows wins), or combined by reduction 'add', 'max', 'min' or 'mul'."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"scatter_update: unsupported reduction {reduction!r} (None, 'add', 'max', 'min', 'mul')")
    a, u = as_values(builder, inputs, updates)
    target = tuple(_known(d, "an axis of inputs", "scatter_update") for d in a.shape)
    work = _work_dtype(a.dtype)
    flat, n, m, k = _positions(builder, indices, target, work, "scatter_update")
    _check_updates(u, n, k, target, "scatter_update")
    rest = math.prod(target[k:])
    rows = lowering(reshape)(builder, lowering(cast)(builder, u, work), [n, rest])
    base = lowering(reshape)(builder, lowering(cast)(builder, a, work), [m, rest])
    hot = _one_hot(builder, flat, m, work)
    hit = lowering(_max)(builder, hot, 0)  # (M,): 1 where some row lands
    hit = lowering(expand_dims)(builder, hit, -1)
    if reduction is None:
        written = _scatter_rows(builder, _last_writes(builder, hot, flat, n), rows)
        out = lowering(where)(builder, hit, written, base)
    elif reduction == "add":
        out = lowering(add)(builder, base, _scatter_rows(builder, hot, rows))
    else:
        # (N, M, R): each row's values at its position, the reduction's identity elsewhere.
        identity = {"max": -np.inf, "min": np.inf, "mul": 1.0}[reduction]
        spread = lowering(where)(
            builder,
            lowering(expand_dims)(builder, hot, -1),
            lowering(expand_dims)(builder, rows, 1),
            np.asarray(identity, work),
        )
        if reduction == "mul":
            out = lowering(multiply)(builder, base, lowering(prod)(builder, spread, 0))
        else:
            pick = maximum if reduction == "max" else minimum
            combined = lowering(pick)(builder, base, lowering(_max if reduction == "max" else _min)(builder, spread, 0))
            out = lowering(where)(builder, hit, combined, base)
    out = lowering(reshape)(builder, out, list(target))
    return out if out.dtype == a.dtype else lowering(cast)(builder, out, a.dtype)


@op
def histogram(builder: GraphBuilder, x: TensorLike, bins: int = 10, range: Any = None) -> Any:
    """(counts, bin_edges) of 1-D x in `bins` equal bins over `range` (x's min and max when
    None; widened by 0.5 each way when they are equal, as NumPy's). The last bin includes its
    right edge; values outside the range are not counted. Counts are floats, as Keras's."""
    (a,) = as_values(builder, x)
    if a.ndim != 1:
        raise ValueError(f"histogram: x must be 1-D, got shape {tuple(a.shape)}")
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"histogram: bins must be a positive int, got {bins!r}")
    work = a.dtype if a.dtype.startswith("float") else "float32"
    v = a if a.dtype == work else lowering(cast)(builder, a, work)
    if range is None:
        lo, hi = lowering(_min)(builder, v), lowering(_max)(builder, v)
        flat_range = lowering(equal)(builder, lo, hi)
        half = lowering(multiply)(builder, flat_range, np.asarray(0.5, work))
        lo, hi = lowering(subtract)(builder, lo, half), lowering(add)(builder, hi, half)
    else:
        first, last = (float(r) for r in range)
        if not first <= last:
            raise ValueError(f"histogram: range must be (min, max) with min <= max, got {range!r}")
        if first == last:
            first, last = first - 0.5, last + 0.5
        lo, hi = builder.constant(np.asarray(first, work)), builder.constant(np.asarray(last, work))
    width = lowering(subtract)(builder, hi, lo)
    steps = np.arange(bins + 1, dtype=work) / np.asarray(bins, work)
    edges = lowering(add)(builder, lo, lowering(multiply)(builder, width, steps))
    scaled = lowering(multiply)(builder, lowering(divide)(builder, lowering(subtract)(builder, v, lo), width), bins)
    index = lowering(minimum)(builder, lowering(floor)(builder, scaled), np.asarray(bins - 1, work))
    inside = lowering(multiply)(
        builder, lowering(greater_equal)(builder, v, lo), lowering(less_equal)(builder, v, hi)
    )  # (n,)
    hot = _one_hot(builder, index, bins, work)  # (n, bins)
    counts = lowering(_sum)(builder, lowering(multiply)(builder, hot, lowering(expand_dims)(builder, inside, -1)), 0)
    return counts, edges  # counts in the float dtype, as Keras's
