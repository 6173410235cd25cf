"""Inverse trigonometric and hyperbolic functions, erfc and erfinv (keras.ops names), each one
native ``unary`` kind (and ``arctan2`` one ``binary`` kind), with its derivative in the engine.
Integer inputs give float32, as Keras's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import emit, op
from .math_more import _floating, _floating_pair

__all__ = ["arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "erfc", "erfinv", "arctan2"]


def _unary(kind: str, doc: str) -> Callable[..., Any]:
    def lower(builder: GraphBuilder, x: TensorLike) -> Any:
        return emit(builder, "unary", [_floating(builder, x)], {"kind": kind})

    lower.__name__ = lower.__qualname__ = kind
    lower.__doc__ = doc
    return op(lower)


arcsin = _unary("arcsin", "The inverse sine of x, in [-pi/2, pi/2] (NaN outside [-1, 1]).")
arccos = _unary("arccos", "The inverse cosine of x, in [0, pi] (NaN outside [-1, 1]).")
arctan = _unary("arctan", "The inverse tangent of x, in (-pi/2, pi/2).")
arcsinh = _unary("arcsinh", "The inverse hyperbolic sine of x.")
arccosh = _unary("arccosh", "The inverse hyperbolic cosine of x (NaN below 1).")
arctanh = _unary("arctanh", "The inverse hyperbolic tangent of x (+-inf at +-1, NaN beyond).")
erfc = _unary("erfc", "The complementary error function 1 - erf(x), accurate where erf(x) is near 1.")
erfinv = _unary("erfinv", "The inverse error function: erf(erfinv(x)) = x on (-1, 1); +-inf at +-1.")


@op
def arctan2(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """The angle of the point (x2, x1) in (-pi, pi], quadrant-aware (NumPy's arctan2)."""
    a, b = _floating_pair(builder, x1, x2)
    return emit(builder, "binary", [a, b], {"kind": "arctan2"})
