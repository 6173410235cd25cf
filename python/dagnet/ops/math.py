"""Elementwise arithmetic, comparisons, reductions and matmul (keras.ops names)."""
from __future__ import annotations

from ._dispatch import as_values, emit, op

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "power", "maximum", "minimum",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "negative", "exp", "log", "sqrt", "square", "absolute", "abs", "sign", "reciprocal", "log1p", "expm1",
    "sin", "cos", "floor", "round", "rsqrt", "clip", "where",
    "sum", "mean", "max", "min", "prod", "matmul", "dot",
]


def _binary(kind):
    def lower(builder, x1, x2):
        a, b = as_values(builder, x1, x2)
        return emit(builder, "binary", [a, b], {"kind": kind})

    lower.__name__ = kind
    return op(lower)


add, subtract, multiply, divide, power = (_binary(k) for k in ("add", "subtract", "multiply", "divide", "power"))
maximum, minimum = _binary("maximum"), _binary("minimum")
equal, not_equal = _binary("equal"), _binary("not_equal")
less, less_equal, greater, greater_equal = (_binary(k) for k in ("less", "less_equal", "greater", "greater_equal"))
true_divide = divide


def _unary(kind):
    def lower(builder, x):
        (a,) = as_values(builder, x)
        return emit(builder, "unary", [a], {"kind": kind})

    lower.__name__ = kind
    return op(lower)


negative, exp, log, sqrt, square = (_unary(k) for k in ("neg", "exp", "log", "sqrt", "square"))
absolute, sign, reciprocal, log1p, expm1 = (_unary(k) for k in ("abs", "sign", "reciprocal", "log1p", "expm1"))
sin, cos, floor, round, rsqrt = (_unary(k) for k in ("sin", "cos", "floor", "round", "rsqrt"))
abs = absolute


@op
def clip(builder, x, x_min, x_max):
    a, lo, hi = as_values(builder, x, x_min, x_max)
    return emit(builder, "binary", [emit(builder, "binary", [a, lo], {"kind": "maximum"}), hi], {"kind": "minimum"})


@op
def where(builder, condition, x1, x2):
    c, a, b = as_values(builder, condition, x1, x2)
    return emit(builder, "where", [c, a, b])


def _axes(axis, ndim):
    if axis is None:
        return []
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    return [int(a) for a in axes]


def _reduce(kind):
    def lower(builder, x, axis=None, keepdims=False):
        (a,) = as_values(builder, x)
        return emit(builder, "reduce", [a], {"kind": kind, "axes": _axes(axis, a.ndim), "keepdims": int(keepdims)})

    lower.__name__ = kind
    return op(lower)


sum, mean, max, min, prod = (_reduce(k) for k in ("sum", "mean", "max", "min", "prod"))


@op
def matmul(builder, x1, x2):
    a, b = as_values(builder, x1, x2)
    if b.ndim == 2 and a.ndim >= 2:
        return emit(builder, "matmul", [a, b])
    if a.ndim >= 3 and a.ndim == b.ndim:
        return emit(builder, "batch_matmul", [a, b])
    raise ValueError(f"matmul: unsupported operand ranks {a.ndim} and {b.ndim} (shapes {a.shape} and {b.shape})")


dot = matmul
