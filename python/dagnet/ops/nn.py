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
