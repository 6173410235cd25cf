"""Neural-network functions of keras.ops (activations)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, emit, op
from .inference_folding import fold_activation
from .math import (  # (not the builtins)
    absolute,
    add,
    clip,
    divide,
    erf,
    exp,
    expm1,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    max as _max,
    maximum,
    minimum,
    multiply,
    negative,
    power,
    sqrt,
    square,
    subtract,
    sum as _sum,
    where,
)
from .shape_ops import cast, expand_dims, slice_by_index

__all__ = ["relu", "sigmoid", "tanh", "softmax", "elu", "softplus", "log_softmax", "linear"]


def _activation(kind: str) -> Callable[..., Any]:
    def lower(builder: GraphBuilder, x: TensorLike, axis: int = -1) -> Any:
        (a,) = as_values(builder, x)
        fused = fold_activation(builder, a, kind, None)
        if fused is not None:
            return fused
        attrs: dict[str, Any] = {"kind": kind}
        if kind == "softmax":
            attrs["axis"] = int(axis)
        return emit(builder, "activation", [a], attrs)

    lower.__name__ = lower.__qualname__ = kind
    lower.__doc__ = f"The `{kind}` activation of x" + (" along `axis`." if kind == "softmax" else ".")
    return op(lower)


relu, sigmoid, tanh, softmax, linear = (_activation(k) for k in ("relu", "sigmoid", "tanh", "softmax", "linear"))


@op
def elu(builder: GraphBuilder, x: TensorLike, alpha: float = 1.0) -> Any:
    (a,) = as_values(builder, x)
    fused = fold_activation(builder, a, "elu", alpha)
    if fused is not None:
        return fused
    return emit(builder, "activation", [a], {"kind": "elu", "alpha": float(alpha)})


@op
def softplus(builder: GraphBuilder, x: TensorLike) -> Any:
    (a,) = as_values(builder, x)
    return emit(builder, "unary", [a], {"kind": "softplus"})


@op
def log_softmax(builder: GraphBuilder, x: TensorLike, axis: int = -1) -> Any:
    """x - logsumexp(x) along `axis`, shifted by the max first so that no exp overflows and
    no log sees a 0: finite wherever x is (Keras: [1000, 0, -1000] -> [0, -1000, -2000])."""
    (a,) = as_values(builder, x)
    shifted = subtract(a, _max(a, axis=axis, keepdims=True))
    return subtract(shifted, log(_sum(exp(shifted), axis=axis, keepdims=True)))


# The other activations of keras.ops (Keras 3.15's signatures, defaults and formulas);
# dagnet.activations calls these.
@op
def relu6(builder: GraphBuilder, x: TensorLike) -> Any:
    (a,) = as_values(builder, x)
    return minimum(relu(a), 6.0)


@op
def leaky_relu(builder: GraphBuilder, x: TensorLike, negative_slope: float = 0.2) -> Any:
    (a,) = as_values(builder, x)
    return where(greater_equal(a, 0.0), a, multiply(a, float(negative_slope)))


@op
def gelu(builder: GraphBuilder, x: TensorLike, approximate: bool = True) -> Any:
    (a,) = as_values(builder, x)
    if approximate:
        inner = multiply(add(a, multiply(power(a, 3.0), 0.044715)), 0.7978845608028654)
        return multiply(multiply(a, 0.5), add(tanh(inner), 1.0))
    return multiply(multiply(a, 0.5), add(erf(multiply(a, 0.7071067811865476)), 1.0))


@op
def silu(builder: GraphBuilder, x: TensorLike) -> Any:
    (a,) = as_values(builder, x)
    return multiply(a, sigmoid(a))


swish = silu  # keras.ops.swish is keras.ops.silu


@op
def hard_sigmoid(builder: GraphBuilder, x: TensorLike) -> Any:
    # Keras 3: relu6(x + 3) / 6 (Keras 2's 0.2 * x + 0.5 is gone)
    (a,) = as_values(builder, x)
    return divide(minimum(relu(add(a, 3.0)), 6.0), 6.0)


@op
def hard_silu(builder: GraphBuilder, x: TensorLike) -> Any:
    (a,) = as_values(builder, x)
    return multiply(a, hard_sigmoid(a))


hard_swish = hard_silu  # keras.ops.hard_swish is keras.ops.hard_silu


@op
def selu(builder: GraphBuilder, x: TensorLike) -> Any:
    (a,) = as_values(builder, x)
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return multiply(elu(a, alpha), scale)


@op
def softsign(builder: GraphBuilder, x: TensorLike) -> Any:
    (a,) = as_values(builder, x)
    return divide(a, add(absolute(a), 1.0))


@op
def log_sigmoid(builder: GraphBuilder, x: TensorLike) -> Any:
    (a,) = as_values(builder, x)
    return negative(softplus(negative(a)))


@op
def celu(builder: GraphBuilder, x: TensorLike, alpha: float = 1.0) -> Any:
    (a,) = as_values(builder, x)
    alpha = float(alpha)
    return add(maximum(a, 0.0), multiply(expm1(divide(minimum(a, 0.0), alpha)), alpha))


def _split_halves(x, axis):
    ndim = len(x.shape)
    axis = axis % ndim
    n = x.shape[axis]
    if n is None or n % 2:
        raise ValueError(f"axis size must be divisible by 2. Received: x.shape={tuple(x.shape)} with axis={axis}")
    lead = (slice(None),) * axis
    return slice_by_index(x, lead + (slice(0, n // 2),)), slice_by_index(x, lead + (slice(n // 2, n),))


@op
def glu(builder: GraphBuilder, x: TensorLike, axis: int = -1) -> Any:
    (a,) = as_values(builder, x)
    first, second = _split_halves(a, int(axis))
    return multiply(first, sigmoid(second))


@op
def sparsemax(builder: GraphBuilder, x: TensorLike, axis: int = -1) -> Any:
    """Keras 3's sparsemax, formula for formula (its backends' tau sums the cumulative sums
    over the support), written with pairwise comparisons instead of a sort: for each z_i,
    c_i = sum of the z_j >= z_i and r_i their count (z_i's cumulative sum and rank in
    descending order, ties aside)."""
    (a,) = as_values(builder, x)
    ndim = len(a.shape)
    axis = int(axis) % ndim
    zi = expand_dims(a, axis + 1)  # (..., n_i, 1, ...)
    zj = expand_dims(a, axis)  # (..., 1, n_j, ...)
    ge = cast(greater_equal(zj, zi), "float32")
    c = _sum(multiply(ge, zj), axis=axis + 1)
    r = _sum(ge, axis=axis + 1)
    support = cast(greater(subtract(a, divide(subtract(c, 1.0), r)), 0.0), "float32")
    k = _sum(support, axis=axis, keepdims=True)
    tau = divide(subtract(_sum(multiply(support, c), axis=axis, keepdims=True), 1.0), k)
    return maximum(subtract(a, tau), 0.0)


@op
def squareplus(builder: GraphBuilder, x: TensorLike, b: float = 4) -> Any:
    (a,) = as_values(builder, x)
    return multiply(add(a, sqrt(add(square(a), float(b)))), 0.5)


@op
def sparse_plus(builder: GraphBuilder, x: TensorLike) -> Any:
    (a,) = as_values(builder, x)
    return where(less_equal(a, -1.0), 0.0, where(less(a, 1.0), multiply(square(add(a, 1.0)), 0.25), a))


@op
def sparse_sigmoid(builder: GraphBuilder, x: TensorLike) -> Any:
    (a,) = as_values(builder, x)
    return where(less_equal(a, -1.0), 0.0, where(greater_equal(a, 1.0), 1.0, multiply(add(a, 1.0), 0.5)))


@op
def hard_tanh(builder: GraphBuilder, x: TensorLike) -> Any:
    (a,) = as_values(builder, x)
    return clip(a, -1.0, 1.0)


@op
def soft_shrink(builder: GraphBuilder, x: TensorLike, threshold: Any = 0.5) -> Any:
    (a,) = as_values(builder, x)
    threshold = float(threshold)
    return where(greater(a, threshold), subtract(a, threshold), where(less(a, -threshold), add(a, threshold), 0.0))


@op
def hard_shrink(builder: GraphBuilder, x: TensorLike, threshold: Any = 0.5) -> Any:
    (a,) = as_values(builder, x)
    return where(greater(absolute(a), float(threshold)), a, 0.0)


@op
def tanh_shrink(builder: GraphBuilder, x: TensorLike) -> Any:
    (a,) = as_values(builder, x)
    return subtract(a, tanh(a))


@op
def threshold(builder: GraphBuilder, x: TensorLike, threshold: Any, default_value: TensorLike) -> Any:
    (a,) = as_values(builder, x)
    return where(greater(a, float(threshold)), a, float(default_value))


__all__ += [
    "relu6",
    "leaky_relu",
    "gelu",
    "silu",
    "swish",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "selu",
    "softsign",
    "log_sigmoid",
    "celu",
    "glu",
    "sparsemax",
    "squareplus",
    "sparse_plus",
    "sparse_sigmoid",
    "hard_tanh",
    "soft_shrink",
    "hard_shrink",
    "tanh_shrink",
    "threshold",
]
