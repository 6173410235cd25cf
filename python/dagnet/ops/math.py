"""Elementwise arithmetic, comparisons, reductions and matmul (keras.ops names)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._tensor_operators import register_operator_functions
from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, emit, lowering, op
from .shape_ops import cast

__all__ = [
    "add",
    "subtract",
    "multiply",
    "divide",
    "true_divide",
    "power",
    "maximum",
    "minimum",
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
    "negative",
    "exp",
    "log",
    "sqrt",
    "square",
    "absolute",
    "abs",
    "sign",
    "reciprocal",
    "log1p",
    "expm1",
    "sin",
    "cos",
    "floor",
    "round",
    "rsqrt",
    "erf",
    "clip",
    "where",
    "sum",
    "mean",
    "max",
    "min",
    "prod",
    "matmul",
    "dot",
    "l1_penalty",
    "l2_penalty",  # dagnet's own: the weight regularizers' penalties
]


def _name(lower: Callable[..., Any], name: str, doc: str) -> None:
    """Names an op made by a factory as the public function it becomes (help(), the API docs)."""
    lower.__name__ = lower.__qualname__ = name
    lower.__doc__ = doc


def _binary(kind: str, name: str | None = None) -> Callable[..., Any]:
    def lower(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
        a, b = as_values(builder, x1, x2)
        return emit(builder, "binary", [a, b], {"kind": kind})

    _name(lower, name or kind, f"Elementwise `{name or kind}` of x1 and x2, broadcast as NumPy does.")
    return op(lower)


add, subtract, multiply, divide, power = (_binary(k) for k in ("add", "subtract", "multiply", "divide", "power"))
maximum, minimum = _binary("maximum"), _binary("minimum")
equal, not_equal = _binary("equal"), _binary("not_equal")
less, less_equal, greater, greater_equal = (_binary(k) for k in ("less", "less_equal", "greater", "greater_equal"))
true_divide = _binary("divide", "true_divide")  # x / y; its own op, as Keras records TrueDivide


def _unary(kind: str, name: str | None = None) -> Callable[..., Any]:
    def lower(builder: GraphBuilder, x: TensorLike) -> Any:
        (a,) = as_values(builder, x)
        return emit(builder, "unary", [a], {"kind": kind})

    _name(lower, name or kind, f"Elementwise `{name or kind}` of x.")
    return op(lower)


negative, absolute = _unary("neg", "negative"), _unary("abs", "absolute")
exp, log, sqrt, square = (_unary(k) for k in ("exp", "log", "sqrt", "square"))
sign, reciprocal, log1p, expm1 = (_unary(k) for k in ("sign", "reciprocal", "log1p", "expm1"))
sin, cos, floor, rsqrt, erf = (_unary(k) for k in ("sin", "cos", "floor", "rsqrt", "erf"))
abs = absolute


@op
def round(builder: GraphBuilder, x: TensorLike, decimals: int = 0) -> Any:
    if decimals != 0:
        raise NotImplementedError(f"round: only decimals=0 is supported, got decimals={decimals}")
    (a,) = as_values(builder, x)
    return emit(builder, "unary", [a], {"kind": "round"})


@op
def clip(builder: GraphBuilder, x: TensorLike, x_min: TensorLike, x_max: TensorLike) -> Any:
    a, lo, hi = as_values(builder, x, x_min, x_max)
    return emit(builder, "binary", [emit(builder, "binary", [a, lo], {"kind": "maximum"}), hi], {"kind": "minimum"})


@op
def where(builder: GraphBuilder, condition: TensorLike, x1: TensorLike, x2: TensorLike) -> Any:
    c, a, b = as_values(builder, condition, x1, x2)
    return emit(builder, "where", [c, a, b])


def _axes(axis, ndim):
    if axis is None:
        return []
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    return [int(a) for a in axes]


def _reduce(kind: str) -> Callable[..., Any]:
    def reduce(builder: GraphBuilder, x: TensorLike, axis: Any, keepdims: bool) -> Any:
        (a,) = as_values(builder, x)
        return emit(builder, "reduce", [a], {"kind": kind, "axes": _axes(axis, a.ndim), "keepdims": int(keepdims)})

    # The keras.ops signatures (Max/Min take `initial`, Prod a `dtype`), so a recorded op's
    # constructor arguments are the function's.
    def lower_extremum(
        builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False, initial: Any = None
    ) -> Any:
        out = reduce(builder, x, axis, keepdims)
        if initial is None:
            return out
        a, b = as_values(builder, out, initial)
        return emit(builder, "binary", [a, b], {"kind": "maximum" if kind == "max" else "minimum"})

    def lower_prod(
        builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False, dtype: Any = None
    ) -> Any:
        if dtype is not None:
            x = lowering(cast)(builder, x, dtype)
        return reduce(builder, x, axis, keepdims)

    def lower_plain(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
        return reduce(builder, x, axis, keepdims)

    lower: Callable[..., Any] = (
        lower_extremum if kind in ("max", "min") else lower_prod if kind == "prod" else lower_plain
    )
    _name(lower, kind, f"The {kind} of x's elements along `axis` (every axis when None); `keepdims` keeps them.")
    return op(lower)


sum, mean, max, min, prod = (_reduce(k) for k in ("sum", "mean", "max", "min", "prod"))


@op
def l1_penalty(builder: GraphBuilder, x: TensorLike, l1: float = 0.01) -> Any:
    """l1 * sum(|x|), one native op (regularizers.L1 / L1L2's l1 term)."""
    (a,) = as_values(builder, x)
    return emit(builder, "l1_penalty", [a], {"l1": float(l1)})


@op
def l2_penalty(builder: GraphBuilder, x: TensorLike, l2: float = 0.01) -> Any:
    """l2 * sum(x^2), one native op (regularizers.L2 / L1L2's l2 term)."""
    (a,) = as_values(builder, x)
    return emit(builder, "l2_penalty", [a], {"l2": float(l2)})


def _matmul(builder, x1, x2):
    a, b = as_values(builder, x1, x2)
    if b.ndim == 2 and a.ndim >= 2:
        return emit(builder, "matmul", [a, b])
    if a.ndim >= 3 and a.ndim == b.ndim:
        return emit(builder, "batch_matmul", [a, b])
    raise ValueError(f"matmul: unsupported operand ranks {a.ndim} and {b.ndim} (shapes {a.shape} and {b.shape})")


@op
def matmul(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    return _matmul(builder, x1, x2)


@op
def dot(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """NumPy's dot where it is a matmul: x2 of rank 2 (Keras records it as its own op, Dot)."""
    a, b = as_values(builder, x1, x2)
    if b.ndim != 2 or a.ndim < 2:
        raise NotImplementedError(
            f"dot: only a second operand of rank 2 and a first of rank >= 2 are supported "
            f"(shapes {a.shape} and {b.shape}); use matmul for batched products"
        )
    return emit(builder, "matmul", [a, b])


register_operator_functions(
    add=add,
    subtract=subtract,
    multiply=multiply,
    true_divide=true_divide,
    matmul=matmul,
    power=power,
    less=less,
    less_equal=less_equal,
    greater=greater,
    greater_equal=greater_equal,
    not_equal=not_equal,
    negative=negative,
    absolute=absolute,
    round=round,
)
