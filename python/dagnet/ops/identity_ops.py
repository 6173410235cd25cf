"""keras.ops that hand a tensor through: stop_gradient (the native op that autodiff treats as a
constant), view (the native bitcast), copy, array, and the complex-number views of a real tensor (real, imag, conj,
conjugate, isreal). dagnet has no complex dtypes, so every tensor is real: real and conj are
x itself, imag is zeros, isreal is all ones (0/1 in x's dtype, as dagnet's other predicates)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ..keras_tensor import KerasTensor
from ..variables import Variable
from ._dispatch import as_values, dtype_of, emit, lowering, op
from .array_ops import _standard_dtype
from .shape_ops import cast, ones_like, zeros_like

__all__ = ["stop_gradient", "copy", "array", "real", "imag", "conj", "conjugate", "isreal", "view"]


@op
def stop_gradient(builder: GraphBuilder, variable: TensorLike) -> Any:
    """`variable`'s value, with no gradient flowing back through it."""
    (a,) = as_values(builder, variable)
    return emit(builder, "stop_gradient", [a])


@op
def copy(builder: GraphBuilder, x: TensorLike) -> Any:
    """x's values (a new array when run eagerly)."""
    (a,) = as_values(builder, x)
    return a


def _keras_dtype(x: Any) -> str | None:
    """Keras's dtype for a Python value: int32 for integers and float32 for floats (arrays
    and tensors keep theirs)."""
    if dtype_of(x) is not None or isinstance(x, (KerasTensor, Variable, np.generic)):
        return None
    kind = np.asarray(x).dtype.kind
    return {"i": "int32", "u": "int32", "f": "float32"}.get(kind)


@op
def array(builder: GraphBuilder, x: TensorLike, dtype: Any = None) -> Any:
    """x as a tensor, in `dtype` when given (Python ints give int32, floats float32)."""
    dtype = _standard_dtype(dtype) or _keras_dtype(x)
    (a,) = as_values(builder, x if dtype is None or dtype_of(x) is not None else np.asarray(x, dtype))
    return a if dtype is None or a.dtype == dtype else lowering(cast)(builder, a, dtype)


@op
def real(builder: GraphBuilder, x: TensorLike) -> Any:
    """The real part: x itself (dagnet tensors are real)."""
    (a,) = as_values(builder, x)
    return a


@op
def imag(builder: GraphBuilder, x: TensorLike) -> Any:
    """The imaginary part: zeros in x's dtype (dagnet tensors are real)."""
    (a,) = as_values(builder, x)
    return lowering(zeros_like)(builder, a)


@op
def conj(builder: GraphBuilder, x: TensorLike) -> Any:
    """The complex conjugate: x itself (dagnet tensors are real)."""
    (a,) = as_values(builder, x)
    return a


@op
def conjugate(builder: GraphBuilder, x: TensorLike) -> Any:
    """The complex conjugate (conj): x itself."""
    (a,) = as_values(builder, x)
    return a


@op
def isreal(builder: GraphBuilder, x: TensorLike) -> Any:
    """1 everywhere: every element of a real tensor is real."""
    (a,) = as_values(builder, x)
    return lowering(ones_like)(builder, a)


@op
def view(builder: GraphBuilder, x: TensorLike, dtype: Any = None) -> Any:
    """x's bytes read as `dtype` (the native bitcast op; no gradient): a different item size
    rescales the last axis, as NumPy's view (float32 (3, 4) as float64 is (3, 2))."""
    (a,) = as_values(builder, x)
    target = _standard_dtype(dtype) or a.dtype
    if target == a.dtype:
        return a
    if target not in ("float32", "float64", "int32", "int64"):
        raise TypeError(f"view: dagnet tensors are float32, float64, int32 or int64, got dtype {target}")
    return emit(builder, "bitcast", [a], {"dtype": target})
