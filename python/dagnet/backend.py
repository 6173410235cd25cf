"""``keras.backend``: the global settings Keras scripts read and set (floatx, epsilon, image
data format, clear_session), the introspection helpers (is_keras_tensor, int_shape,
count_params) and the Keras 2 (``tf.keras.backend``) tensor functions scripts still call
as ``K.sum``, ``K.square``, ... (each the dagnet.ops function of the same meaning).

dagnet computes in float32: ``set_floatx`` accepts only "float32"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import _naming, activations, ops
from ._typing import TensorLike
from .keras_tensor import KerasTensor
from .variables import Variable

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_DATA_FORMATS = ("channels_first", "channels_last")


def backend() -> str:
    """The name of the backend running the layers (Keras: "tensorflow", "jax", ...)."""
    return "dagnet"


def floatx() -> str:
    """The default float dtype of weights and inputs ("float32")."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Sets the default float dtype; dagnet accepts only "float32" (a clear ValueError otherwise)."""
    accepted = {"bfloat16", "float16", "float32", "float64"}
    value = str(value)
    if value not in accepted:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {accepted}")
    if value != "float32":
        raise ValueError(
            f"set_floatx('{value}'): dagnet computes in float32 only (its kernels and weights are float32); "
            "keep floatx at 'float32'"
        )


def epsilon() -> float:
    """The fuzz factor Keras adds to denominators (1e-7 unless set)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Sets the fuzz factor `epsilon()` returns."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """The default `data_format` of conv, pooling and Flatten layers ("channels_last" unless set)."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    """The default `data_format` of layers created afterwards (conv, pooling, flatten, ...)."""
    global _IMAGE_DATA_FORMAT
    _IMAGE_DATA_FORMAT = standardize_data_format(data_format)


def standardize_data_format(data_format: str | None) -> str:
    """`data_format` lower-cased and checked, or `image_data_format()` when None."""
    if data_format is None:
        return _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in _DATA_FORMATS:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    return data_format


_UIDS: dict[str, int] = {}


def clear_session(free_memory: bool = True) -> None:
    """Resets the automatic layer and model names (a new script's names start again at
    'dense', 'dense_1', ...) and get_uid's counters."""
    _naming.reset()
    _UIDS.clear()


def get_uid(prefix: str = "") -> int:
    """1, 2, 3, ... per prefix (Keras's keras.backend.get_uid)."""
    _UIDS[prefix] = _UIDS.get(prefix, 0) + 1
    return _UIDS[prefix]


def is_keras_tensor(x: Any) -> bool:
    """Whether `x` is a symbolic tensor of the functional API (a KerasTensor)."""
    return isinstance(x, KerasTensor)


def int_shape(x: TensorLike) -> tuple:
    """The static shape as a tuple of ints (None where unknown)."""
    shape = getattr(x, "shape", None)
    if shape is None:
        shape = np.shape(x)
    return tuple(None if d is None else int(d) for d in shape)


def count_params(x: TensorLike) -> int:
    """The number of elements of `x` (a weight or array)."""
    return int(np.prod(int_shape(x)))


def standardize_dtype(dtype: Any) -> str:
    """The dtype name of `dtype` (a name, NumPy dtype or object with `.name`); None is floatx()."""
    if dtype is None:
        return _FLOATX
    return np.dtype(getattr(dtype, "name", dtype)).name


def is_float_dtype(dtype: Any) -> bool:
    """Whether `dtype` is a floating-point dtype."""
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype: Any) -> bool:
    """Whether `dtype` is a signed or unsigned integer dtype."""
    return standardize_dtype(dtype).startswith(("int", "uint"))


def result_type(*dtypes: Any) -> str:
    """The dtype NumPy promotion gives `dtypes` together."""
    return np.result_type(*[standardize_dtype(d) for d in dtypes]).name


# -- Keras 2 tensor functions (tf.keras.backend), as dagnet.ops ---------------------------


def get_value(x: TensorLike) -> Any:
    """The value of a Variable (or array) as a NumPy array."""
    return x.numpy() if isinstance(x, Variable) else np.asarray(x)


def set_value(x: Variable, value: TensorLike) -> None:
    """Assigns `value` to the Variable `x`."""
    x.assign(np.asarray(value))


def variable(value: TensorLike, dtype: Any = None, name: str | None = None) -> Variable:
    """A new Variable holding `value`."""
    return Variable(np.asarray(value, dtype=standardize_dtype(dtype)), name=name or "variable")


def constant(value: TensorLike, dtype: Any = None, shape: Any = None, name: str | None = None) -> np.ndarray:
    """A NumPy array of `value` (broadcast to `shape` when given)."""
    array = np.asarray(value, dtype=standardize_dtype(dtype))
    return np.broadcast_to(array, shape).copy() if shape is not None else array


def cast_to_floatx(x: TensorLike) -> np.ndarray:
    """`x` as a NumPy array of dtype floatx()."""
    return np.asarray(x, dtype=_FLOATX)


def shape(x: TensorLike) -> tuple:
    """The shape of `x` as a tuple."""
    return tuple(x.shape)


def ndim(x: TensorLike) -> int:
    """The rank of `x`."""
    return len(int_shape(x))


def dtype(x: TensorLike) -> str:
    """The dtype name of `x`."""
    return standardize_dtype(getattr(x, "dtype", np.asarray(x).dtype))


def sum(x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """Sum over `axis` (ops.sum)."""
    return ops.sum(x, axis=axis, keepdims=keepdims)


def mean(x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """Mean over `axis` (ops.mean)."""
    return ops.mean(x, axis=axis, keepdims=keepdims)


def max(x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """Maximum over `axis` (ops.max)."""
    return ops.max(x, axis=axis, keepdims=keepdims)


def min(x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """Minimum over `axis` (ops.min)."""
    return ops.min(x, axis=axis, keepdims=keepdims)


def prod(x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """Product over `axis` (ops.prod)."""
    return ops.prod(x, axis=axis, keepdims=keepdims)


def any(x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """Logical or over `axis` (ops.any)."""
    return ops.any(x, axis=axis, keepdims=keepdims)


def all(x: TensorLike, axis: Any = None, keepdims: bool = False) -> Any:
    """Logical and over `axis` (ops.all)."""
    return ops.all(x, axis=axis, keepdims=keepdims)


def cumsum(x: TensorLike, axis: int = 0) -> Any:
    """Cumulative sum along `axis` (ops.cumsum)."""
    return ops.cumsum(x, axis=axis)


def clip(x: TensorLike, min_value: Any, max_value: Any) -> Any:
    """`x` clipped to [min_value, max_value] (ops.clip)."""
    return ops.clip(x, min_value, max_value)


def concatenate(tensors: Any, axis: int = -1) -> Any:
    """`tensors` joined along `axis` (ops.concatenate)."""
    return ops.concatenate(list(tensors), axis=axis)


def expand_dims(x: TensorLike, axis: int = -1) -> Any:
    """`x` with a new axis of size 1 at `axis` (ops.expand_dims)."""
    return ops.expand_dims(x, axis)


def permute_dimensions(x: TensorLike, pattern: Any) -> Any:
    """`x` with its axes in the order `pattern` (ops.transpose)."""
    return ops.transpose(x, pattern)


def repeat_elements(x: TensorLike, rep: int, axis: int) -> Any:
    """Each element of `x` repeated `rep` times along `axis` (ops.repeat)."""
    return ops.repeat(x, rep, axis=axis)


def flatten(x: TensorLike) -> Any:
    """`x` as one vector."""
    return ops.reshape(x, [-1])


def batch_flatten(x: TensorLike) -> Any:
    """`x` reshaped to (batch, everything else)."""
    return ops.flatten_batch(x)


def pow(x: TensorLike, a: Any) -> Any:
    """`x` to the power `a` (ops.power)."""
    return ops.power(x, a)


def l2_normalize(x: TensorLike, axis: Any = None) -> Any:
    """`x` divided by its L2 norm over `axis` (the squared norm floored at 1e-12)."""
    return ops.multiply(x, ops.rsqrt(ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), 1e-12)))


def relu(x: TensorLike, alpha: float = 0.0, max_value: float | None = None, threshold: float = 0.0) -> Any:
    """Keras 2 relu: `alpha` is the slope below `threshold`, `max_value` caps the output."""
    return activations.relu(x, negative_slope=alpha, max_value=max_value, threshold=threshold)


def softmax(x: TensorLike, axis: int = -1) -> Any:
    """Softmax over `axis` (ops.softmax)."""
    return ops.softmax(x, axis=axis)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = "int32") -> Any:
    """Evenly spaced values in [start, stop) (ops.arange; int32 by default, as Keras 2)."""
    return ops.arange(start, stop, step, dtype=dtype)


# One-to-one with dagnet.ops (same arguments).
cast = ops.cast
reshape = ops.reshape
stack = ops.stack
squeeze = ops.squeeze
transpose = ops.transpose
dot = ops.dot
square, sqrt, exp, log, abs = ops.square, ops.sqrt, ops.exp, ops.log, ops.abs
sign, round, sin, cos = ops.sign, ops.round, ops.sin, ops.cos
maximum, minimum = ops.maximum, ops.minimum
equal, not_equal = ops.equal, ops.not_equal
greater, greater_equal, less, less_equal = ops.greater, ops.greater_equal, ops.less, ops.less_equal
sigmoid: Callable[..., Any] = ops.sigmoid
tanh: Callable[..., Any] = ops.tanh
elu, softplus, softsign = ops.elu, ops.softplus, ops.softsign
zeros_like, ones_like = ops.zeros_like, ops.ones_like
zeros, ones = ops.zeros, ops.ones
tile, switch = ops.tile, ops.where
one_hot = ops.one_hot
