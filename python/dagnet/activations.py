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


def silu(x):
    return ops.multiply(x, ops.sigmoid(x))


swish = silu  # Keras 3 serializes both names as 'silu'


def hard_sigmoid(x):
    # Keras 3: relu6(x + 3) / 6 (Keras 2's 0.2 * x + 0.5 is gone)
    return ops.divide(ops.minimum(ops.relu(ops.add(x, 3.0)), 6.0), 6.0)


def gelu(x, approximate=False):
    if approximate:
        inner = ops.multiply(ops.add(x, ops.multiply(ops.power(x, 3.0), 0.044715)), 0.7978845608028654)
        return ops.multiply(ops.multiply(x, 0.5), ops.add(ops.tanh(inner), 1.0))
    return ops.multiply(ops.multiply(x, 0.5), ops.add(ops.erf(ops.multiply(x, 0.7071067811865476)), 1.0))


def relu6(x):
    return ops.minimum(ops.relu(x), 6.0)


def leaky_relu(x, negative_slope=0.2):
    return ops.where(ops.greater_equal(x, 0.0), x, ops.multiply(x, negative_slope))


def celu(x, alpha=1.0):
    return ops.add(ops.maximum(x, 0.0), ops.multiply(ops.expm1(ops.divide(ops.minimum(x, 0.0), alpha)), alpha))


def hard_silu(x):
    return ops.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def hard_tanh(x):
    return ops.clip(x, -1.0, 1.0)


def hard_shrink(x, threshold=0.5):
    return ops.where(ops.greater(ops.absolute(x), threshold), x, 0.0)


def soft_shrink(x, threshold=0.5):
    return ops.where(ops.greater(x, threshold), ops.subtract(x, threshold),
                     ops.where(ops.less(x, -threshold), ops.add(x, threshold), 0.0))


def tanh_shrink(x):
    return ops.subtract(x, ops.tanh(x))


def log_sigmoid(x):
    return ops.negative(ops.softplus(ops.negative(x)))


def log_softmax(x, axis=-1):
    shifted = ops.subtract(x, ops.max(x, axis=axis, keepdims=True))
    return ops.subtract(shifted, ops.log(ops.sum(ops.exp(shifted), axis=axis, keepdims=True)))


def mish(x):
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def squareplus(x, b=4):
    return ops.multiply(ops.add(x, ops.sqrt(ops.add(ops.square(x), float(b)))), 0.5)


def sparse_plus(x):
    return ops.where(ops.less_equal(x, -1.0), 0.0,
                     ops.where(ops.less(x, 1.0), ops.multiply(ops.square(ops.add(x, 1.0)), 0.25), x))


def sparse_sigmoid(x):
    return ops.where(ops.less_equal(x, -1.0), 0.0,
                     ops.where(ops.greater_equal(x, 1.0), 1.0, ops.multiply(ops.add(x, 1.0), 0.5)))


def _split_halves(x, axis):
    ndim = len(x.shape)
    axis = axis % ndim
    n = x.shape[axis]
    if n is None or n % 2:
        raise ValueError(f"axis size must be divisible by 2. Received: x.shape={tuple(x.shape)} with axis={axis}")
    lead = (slice(None),) * axis
    return ops.slice_by_index(x, lead + (slice(0, n // 2),)), ops.slice_by_index(x, lead + (slice(n // 2, n),))


def glu(x, axis=-1):
    a, b = _split_halves(x, axis)
    return ops.multiply(a, ops.sigmoid(b))


def sparsemax(x, axis=-1):
    """Keras 3's sparsemax, formula for formula (its backends' tau sums the cumulative sums
    over the support), written with pairwise comparisons instead of a sort: for each z_i,
    c_i = sum of the z_j >= z_i and r_i their count (z_i's cumulative sum and rank in
    descending order, ties aside)."""
    ndim = len(x.shape)
    axis = axis % ndim
    zi = ops.expand_dims(x, axis + 1)  # (..., n_i, 1, ...)
    zj = ops.expand_dims(x, axis)      # (..., 1, n_j, ...)
    ge = ops.cast(ops.greater_equal(zj, zi), "float32")
    c = ops.sum(ops.multiply(ge, zj), axis=axis + 1)
    r = ops.sum(ge, axis=axis + 1)
    support = ops.cast(ops.greater(ops.subtract(x, ops.divide(ops.subtract(c, 1.0), r)), 0.0), "float32")
    k = ops.sum(support, axis=axis, keepdims=True)
    tau = ops.divide(ops.subtract(ops.sum(ops.multiply(support, c), axis=axis, keepdims=True), 1.0), k)
    return ops.maximum(ops.subtract(x, tau), 0.0)


def threshold(x, threshold, default_value):
    return ops.where(ops.greater(x, threshold), x, default_value)


_BY_NAME = {f.__name__: f for f in (linear, relu, sigmoid, tanh, softmax, elu, softplus, exponential, selu,
                                     softsign, silu, hard_sigmoid, gelu, relu6, leaky_relu, celu, hard_silu,
                                     hard_tanh, hard_shrink, soft_shrink, tanh_shrink, log_sigmoid, log_softmax, mish,
                                     squareplus, sparse_plus, sparse_sigmoid, glu, sparsemax, threshold)}
_BY_NAME["swish"] = silu
_BY_NAME["hard_swish"] = hard_silu
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
