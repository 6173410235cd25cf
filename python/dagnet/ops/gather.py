"""take and take_along_axis (keras.ops): gathers by integer index. `take` uses the native
embedding gather on x viewed as (rows, rest), so its gradient scatters back into x;
`take_along_axis` compares the indices with an index ramp (a one-hot) and sums, so it
lowers to broadcasting ops and differentiates through the multiply. Negative indices count
from the end, as in NumPy."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, emit, lowering, op
from .array_ops import _axis, _known, moveaxis
from .math import add, equal, less, multiply, sum as _sum, where
from .shape_ops import cast, expand_dims, reshape

__all__ = ["take", "take_along_axis"]


def _wrapped(builder, indices, n, dtype):
    """indices in `dtype`, negatives counted from the end of an axis of length n."""
    if isinstance(indices, (int, np.integer, list, tuple, np.ndarray)):
        i = np.asarray(indices)
        return builder.constant(np.where(i < 0, i + n, i).astype(dtype))
    (i,) = as_values(builder, indices)
    i = i if i.dtype == dtype else lowering(cast)(builder, i, dtype)
    return lowering(where)(
        builder, lowering(less)(builder, i, np.asarray(0, dtype)), lowering(add)(builder, i, np.asarray(n, dtype)), i
    )


@op
def take(builder: GraphBuilder, x: TensorLike, indices: TensorLike, axis: Any = None) -> Any:
    """The entries of x at `indices` along `axis` (of the flattened x when None): the result
    has x's shape with that axis replaced by indices' shape."""
    (a,) = as_values(builder, x)
    if axis is None:
        a, axis = lowering(reshape)(builder, a, [-1]), 0
    ax = _axis(int(axis), a.ndim, "take")
    n = _known(a.shape[ax], "the gathered axis' length", "take")
    rest = [_known(d, "an axis not gathered", "take") for i, d in enumerate(a.shape) if i != ax]
    table = lowering(reshape)(builder, lowering(moveaxis)(builder, a, ax, 0), [n, math.prod(rest)])
    idx = _wrapped(builder, indices, n, "int32")
    rows = emit(builder, "embedding", [idx, table])  # (*indices.shape, prod(rest))
    lead = rest[:ax]
    rows = lowering(reshape)(builder, rows, [-1 if d is None else d for d in idx.shape] + rest)
    if not lead:
        return rows
    # The gathered axes sit first; x's axes before `axis` go back in front of them.
    k = idx.ndim
    return lowering(moveaxis)(builder, rows, list(range(k, k + len(lead))), list(range(len(lead))))


@op
def take_along_axis(builder: GraphBuilder, x: TensorLike, indices: TensorLike, axis: Any = None) -> Any:
    """x[..., indices[..., j, ...], ...] along `axis` (NumPy's take_along_axis; the other axes
    broadcast); axis None gathers from the flattened x with flat indices."""
    (a,) = as_values(builder, x)
    if axis is None:
        a, axis = lowering(reshape)(builder, a, [-1]), 0
        if not isinstance(indices, (int, np.integer, list, tuple, np.ndarray)):
            (indices,) = as_values(builder, indices)
            indices = lowering(reshape)(builder, indices, [-1])
        else:
            indices = np.asarray(indices).reshape(-1)
    work = a if a.dtype.startswith("float") else lowering(cast)(builder, a, "float64")
    ax = _axis(int(axis), a.ndim, "take_along_axis")
    n = _known(a.shape[ax], "the gathered axis' length", "take_along_axis")
    idx = lowering(moveaxis)(builder, _wrapped(builder, indices, n, work.dtype), ax, -1)  # (..., m)
    hot = lowering(equal)(builder, lowering(expand_dims)(builder, idx, -1), np.arange(n, dtype=work.dtype))
    source = lowering(expand_dims)(builder, lowering(moveaxis)(builder, work, ax, -1), -2)  # (..., 1, n)
    picked = lowering(_sum)(builder, lowering(multiply)(builder, hot, source), -1)
    out = lowering(moveaxis)(builder, picked, -1, ax)
    return out if out.dtype == a.dtype else lowering(cast)(builder, out, a.dtype)
