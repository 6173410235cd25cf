"""Shape manipulation: reshape, transpose, expand/squeeze, concatenate, stack, slicing, casts."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor_operators import register_operator_functions
from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, emit, lowering, op

__all__ = [
    "reshape",
    "transpose",
    "expand_dims",
    "squeeze",
    "concatenate",
    "stack",
    "cast",
    "slice_by_index",
    "zeros",
    "ones",
    "zeros_like",
    "ones_like",
    "full",
    "flatten_batch",
]


@op
def reshape(builder: GraphBuilder, x: TensorLike, newshape: Any) -> Any:
    (a,) = as_values(builder, x)
    shape = [-1 if d is None else int(d) for d in (newshape if isinstance(newshape, (list, tuple)) else [newshape])]
    return emit(builder, "reshape", [a], {"shape": shape})


@op
def flatten_batch(builder: GraphBuilder, x: TensorLike) -> Any:
    """(batch, ...) -> (batch, prod(...)): Keras's Flatten."""
    (a,) = as_values(builder, x)
    return emit(builder, "reshape", [a], {"shape": [0, -1]})


@op
def transpose(builder: GraphBuilder, x: TensorLike, axes: Any = None) -> Any:
    (a,) = as_values(builder, x)
    return emit(builder, "transpose", [a], {"perm": [] if axes is None else [int(v) for v in axes]})


@op
def expand_dims(builder: GraphBuilder, x: TensorLike, axis: Any) -> Any:
    (a,) = as_values(builder, x)
    return emit(builder, "expand_dims", [a], {"axis": int(axis)})


@op
def squeeze(builder: GraphBuilder, x: TensorLike, axis: Any = None) -> Any:
    (a,) = as_values(builder, x)
    axes = [] if axis is None else ([int(axis)] if not isinstance(axis, (list, tuple)) else [int(v) for v in axis])
    return emit(builder, "squeeze", [a], {"axes": axes})


@op
def concatenate(builder: GraphBuilder, xs: TensorLike, axis: Any = 0) -> Any:
    values = as_values(builder, *xs)
    return emit(builder, "concatenate", values, {"axis": int(axis)})


@op
def stack(builder: GraphBuilder, xs: TensorLike, axis: Any = 0) -> Any:
    values = as_values(builder, *xs)
    return emit(builder, "stack", values, {"axis": int(axis)})


@op
def cast(builder: GraphBuilder, x: TensorLike, dtype: Any) -> Any:
    (a,) = as_values(builder, x)
    name = np.dtype(getattr(dtype, "name", dtype)).name
    if name == a.dtype:
        return a
    return emit(builder, "cast", [a], {"dtype": name})


@op
def zeros_like(builder: GraphBuilder, x: TensorLike, dtype: Any = None) -> Any:
    (a,) = as_values(builder, x)
    out = emit(builder, "fill_like", [a], {"value": 0.0})
    return out if dtype is None else lowering(cast)(builder, out, dtype)


@op
def ones_like(builder: GraphBuilder, x: TensorLike, dtype: Any = None) -> Any:
    (a,) = as_values(builder, x)
    out = emit(builder, "fill_like", [a], {"value": 1.0})
    return out if dtype is None else lowering(cast)(builder, out, dtype)


def zeros(shape: Any, dtype: Any = "float32") -> Any:
    return np.zeros(shape, dtype=dtype)


def ones(shape: Any, dtype: Any = "float32") -> Any:
    return np.ones(shape, dtype=dtype)


def full(shape: Any, fill_value: Any, dtype: Any = "float32") -> Any:
    return np.full(shape, fill_value, dtype=dtype)


@op
def slice_by_index(builder: GraphBuilder, x: TensorLike, key: TensorLike) -> Any:
    """NumPy basic indexing (ints, slices, Ellipsis, None) on a tensor: ``x[:, t, :]``."""
    (a,) = as_values(builder, x)
    key = key if isinstance(key, tuple) else (key,)
    specified = len([k for k in key if k is not None and k is not Ellipsis])
    if specified > a.ndim:
        raise IndexError(f"too many indices for a tensor of rank {a.ndim}: {key}")
    expanded = []
    for k in key:
        if k is Ellipsis:
            expanded.extend([slice(None)] * (a.ndim - specified))
        else:
            expanded.append(k)
    begin: list[int] = []
    end: list[int] = []
    strides: list[int] = []
    begin_mask: list[int] = []
    end_mask: list[int] = []
    squeeze_axes: list[int] = []
    new_axes: list[int] = []
    axis = 0
    kept = 0  # output axes so far, for placing newaxis
    for k in expanded:
        if k is None:
            new_axes.append(kept + len(new_axes))
            continue
        if isinstance(k, (int, np.integer)):
            k = int(k)
            begin.append(k)
            end.append(k + 1 if k != -1 else 0)
            strides.append(1)
            begin_mask.append(0)
            end_mask.append(1 if k == -1 else 0)
            squeeze_axes.append(axis)
        elif isinstance(k, slice):
            step = 1 if k.step is None else int(k.step)
            if step == 0:
                raise ValueError("slice step cannot be zero")
            begin.append(0 if k.start is None else int(k.start))
            begin_mask.append(int(k.start is None))
            end.append(0 if k.stop is None else int(k.stop))
            end_mask.append(int(k.stop is None))
            strides.append(step)
            kept += 1
        else:
            raise TypeError(f"unsupported index {k!r}: use ints, slices, None or Ellipsis")
        axis += 1
    out = a
    if begin:
        out = emit(
            builder,
            "slice",
            [a],
            {
                "begin": begin,
                "end": end,
                "strides": strides,
                "begin_mask": begin_mask,
                "end_mask": end_mask,
                "squeeze_axes": squeeze_axes,
            },
        )
    for position in new_axes:
        out = emit(builder, "expand_dims", [out], {"axis": position})
    return out


register_operator_functions(slice_by_index=slice_by_index)
