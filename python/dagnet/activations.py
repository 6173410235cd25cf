"""Keras activation functions. Each works on symbolic, traced and concrete tensors; the
standard ones also fuse into the engine's dense/conv kernels (``engine_kind``)."""
from __future__ import annotations

from . import ops


def linear(x):
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    if negative_slope or max_value is not None or threshold:
        y = ops.where(ops.greater(x, threshold), x, ops.multiply(ops.subtract(x, threshold), negative_slope))
        return y if max_value is None else ops.minimum(y, max_value)
    return ops.relu(x)


def sigmoid(x):
    return ops.sigmoid(x)


def tanh(x):
    return ops.tanh(x)


def softmax(x, axis=-1):
    return ops.softmax(x, axis=axis)


def elu(x, alpha=1.0):
    return ops.elu(x, alpha)


def softplus(x):
    return ops.softplus(x)


def exponential(x):
    return ops.exp(x)


def selu(x):
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return ops.multiply(ops.elu(x, alpha), scale)


def softsign(x):
    return ops.divide(x, ops.add(ops.absolute(x), 1.0))


def swish(x):
    return ops.multiply(x, ops.sigmoid(x))


silu = swish


def hard_sigmoid(x):
    return ops.clip(ops.add(ops.multiply(x, 1.0 / 6.0), 0.5), 0.0, 1.0)


def gelu(x, approximate=False):
    # tanh approximation (Keras's approximate=True) is used for both: erf is not an engine op.
    inner = ops.multiply(ops.add(x, ops.multiply(ops.power(x, 3.0), 0.044715)), 0.7978845608028654)
    return ops.multiply(ops.multiply(x, 0.5), ops.add(ops.tanh(inner), 1.0))


_BY_NAME = {f.__name__: f for f in (linear, relu, sigmoid, tanh, softmax, elu, softplus, exponential, selu,
                                     softsign, swish, hard_sigmoid, gelu)}
_BY_NAME["silu"] = swish
# Activations the engine applies inside dense/conv kernels (no extra pass over memory).
_ENGINE_KINDS = {linear: "linear", relu: "relu", sigmoid: "sigmoid", tanh: "tanh", softmax: "softmax", elu: "elu"}


def get(identifier):
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


def engine_kind(fn) -> str | None:
    """The engine's name for a fusable activation, or None."""
    return _ENGINE_KINDS.get(fn)


def serialize(fn) -> str:
    for name, f in _BY_NAME.items():
        if f is fn:
            return name
    return getattr(fn, "__name__", "custom")
