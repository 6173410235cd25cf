"""keras.ops whose output shape depends on the data: nonzero and unique. A dagnet graph has
static shapes, so by design these run eagerly only, on concrete arrays (NumPy); a symbolic or
traced tensor is a TypeError naming the op."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphTensor
from ..keras_tensor import KerasTensor
from ..variables import Variable

__all__ = ["nonzero", "unique"]


def _concrete(op_name: str, x: Any) -> np.ndarray:
    if isinstance(x, (KerasTensor, GraphTensor)):
        raise TypeError(
            f"{op_name} runs eagerly only: its output shape depends on the values, and a dagnet graph's "
            f"shapes are static (got the symbolic tensor {x!r})"
        )
    return np.asarray(x.numpy() if isinstance(x, Variable) else x)


def nonzero(x: Any) -> Any:
    """The indices of x's non-zero elements, one int32 array per axis."""
    return tuple(i.astype(np.int32) for i in np.nonzero(_concrete("nonzero", x)))


def unique(
    x: Any,
    sorted: bool = True,
    return_index: bool = False,
    return_inverse: bool = False,
    return_counts: bool = False,
    axis: Any = None,
    size: Any = None,
    fill_value: Any = None,
) -> Any:
    """The distinct values of x (flattened, or the distinct slices along `axis`), sorted or in
    order of first appearance; with return_index / return_inverse / return_counts also the
    first positions, the inverse map and the counts (int32). `size` pads (with fill_value, the
    smallest value when None) or truncates the result to that length."""
    a = _concrete("unique", x)
    values, first, inverse, counts = np.unique(a, return_index=True, return_inverse=True, return_counts=True, axis=axis)
    inverse = inverse.reshape(-1) if axis is not None else inverse.reshape(a.shape)
    if not sorted:  # order of first appearance
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        values = np.take(values, order, axis=0 if axis is None else axis)
        first, counts, inverse = first[order], counts[order], rank[inverse]
    if size is not None:
        n = values.shape[0 if axis is None else axis]
        size = int(size)
        if size < n:
            values = np.take(values, np.arange(size), axis=0 if axis is None else axis)
            first, counts = first[:size], counts[:size]
        elif size > n:
            fill = np.min(a) if fill_value is None else fill_value
            pad_shape = list(values.shape)
            pad_shape[0 if axis is None else axis] = size - n
            values = np.concatenate([values, np.full(pad_shape, fill, values.dtype)], axis=0 if axis is None else axis)
            first = np.concatenate([first, np.zeros(size - n, first.dtype)])
            counts = np.concatenate([counts, np.zeros(size - n, counts.dtype)])
    outs = [values]
    outs += [first.astype(np.int32)] if return_index else []
    outs += [inverse.astype(np.int32)] if return_inverse else []
    outs += [counts.astype(np.int32)] if return_counts else []
    return outs[0] if len(outs) == 1 else tuple(outs)
