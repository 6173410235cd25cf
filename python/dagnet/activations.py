"""Keras activation functions. Each works on symbolic, traced and concrete tensors; the
standard ones also fuse into the engine's dense/conv kernels (``engine_kind``). The
formulas are the keras.ops functions of the same names (dagnet.ops.nn), as in Keras 3."""

from __future__ import annotations

from typing import Any

from . import ops
from ._typing import TensorLike
from .serialization.object_registration import get_registered_object


def linear(x: TensorLike) -> Any:
    return x


def relu(x: TensorLike, negative_slope: float = 0.0, max_value: float | None = None, threshold: Any = 0.0) -> Any:
    if negative_slope or max_value is not None or threshold:
        y = ops.where(ops.greater(x, threshold), x, ops.multiply(ops.subtract(x, threshold), negative_slope))
        return y if max_value is None else ops.minimum(y, max_value)
    return ops.relu(x)


def sigmoid(x: TensorLike) -> Any:
    return ops.sigmoid(x)


def tanh(x: TensorLike) -> Any:
    return ops.tanh(x)


def softmax(x: TensorLike, axis: int = -1) -> Any:
    return ops.softmax(x, axis=axis)


def elu(x: TensorLike, alpha: float = 1.0) -> Any:
    return ops.elu(x, alpha)


def softplus(x: TensorLike) -> Any:
    return ops.softplus(x)


def exponential(x: TensorLike) -> Any:
    return ops.exp(x)


def selu(x: TensorLike) -> Any:
    return ops.selu(x)


def softsign(x: TensorLike) -> Any:
    return ops.softsign(x)


def silu(x: TensorLike) -> Any:
    return ops.silu(x)


swish = silu  # Keras 3 serializes both names as 'silu'


def hard_sigmoid(x: TensorLike) -> Any:
    return ops.hard_sigmoid(x)


def gelu(x: TensorLike, approximate: bool = False) -> Any:
    return ops.gelu(x, approximate=approximate)


def relu6(x: TensorLike) -> Any:
    return ops.relu6(x)


def leaky_relu(x: TensorLike, negative_slope: float = 0.2) -> Any:
    return ops.leaky_relu(x, negative_slope=negative_slope)


def celu(x: TensorLike, alpha: float = 1.0) -> Any:
    return ops.celu(x, alpha=alpha)


def hard_silu(x: TensorLike) -> Any:
    return ops.hard_silu(x)


hard_swish = hard_silu


def hard_tanh(x: TensorLike) -> Any:
    return ops.hard_tanh(x)


def hard_shrink(x: TensorLike, threshold: Any = 0.5) -> Any:
    return ops.hard_shrink(x, threshold=threshold)


def soft_shrink(x: TensorLike, threshold: Any = 0.5) -> Any:
    return ops.soft_shrink(x, threshold=threshold)


def tanh_shrink(x: TensorLike) -> Any:
    return ops.tanh_shrink(x)


def log_sigmoid(x: TensorLike) -> Any:
    return ops.log_sigmoid(x)


def log_softmax(x: TensorLike, axis: int = -1) -> Any:
    return ops.log_softmax(x, axis=axis)


def mish(x: TensorLike) -> Any:
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def squareplus(x: TensorLike, b: float = 4) -> Any:
    return ops.squareplus(x, b=b)


def sparse_plus(x: TensorLike) -> Any:
    return ops.sparse_plus(x)


def sparse_sigmoid(x: TensorLike) -> Any:
    return ops.sparse_sigmoid(x)


def glu(x: TensorLike, axis: int = -1) -> Any:
    return ops.glu(x, axis=axis)


def sparsemax(x: TensorLike, axis: int = -1) -> Any:
    return ops.sparsemax(x, axis=axis)


def threshold(x: TensorLike, threshold: Any, default_value: TensorLike) -> Any:
    return ops.threshold(x, threshold, default_value)


_BY_NAME = {
    f.__name__: f
    for f in (
        linear,
        relu,
        sigmoid,
        tanh,
        softmax,
        elu,
        softplus,
        exponential,
        selu,
        softsign,
        silu,
        hard_sigmoid,
        gelu,
        relu6,
        leaky_relu,
        celu,
        hard_silu,
        hard_tanh,
        hard_shrink,
        soft_shrink,
        tanh_shrink,
        log_sigmoid,
        log_softmax,
        mish,
        squareplus,
        sparse_plus,
        sparse_sigmoid,
        glu,
        sparsemax,
        threshold,
    )
}
_BY_NAME["swish"] = silu
_BY_NAME["hard_swish"] = hard_silu
# Activations the engine applies inside dense/conv kernels (no extra pass over memory).
_ENGINE_KINDS = {linear: "linear", relu: "relu", sigmoid: "sigmoid", tanh: "tanh", softmax: "softmax", elu: "elu"}


def get(identifier: Any) -> Any:
    """An activation function from None, a name, a config dict or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        identifier = identifier.get("config", identifier.get("class_name"))
        if isinstance(identifier, dict):
            identifier = identifier.get("name")
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"Could not interpret activation function identifier: {identifier}")
        return _BY_NAME[identifier]
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier}")


def engine_kind(fn: Any) -> str | None:
    """The engine's name for a fusable activation, or None."""
    return _ENGINE_KINDS.get(fn)


def serialize(fn: Any) -> str:
    for name, f in _BY_NAME.items():
        if f is fn:
            return name
    return getattr(fn, "__name__", "custom")


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """An activation function from its name or Keras 3 config ({"class_name": "function",
    "config": name, ...}); custom_objects and registered objects are looked up first."""
    name = config
    if isinstance(config, dict):
        name = config.get("config") if config.get("class_name") == "function" else config.get("class_name")
        if isinstance(name, dict):
            name = name.get("name")
    if isinstance(name, str):
        found = get_registered_object(name, custom_objects) or _BY_NAME.get(name)
        if found is not None:
            return found
    raise ValueError(f"Could not interpret activation function identifier: {config}")
