"""More NumPy-style keras.ops, composed from the native elementwise, reduce, slice and
matmul ops (so differentiable where the maths is): amax/amin, ravel, ndim, size, tan, sinh,
cosh, log2, log10, exp2, logaddexp, hypot, trunc, cbrt, deg2rad, rad2deg, divide_no_nan,
heaviside, isclose, diff, average, nansum, nanmean, append, hstack, vstack, fliplr,
flipud, select, searchsorted, empty, empty_like, tensordot, inner, vdot."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, emit, lowering, op
from .array_ops import _axis, _known, _standard_dtype
from .elementwise_more import isnan
from .layout_more import flip
from .math import (
    absolute,
    add,
    cos,
    divide,
    equal,
    exp,
    floor,
    greater,
    less,
    less_equal,
    log,
    log1p,
    matmul,
    max as _max,
    maximum,
    min as _min,
    multiply,
    power,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    sum as _sum,
    where,
)
from .shape_ops import cast, concatenate, expand_dims, reshape, slice_by_index, transpose

__all__ = [
    "amax",
    "amin",
    "ravel",
    "ndim",
    "size",
    "tan",
    "sinh",
    "cosh",
    "log2",
    "log10",
    "exp2",
    "logaddexp",
    "hypot",
    "trunc",
    "cbrt",
    "deg2rad",
    "rad2deg",
    "divide_no_nan",
    "heaviside",
    "isclose",
    "diff",
    "average",
    "nansum",
    "nanmean",
    "append",
    "hstack",
    "vstack",
    "fliplr",
    "flipud",
    "select",
    "searchsorted",
    "empty",
    "empty_like",
    "tensordot",
    "inner",
    "vdot",
]


def _floating(builder, x):
    (a,) = as_values(builder, x)
    return a if a.dtype.startswith("float") else lowering(cast)(builder, a, "float32")


def _floating_pair(builder, x1, x2):
    """Both operands in one float dtype (Python scalars take the tensor's, as elsewhere)."""
    a, b = (_floating(builder, v) for v in as_values(builder, x1, x2))
    if a.dtype != b.dtype:
        dtype = np.result_type(a.dtype, b.dtype).name
        a, b = lowering(cast)(builder, a, dtype), lowering(cast)(builder, b, dtype)
    return a, b


def _const(value, like):
    return np.asarray(value, like.dtype)


@op
def amax(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The largest element over `axis` (keras.ops.amax is max)."""
    return lowering(_max)(builder, x, axis, keepdims)


@op
def amin(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The smallest element over `axis` (keras.ops.amin is min)."""
    return lowering(_min)(builder, x, axis, keepdims)


@op
def ravel(builder: GraphBuilder, x: TensorLike) -> Any:
    """x flattened to 1-D."""
    return lowering(reshape)(builder, x, [-1])


def ndim(x: TensorLike) -> int:
    """x's rank."""
    return len(x.shape) if hasattr(x, "shape") else np.ndim(x)


def size(x: TensorLike) -> int:
    """The number of elements of x (its shape must be known)."""
    shape = tuple(x.shape) if hasattr(x, "shape") else np.shape(x)
    return math.prod(_known(d, "a dimension", "size") for d in shape)


@op
def tan(builder: GraphBuilder, x: TensorLike) -> Any:
    a = _floating(builder, x)
    return lowering(divide)(builder, lowering(sin)(builder, a), lowering(cos)(builder, a))


@op
def sinh(builder: GraphBuilder, x: TensorLike) -> Any:
    a = _floating(builder, x)
    up, down = lowering(exp)(builder, a), lowering(exp)(builder, -a)
    return lowering(multiply)(builder, lowering(subtract)(builder, up, down), _const(0.5, a))


@op
def cosh(builder: GraphBuilder, x: TensorLike) -> Any:
    a = _floating(builder, x)
    up, down = lowering(exp)(builder, a), lowering(exp)(builder, -a)
    return lowering(multiply)(builder, lowering(add)(builder, up, down), _const(0.5, a))


@op
def log2(builder: GraphBuilder, x: TensorLike) -> Any:
    a = _floating(builder, x)
    return lowering(divide)(builder, lowering(log)(builder, a), _const(np.log(2.0), a))


@op
def log10(builder: GraphBuilder, x: TensorLike) -> Any:
    a = _floating(builder, x)
    return lowering(divide)(builder, lowering(log)(builder, a), _const(np.log(10.0), a))


@op
def exp2(builder: GraphBuilder, x: TensorLike) -> Any:
    a = _floating(builder, x)
    return lowering(exp)(builder, lowering(multiply)(builder, a, _const(np.log(2.0), a)))


@op
def logaddexp(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """log(exp(x1) + exp(x2)) = max + log1p(exp(-|x1 - x2|)), with no overflow."""
    a, b = _floating_pair(builder, x1, x2)
    gap = lowering(absolute)(builder, lowering(subtract)(builder, a, b))
    return lowering(add)(
        builder, lowering(maximum)(builder, a, b), lowering(log1p)(builder, lowering(exp)(builder, -gap))
    )


@op
def hypot(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    a, b = _floating_pair(builder, x1, x2)
    return lowering(sqrt)(builder, lowering(add)(builder, lowering(square)(builder, a), lowering(square)(builder, b)))


@op
def trunc(builder: GraphBuilder, x: TensorLike) -> Any:
    """x rounded toward zero: sign(x) * floor(|x|)."""
    (a,) = as_values(builder, x)
    if not a.dtype.startswith("float"):
        return a
    return lowering(multiply)(
        builder, lowering(sign)(builder, a), lowering(floor)(builder, lowering(absolute)(builder, a))
    )


@op
def cbrt(builder: GraphBuilder, x: TensorLike) -> Any:
    """The real cube root: sign(x) * |x|**(1/3)."""
    a = _floating(builder, x)
    root = lowering(power)(builder, lowering(absolute)(builder, a), _const(1.0 / 3.0, a))
    return lowering(multiply)(builder, lowering(sign)(builder, a), root)


@op
def deg2rad(builder: GraphBuilder, x: TensorLike) -> Any:
    a = _floating(builder, x)
    return lowering(multiply)(builder, a, _const(np.pi / 180.0, a))


@op
def rad2deg(builder: GraphBuilder, x: TensorLike) -> Any:
    a = _floating(builder, x)
    return lowering(multiply)(builder, a, _const(180.0 / np.pi, a))


@op
def divide_no_nan(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """x1 / x2, and 0 where x2 is 0 (the divisor is swapped for 1 there, so no NaN reaches
    the gradient either)."""
    a, b = _floating_pair(builder, x1, x2)
    zero = lowering(equal)(builder, b, _const(0.0, b))
    safe = lowering(where)(builder, zero, _const(1.0, b), b)
    return lowering(where)(builder, zero, _const(0.0, a), lowering(divide)(builder, a, safe))


@op
def heaviside(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0."""
    a, b = _floating_pair(builder, x1, x2)
    at_zero = lowering(where)(builder, lowering(greater)(builder, a, _const(0.0, a)), _const(1.0, a), b)
    return lowering(where)(builder, lowering(less)(builder, a, _const(0.0, a)), _const(0.0, a), at_zero)


@op
def isclose(
    builder: GraphBuilder,
    x1: TensorLike,
    x2: TensorLike,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    equal_nan: bool = False,
) -> Any:
    """1 where |x1 - x2| <= atol + rtol * |x2| (equal infinities too; NaNs when equal_nan)."""
    a, b = _floating_pair(builder, x1, x2)
    gap = lowering(absolute)(builder, lowering(subtract)(builder, a, b))
    bound = lowering(add)(
        builder, lowering(multiply)(builder, lowering(absolute)(builder, b), _const(rtol, b)), _const(atol, b)
    )
    close = lowering(maximum)(builder, lowering(less_equal)(builder, gap, bound), lowering(equal)(builder, a, b))
    if equal_nan:
        both = lowering(multiply)(builder, lowering(isnan)(builder, a), lowering(isnan)(builder, b))
        close = lowering(maximum)(builder, close, both)
    return close


@op
def diff(builder: GraphBuilder, a: TensorLike, n: int = 1, axis: int = -1) -> Any:
    """The n-th forward difference along `axis`."""
    (x,) = as_values(builder, a)
    ax = _axis(int(axis), x.ndim, "diff")
    lead = (slice(None),) * ax
    for _ in range(int(n)):
        x = lowering(subtract)(
            builder,
            lowering(slice_by_index)(builder, x, lead + (slice(1, None),)),
            lowering(slice_by_index)(builder, x, lead + (slice(None, -1),)),
        )
    return x


@op
def average(builder: GraphBuilder, x: TensorLike, axis: Any = None, weights: Any = None) -> Any:
    """The mean over `axis`, or sum(x * w) / sum(w) with `weights` (x's shape, or 1-D along axis)."""
    a = _floating(builder, x)
    if weights is None:
        return lowering(divide)(builder, lowering(_sum)(builder, a, axis, False), _const(_count(a, axis), a))
    (w,) = as_values(builder, weights)
    w = w if w.dtype == a.dtype else lowering(cast)(builder, w, a.dtype)
    if w.ndim == 1 and a.ndim > 1:
        if axis is None or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"average: 1-D weights need one integer axis, got axis={axis}")
        shape = [1] * a.ndim
        shape[_axis(int(axis), a.ndim, "average")] = -1
        w = lowering(reshape)(builder, w, shape)
    total = lowering(_sum)(builder, lowering(multiply)(builder, a, w), axis, False)
    # The weights broadcast to x's shape first, so sum(w) counts them once per element.
    spread = lowering(add)(builder, emit(builder, "fill_like", [a], {"value": 0.0}), w)
    weight = lowering(_sum)(builder, spread, axis, False)
    return lowering(divide)(builder, total, weight)


def _count(a, axis):
    axes = range(a.ndim) if axis is None else ([axis] if isinstance(axis, (int, np.integer)) else axis)
    return math.prod(_known(a.shape[int(v)], "a reduced axis' length", "average") for v in axes)


@op
def nansum(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The sum over `axis` with NaNs counted as 0."""
    (a,) = as_values(builder, x)
    clean = lowering(where)(builder, lowering(isnan)(builder, a), _const(0, a), a)
    return lowering(_sum)(builder, clean, axis, keepdims)


@op
def nanmean(builder: GraphBuilder, x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """The mean over `axis` of the elements that are not NaN (NaN where all are)."""
    a = _floating(builder, x)
    missing = lowering(isnan)(builder, a)
    present = lowering(_sum)(builder, lowering(subtract)(builder, _const(1.0, a), missing), axis, keepdims)
    return lowering(divide)(builder, lowering(nansum)(builder, a, axis, keepdims), present)


@op
def append(builder: GraphBuilder, x1: TensorLike, x2: TensorLike, axis: Any = None) -> Any:
    """x2 after x1 along `axis` (both flattened when None)."""
    a, b = as_values(builder, x1, x2)
    if axis is None:
        a, b, axis = lowering(reshape)(builder, a, [-1]), lowering(reshape)(builder, b, [-1]), 0
    return lowering(concatenate)(builder, [a, b], int(axis))


@op
def hstack(builder: GraphBuilder, xs: Any) -> Any:
    """Concatenated along axis 1 (axis 0 for 1-D tensors)."""
    values = as_values(builder, *xs)
    return lowering(concatenate)(builder, values, 0 if values[0].ndim == 1 else 1)


@op
def vstack(builder: GraphBuilder, xs: Any) -> Any:
    """Concatenated along axis 0, 1-D tensors as rows."""
    values = [v if v.ndim > 1 else lowering(expand_dims)(builder, v, 0) for v in as_values(builder, *xs)]
    return lowering(concatenate)(builder, values, 0)


@op
def fliplr(builder: GraphBuilder, x: TensorLike) -> Any:
    return lowering(flip)(builder, x, 1)


@op
def flipud(builder: GraphBuilder, x: TensorLike) -> Any:
    return lowering(flip)(builder, x, 0)


@op
def select(builder: GraphBuilder, condlist: Any, choicelist: Any, default: Any = 0) -> Any:
    """The choice of the first true condition, elementwise; `default` where none is."""
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist has {len(condlist)} entries and choicelist {len(choicelist)}")
    choices = as_values(builder, *choicelist)
    dtype = choices[0].dtype
    out = np.asarray(default, dtype)
    for c, v in reversed(list(zip(condlist, choices))):
        (flag,) = as_values(builder, c)
        flag = flag if flag.dtype == dtype else lowering(cast)(builder, flag, dtype)
        out = lowering(where)(builder, flag, v, out)
    return out


@op
def searchsorted(builder: GraphBuilder, sorted_sequence: TensorLike, values: TensorLike, side: str = "left") -> Any:
    """Where each value would be inserted into the 1-D ascending sequence to keep it sorted,
    int32: the count of entries < value ('left') or <= value ('right')."""
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got '{side}'")
    seq, v = as_values(builder, _floating(builder, sorted_sequence), _floating(builder, values))
    if seq.ndim != 1:
        raise NotImplementedError(
            f"searchsorted: only a 1-D sorted_sequence is supported, got shape {tuple(seq.shape)}"
        )
    v = v if v.dtype == seq.dtype else lowering(cast)(builder, v, seq.dtype)
    before = lowering(less if side == "left" else less_equal)(builder, seq, lowering(expand_dims)(builder, v, -1))
    return lowering(cast)(builder, lowering(_sum)(builder, before, -1), "int32")


def empty(shape: Any, dtype: Any = None) -> np.ndarray:
    """An array of `shape` (zeros: dagnet has no uninitialised memory to hand out)."""
    return np.zeros(shape, dtype=_standard_dtype(dtype) or "float32")


@op
def empty_like(builder: GraphBuilder, x: TensorLike, dtype: Any = None) -> Any:
    """An array shaped as x (zeros)."""
    (a,) = as_values(builder, x)
    out = emit(builder, "fill_like", [a], {"value": 0.0})
    return out if dtype is None else lowering(cast)(builder, out, _standard_dtype(dtype))


@op
def tensordot(builder: GraphBuilder, x1: TensorLike, x2: TensorLike, axes: Any = 2) -> Any:
    """Sums of products over x1's `axes[0]` and x2's `axes[1]` (an int n: x1's last n, x2's
    first n), as one matmul of the two reshaped to matrices."""
    a, b = as_values(builder, x1, x2)
    if isinstance(axes, (int, np.integer)):
        first, second = list(range(a.ndim - int(axes), a.ndim)), list(range(int(axes)))
    else:
        first, second = (
            ([axes[0]] if np.ndim(axes[0]) == 0 else list(axes[0])),
            ([axes[1]] if np.ndim(axes[1]) == 0 else list(axes[1])),
        )
    first = [_axis(int(v), a.ndim, "tensordot") for v in first]
    second = [_axis(int(v), b.ndim, "tensordot") for v in second]
    free_a = [d for d in range(a.ndim) if d not in first]
    free_b = [d for d in range(b.ndim) if d not in second]
    dims_a = [_known(d, "a dimension", "tensordot") for d in a.shape]
    dims_b = [_known(d, "a dimension", "tensordot") for d in b.shape]
    if [dims_a[d] for d in first] != [dims_b[d] for d in second]:
        raise ValueError(
            f"tensordot: contracted dimensions differ, shapes {tuple(a.shape)} and {tuple(b.shape)}, axes {axes}"
        )
    k = math.prod(dims_a[d] for d in first)
    left = lowering(reshape)(
        builder, lowering(transpose)(builder, a, free_a + first), [math.prod(dims_a[d] for d in free_a), k]
    )
    right = lowering(reshape)(
        builder, lowering(transpose)(builder, b, second + free_b), [k, math.prod(dims_b[d] for d in free_b)]
    )
    product = lowering(matmul)(builder, left, right)
    return lowering(reshape)(builder, product, [dims_a[d] for d in free_a] + [dims_b[d] for d in free_b])


@op
def inner(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """Sums of products over the last axes of x1 and x2."""
    a, b = as_values(builder, x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return lowering(multiply)(builder, a, b)
    return lowering(tensordot)(builder, a, b, [[a.ndim - 1], [b.ndim - 1]])


@op
def vdot(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """The sum of the products of the flattened x1 and x2."""
    a, b = as_values(builder, x1, x2)
    flat = lowering(multiply)(builder, lowering(reshape)(builder, a, [-1]), lowering(reshape)(builder, b, [-1]))
    return lowering(_sum)(builder, flat, None, False)
