"""Integer keras.ops: bitwise_and/or/xor/not/invert, the shifts (bitwise_left_shift,
bitwise_right_shift and their aliases left_shift, right_shift), gcd and lcm. Each is one native
``binary`` kind over int32/int64 (no gradient: integers carry none); a float operand is a
TypeError naming the op, as NumPy's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, dtype_of, emit, lowering, op
from .shape_ops import cast

__all__ = [
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "bitwise_invert",
    "bitwise_left_shift",
    "bitwise_right_shift",
    "left_shift",
    "right_shift",
    "gcd",
    "lcm",
]


def _integers(builder: GraphBuilder, op_name: str, *xs: TensorLike) -> list:
    """The operands in their common integer dtype (a Python int takes the tensor's; int32
    when no operand is a tensor, as Keras's)."""
    if all(dtype_of(x) is None for x in xs):
        xs = tuple(np.asarray(x, "int32") if np.asarray(x).dtype.kind in "iub" else x for x in xs)
    values = as_values(builder, *xs)
    for v in values:
        if v.dtype.startswith("float"):
            shapes = ", ".join(f"{tuple(w.shape)} {w.dtype}" for w in values)
            raise TypeError(f"{op_name} needs integer operands (int32 or int64), got {shapes}")
    dtype = np.result_type(*(v.dtype for v in values)).name
    return [v if v.dtype == dtype else lowering(cast)(builder, v, dtype) for v in values]


def _integer_binary(kind: str, name: str, doc: str) -> Callable[..., Any]:
    def lower(builder: GraphBuilder, x: TensorLike, y: TensorLike) -> Any:
        a, b = _integers(builder, name, x, y)
        return emit(builder, "binary", [a, b], {"kind": kind})

    lower.__name__ = lower.__qualname__ = name
    lower.__doc__ = doc
    return op(lower)


bitwise_and = _integer_binary("bitwise_and", "bitwise_and", "The bits set in both x and y.")
bitwise_or = _integer_binary("bitwise_or", "bitwise_or", "The bits set in x or y.")
bitwise_xor = _integer_binary("bitwise_xor", "bitwise_xor", "The bits set in exactly one of x and y.")
bitwise_left_shift = _integer_binary(
    "left_shift", "bitwise_left_shift", "x shifted left by y bits, wrapping; 0 for y outside [0, bits)."
)
bitwise_right_shift = _integer_binary(
    "right_shift",
    "bitwise_right_shift",
    "x shifted right by y bits, the sign filling in; 0 or -1 for y outside [0, bits).",
)
left_shift = _integer_binary("left_shift", "left_shift", "x shifted left by y bits (bitwise_left_shift).")
right_shift = _integer_binary("right_shift", "right_shift", "x shifted right by y bits (bitwise_right_shift).")


def _gcd_lcm(kind: str, doc: str) -> Callable[..., Any]:
    def lower(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
        a, b = _integers(builder, kind, x1, x2)
        return emit(builder, "binary", [a, b], {"kind": kind})

    lower.__name__ = lower.__qualname__ = kind
    lower.__doc__ = doc
    return op(lower)


gcd = _gcd_lcm("gcd", "The greatest common divisor of |x1| and |x2| (0 for 0 and 0).")
lcm = _gcd_lcm("lcm", "The least common multiple of |x1| and |x2| (0 where either is 0).")


@op
def bitwise_not(builder: GraphBuilder, x: TensorLike) -> Any:
    """Every bit of x flipped: x xor -1 (all bits set), i.e. -x - 1."""
    (a,) = _integers(builder, "bitwise_not", x)
    return emit(builder, "binary", [a, builder.constant(np.asarray(-1, a.dtype))], {"kind": "bitwise_xor"})


@op
def bitwise_invert(builder: GraphBuilder, x: TensorLike) -> Any:
    """Every bit of x flipped (bitwise_not)."""
    (a,) = _integers(builder, "bitwise_invert", x)
    return emit(builder, "binary", [a, builder.constant(np.asarray(-1, a.dtype))], {"kind": "bitwise_xor"})
