"""More elementwise keras.ops, composed from the native elementwise ops (differentiable where
the maths is): fabs, fmod, signbit, isposinf, isneginf, sinc, logaddexp2, ldexp, fmax, fmin,
allclose, i0. Predicates give 0/1 in x's dtype (dagnet has no bool dtype)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, dtype_of, emit, lowering, op
from .array_ops import all as _all
from .elementwise_more import isnan
from .identity_ops import stop_gradient
from .math import (
    absolute,
    add,
    divide,
    equal,
    exp,
    less,
    log,
    maximum,
    minimum,
    multiply,
    not_equal,
    power,
    reciprocal,
    sin,
    sqrt,
    subtract,
    where,
)
from .math_more import _floating, _floating_pair, isclose, trunc
from .shape_ops import cast

__all__ = ["fabs", "fmod", "signbit", "isposinf", "isneginf", "sinc", "logaddexp2", "ldexp", "fmax", "fmin"]
__all__ += ["allclose", "i0"]


def _common(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> list:
    """Both operands in their common dtype (a Python scalar takes the tensor's)."""
    a, b = as_values(builder, x1, x2)
    if a.dtype != b.dtype:
        dtype = np.result_type(a.dtype, b.dtype).name
        a, b = (v if v.dtype == dtype else lowering(cast)(builder, v, dtype) for v in (a, b))
    return [a, b]


def _c(value: float, like: Any) -> np.ndarray:
    return np.asarray(value, like.dtype)


@op
def fabs(builder: GraphBuilder, x: TensorLike) -> Any:
    """|x| as a float (integers give float32, as Keras's)."""
    return lowering(absolute)(builder, _floating(builder, x))


@op
def fmod(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """The remainder of x1 / x2 truncated toward zero, with x1's sign (C's fmod; Python's % is
    ops.mod). Floats: x1 - trunc(x1 / x2) * x2 (NaN for x2 = 0); integers: exact, 0 for x2 = 0."""
    a, b = _common(builder, x1, x2)
    if a.dtype.startswith("float"):
        quotient = lowering(trunc)(builder, lowering(divide)(builder, a, b))
        return lowering(subtract)(builder, a, lowering(multiply)(builder, quotient, b))
    # The native integer divide truncates (and gives 0 for a zero divisor).
    quotient = emit(builder, "binary", [a, b], {"kind": "divide"})
    rest = lowering(subtract)(builder, a, lowering(multiply)(builder, quotient, b))
    return lowering(where)(builder, lowering(equal)(builder, b, _c(0, b)), _c(0, b), rest)


@op
def signbit(builder: GraphBuilder, x: TensorLike) -> Any:
    """1 where x's sign bit is set: negative numbers and -0.0 (seen as 1/x = -inf). A NaN's
    sign bit is not observable here: 0."""
    (a,) = as_values(builder, x)
    if a.dtype.startswith("float"):
        zero = lowering(equal)(builder, a, _c(0, a))
        a = lowering(where)(builder, zero, lowering(reciprocal)(builder, a), a)
    return lowering(less)(builder, a, _c(0, a))


def _is_infinity(builder, x, value):
    (a,) = as_values(builder, x)
    if not a.dtype.startswith("float"):
        return lowering(not_equal)(builder, a, a)  # integers are never infinite: all 0
    return lowering(equal)(builder, a, _c(value, a))


@op
def isposinf(builder: GraphBuilder, x: TensorLike) -> Any:
    """1 where x is +inf."""
    return _is_infinity(builder, x, np.inf)


@op
def isneginf(builder: GraphBuilder, x: TensorLike) -> Any:
    """1 where x is -inf."""
    return _is_infinity(builder, x, -np.inf)


@op
def sinc(builder: GraphBuilder, x: TensorLike) -> Any:
    """sin(pi x) / (pi x), 1 at 0 (the normalized sinc, NumPy's). The division reads x = 1
    where x is 0, so neither branch of the select makes a NaN gradient."""
    a = _floating(builder, x)
    zero = lowering(equal)(builder, a, _c(0, a))
    safe = lowering(multiply)(builder, lowering(where)(builder, zero, _c(1, a), a), _c(math.pi, a))
    ratio = lowering(divide)(builder, lowering(sin)(builder, safe), safe)
    return lowering(where)(builder, zero, _c(1, a), ratio)


@op
def logaddexp2(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """log2(2**x1 + 2**x2) = m + log2(2**(x1 - m) + 2**(x2 - m)) with m = max(x1, x2) held
    constant to autodiff (the identity holds for any m), so nothing overflows and the gradient
    is the exact weights 2**xi / (2**x1 + 2**x2), 1/2 each at a tie. An infinite m shifts by 0."""
    a, b = _floating_pair(builder, x1, x2)
    top = lowering(stop_gradient)(builder, lowering(maximum)(builder, a, b))
    infinite = lowering(equal)(builder, lowering(absolute)(builder, top), _c(np.inf, top))
    shift = lowering(where)(builder, infinite, _c(0, top), top)
    ln2 = _c(math.log(2.0), a)

    def pow2(v):
        return lowering(exp)(builder, lowering(multiply)(builder, lowering(subtract)(builder, v, shift), ln2))

    total = lowering(add)(builder, pow2(a), pow2(b))
    return lowering(add)(builder, lowering(divide)(builder, lowering(log)(builder, total), ln2), shift)


@op
def ldexp(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """x1 * 2**x2 for an integer exponent x2 (integer x1 gives float32)."""
    exponent_dtype = dtype_of(x2) or np.asarray(x2).dtype.name
    if np.dtype(exponent_dtype).kind not in "iu":
        raise TypeError(f"ldexp: the exponent x2 must be an integer, got dtype {exponent_dtype}")
    a = _floating(builder, x1)
    if dtype_of(x2) is None:
        x2 = np.asarray(x2, "int32")
    (e,) = as_values(builder, x2)
    scale = lowering(power)(builder, _c(2.0, a), lowering(cast)(builder, e, a.dtype))
    return lowering(multiply)(builder, a, scale)


def _nan_ignoring(builder, x1, x2, pick):
    a, b = _common(builder, x1, x2)
    chosen = lowering(pick)(builder, a, b)
    if not a.dtype.startswith("float"):
        return chosen
    chosen = lowering(where)(builder, lowering(isnan)(builder, b), a, chosen)
    return lowering(where)(builder, lowering(isnan)(builder, a), b, chosen)


@op
def fmax(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """The elementwise maximum, ignoring a NaN operand (NaN only where both are)."""
    return _nan_ignoring(builder, x1, x2, maximum)


@op
def fmin(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """The elementwise minimum, ignoring a NaN operand (NaN only where both are)."""
    return _nan_ignoring(builder, x1, x2, minimum)


@op
def allclose(
    builder: GraphBuilder,
    x1: TensorLike,
    x2: TensorLike,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    equal_nan: bool = False,
) -> Any:
    """1 (a scalar) when every pair is close: |x1 - x2| <= atol + rtol * |x2|, else 0."""
    close = lowering(isclose)(builder, x1, x2, rtol, atol, equal_nan)
    return lowering(_all)(builder, close)


# Cephes' Chebyshev coefficients for exp(-x) I0(x): A on [0, 8] in x/2 - 2, B on (8, inf) in
# 32/x - 2 (times sqrt(x)), the series NumPy's i0 evaluates.
_I0_A = (
    -4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16,
    1.71539128555513303061e-15, -1.16853328779934516808e-14, 7.67618549860493561688e-14,
    -4.85644678311192946090e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11,
    9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-9,
    -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7,
    1.11738753912010371815e-6, -4.41673835845875056359e-6, 1.64484480707288970893e-5,
    -5.75419501008210370398e-5, 1.88502885095841655729e-4, -5.76375574538582365885e-4,
    1.63947561694133579842e-3, -4.32430999505057594430e-3, 1.05464603945949983183e-2,
    -2.37374148058994688156e-2, 4.93052842396707084878e-2, -9.49010970480476444210e-2,
    1.71620901522208775349e-1, -3.04682672343198398683e-1, 6.76795274409476084995e-1,
)  # fmt: skip
_I0_B = (
    -7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17,
    3.46122286769746109310e-17, -2.82762398051658348494e-16, -3.42548561967721913462e-16,
    1.77256013305652638360e-15, 3.81168066935262242075e-15, -9.55484669882830764870e-15,
    -4.15056934728722208663e-14, 1.54008621752140982691e-14, 3.85277838274214270114e-13,
    7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11,
    -3.14991652796324136454e-11, 1.18891471078464383424e-11, 4.94060238822496958910e-10,
    3.39623202570838634515e-9, 2.26666899049817806459e-8, 2.04891858946906374183e-7,
    2.89137052083475648297e-6, 6.88975834691682398426e-5, 3.36911647825569408990e-3,
    8.04490411014108831608e-1,
)  # fmt: skip


def _chebyshev(builder, t, coefficients):
    """Clenshaw's recurrence for the Chebyshev series in t (Cephes' chbevl)."""
    b0, b1, b2 = None, _c(0.0, t), _c(0.0, t)
    for c in coefficients:
        b2 = b1
        b1 = b0 if b0 is not None else _c(0.0, t)
        b0 = lowering(add)(builder, lowering(subtract)(builder, lowering(multiply)(builder, t, b1), b2), _c(c, t))
    return lowering(multiply)(builder, lowering(subtract)(builder, b0, b2), _c(0.5, t))


@op
def i0(builder: GraphBuilder, x: TensorLike) -> Any:
    """The modified Bessel function of the first kind, order 0 (NumPy's i0: Cephes' two
    Chebyshev series). Integers give float32."""
    a = _floating(builder, x)
    ax = lowering(absolute)(builder, a)
    small = lowering(less)(builder, ax, _c(8.0, a))  # <= 8 in Cephes; both series agree at 8
    near = lowering(where)(builder, small, ax, _c(8.0, a))  # each series reads its own range
    far = lowering(where)(builder, small, _c(8.0, a), ax)
    t_near = lowering(subtract)(builder, lowering(multiply)(builder, near, _c(0.5, a)), _c(2.0, a))
    t_far = lowering(subtract)(builder, lowering(divide)(builder, _c(32.0, a), far), _c(2.0, a))
    inner = lowering(multiply)(builder, lowering(exp)(builder, near), _chebyshev(builder, t_near, _I0_A))
    outer = lowering(divide)(
        builder,
        lowering(multiply)(builder, lowering(exp)(builder, far), _chebyshev(builder, t_far, _I0_B)),
        lowering(sqrt)(builder, far),
    )
    return lowering(where)(builder, small, inner, outer)
