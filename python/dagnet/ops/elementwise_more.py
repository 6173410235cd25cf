"""Elementwise keras.ops composed from the native unary/binary ops: isnan, isinf, isfinite,
nan_to_num, ceil, mod, floor_divide. The predicates give 0/1 in x's dtype (dagnet has no
bool dtype), which is what masks are everywhere in the engine."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, lowering, op
from .math import absolute, divide, equal, floor, multiply, negative, not_equal, subtract, where
from .shape_ops import cast

__all__ = ["isnan", "isinf", "isfinite", "nan_to_num", "ceil", "mod", "floor_divide"]


def _is_float(a: Any) -> bool:
    return a.dtype.startswith("float")


@op
def isnan(builder: GraphBuilder, x: TensorLike) -> Any:
    """1 where x is NaN (the one value not equal to itself)."""
    (a,) = as_values(builder, x)
    return lowering(not_equal)(builder, a, a)


@op
def isinf(builder: GraphBuilder, x: TensorLike) -> Any:
    """1 where x is +inf or -inf."""
    (a,) = as_values(builder, x)
    if not _is_float(a):
        return lowering(not_equal)(builder, a, a)  # integers are never infinite: all 0
    return lowering(equal)(builder, lowering(absolute)(builder, a), np.asarray(np.inf, a.dtype))


@op
def isfinite(builder: GraphBuilder, x: TensorLike) -> Any:
    """1 where x is neither NaN nor infinite: x - x is 0 exactly there (NaN otherwise)."""
    (a,) = as_values(builder, x)
    return lowering(equal)(builder, lowering(subtract)(builder, a, a), np.zeros((), a.dtype))


@op
def nan_to_num(builder: GraphBuilder, x: TensorLike, nan: float = 0.0, posinf: Any = None, neginf: Any = None) -> Any:
    """x with NaN replaced by `nan` and +-inf by `posinf`/`neginf` (the dtype's largest and
    lowest finite values when None); integers pass through."""
    (a,) = as_values(builder, x)
    if not _is_float(a):
        return a
    info = np.finfo(a.dtype)
    big = np.asarray(info.max if posinf is None else posinf, a.dtype)
    low = np.asarray(info.min if neginf is None else neginf, a.dtype)
    out = lowering(where)(builder, lowering(equal)(builder, a, np.asarray(np.inf, a.dtype)), big, a)
    out = lowering(where)(builder, lowering(equal)(builder, a, np.asarray(-np.inf, a.dtype)), low, out)
    return lowering(where)(builder, lowering(not_equal)(builder, a, a), np.asarray(nan, a.dtype), out)


@op
def ceil(builder: GraphBuilder, x: TensorLike) -> Any:
    """The smallest integer >= x: -floor(-x). Keras gives float32 for integer inputs."""
    (a,) = as_values(builder, x)
    a = a if _is_float(a) else lowering(cast)(builder, a, "float32")
    return lowering(negative)(builder, lowering(floor)(builder, lowering(negative)(builder, a)))


def _quotient_floor(builder, x1, x2):
    """floor(x1 / x2), with integers divided in float64 (exact below 2**53); and the dtype."""
    a, b = as_values(builder, x1, x2)
    dtype = a.dtype if a.dtype == b.dtype else np.result_type(a.dtype, b.dtype).name
    if not dtype.startswith("float"):
        a, b = lowering(cast)(builder, a, "float64"), lowering(cast)(builder, b, "float64")
    elif a.dtype != dtype or b.dtype != dtype:
        a, b = lowering(cast)(builder, a, dtype), lowering(cast)(builder, b, dtype)
    return a, b, lowering(floor)(builder, lowering(divide)(builder, a, b)), dtype


@op
def floor_divide(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """floor(x1 / x2) (Python's //), in the operands' common dtype."""
    _, _, q, dtype = _quotient_floor(builder, x1, x2)
    return q if q.dtype == dtype else lowering(cast)(builder, q, dtype)


@op
def mod(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """x1 - floor(x1 / x2) * x2: the remainder with the divisor's sign (Python's %)."""
    a, b, q, dtype = _quotient_floor(builder, x1, x2)
    out = lowering(subtract)(builder, a, lowering(multiply)(builder, q, b))
    return out if out.dtype == dtype else lowering(cast)(builder, out, dtype)
