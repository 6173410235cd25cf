"""Neural-network functions of keras.ops (activations)."""
from __future__ import annotations

from ._dispatch import as_values, emit, op

__all__ = ["relu", "sigmoid", "tanh", "softmax", "elu", "softplus", "log_softmax", "linear"]


def _activation(kind):
    def lower(builder, x, axis=-1):
        (a,) = as_values(builder, x)
        attrs = {"kind": kind}
        if kind == "softmax":
            attrs["axis"] = int(axis)
        return emit(builder, "activation", [a], attrs)

    lower.__name__ = kind
    return op(lower)


relu, sigmoid, tanh, softmax, linear = (_activation(k) for k in ("relu", "sigmoid", "tanh", "softmax", "linear"))


@op
def elu(builder, x, alpha=1.0):
    (a,) = as_values(builder, x)
    return emit(builder, "activation", [a], {"kind": "elu", "alpha": float(alpha)})


@op
def softplus(builder, x):
    (a,) = as_values(builder, x)
    return emit(builder, "unary", [a], {"kind": "softplus"})


@op
def log_softmax(builder, x, axis=-1):
    (a,) = as_values(builder, x)
    soft = emit(builder, "activation", [a], {"kind": "softmax", "axis": int(axis)})
    return emit(builder, "unary", [soft], {"kind": "log"})


# The other activations of keras.ops (Keras 3.15's signatures and defaults), lowered
# through dagnet.activations' formulas.
def _act(name):
    from .. import activations

    return getattr(activations, name)


@op
def relu6(builder, x):
    (a,) = as_values(builder, x)
    return _act("relu6")(a)


@op
def leaky_relu(builder, x, negative_slope=0.2):
    (a,) = as_values(builder, x)
    return _act("leaky_relu")(a, negative_slope=float(negative_slope))


@op
def gelu(builder, x, approximate=True):
    (a,) = as_values(builder, x)
    return _act("gelu")(a, approximate=bool(approximate))


@op
def silu(builder, x):
    (a,) = as_values(builder, x)
    return _act("silu")(a)


swish = silu  # keras.ops.swish is keras.ops.silu


@op
def hard_sigmoid(builder, x):
    (a,) = as_values(builder, x)
    return _act("hard_sigmoid")(a)


@op
def hard_silu(builder, x):
    (a,) = as_values(builder, x)
    return _act("hard_silu")(a)


hard_swish = hard_silu  # keras.ops.hard_swish is keras.ops.hard_silu


@op
def selu(builder, x):
    (a,) = as_values(builder, x)
    return _act("selu")(a)


@op
def softsign(builder, x):
    (a,) = as_values(builder, x)
    return _act("softsign")(a)


@op
def log_sigmoid(builder, x):
    (a,) = as_values(builder, x)
    return _act("log_sigmoid")(a)


@op
def celu(builder, x, alpha=1.0):
    (a,) = as_values(builder, x)
    return _act("celu")(a, alpha=float(alpha))


@op
def glu(builder, x, axis=-1):
    (a,) = as_values(builder, x)
    return _act("glu")(a, axis=int(axis))


@op
def sparsemax(builder, x, axis=-1):
    (a,) = as_values(builder, x)
    return _act("sparsemax")(a, axis=int(axis))


@op
def squareplus(builder, x, b=4):
    (a,) = as_values(builder, x)
    return _act("squareplus")(a, b=b)


@op
def sparse_plus(builder, x):
    (a,) = as_values(builder, x)
    return _act("sparse_plus")(a)


@op
def sparse_sigmoid(builder, x):
    (a,) = as_values(builder, x)
    return _act("sparse_sigmoid")(a)


@op
def hard_tanh(builder, x):
    (a,) = as_values(builder, x)
    return _act("hard_tanh")(a)


@op
def soft_shrink(builder, x, threshold=0.5):
    (a,) = as_values(builder, x)
    return _act("soft_shrink")(a, threshold=float(threshold))


@op
def hard_shrink(builder, x, threshold=0.5):
    (a,) = as_values(builder, x)
    return _act("hard_shrink")(a, threshold=float(threshold))


@op
def tanh_shrink(builder, x):
    (a,) = as_values(builder, x)
    return _act("tanh_shrink")(a)


@op
def threshold(builder, x, threshold, default_value):
    (a,) = as_values(builder, x)
    return _act("threshold")(a, float(threshold), float(default_value))


__all__ += ["relu6", "leaky_relu", "gelu", "silu", "swish", "hard_sigmoid", "hard_silu", "hard_swish", "selu",
            "softsign", "log_sigmoid", "celu", "glu", "sparsemax", "squareplus", "sparse_plus", "sparse_sigmoid",
            "hard_tanh", "soft_shrink", "hard_shrink", "tanh_shrink", "threshold"]
