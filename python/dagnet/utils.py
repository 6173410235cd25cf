"""``keras.utils``-style helpers. The public names are exactly ``__all__`` (Keras's names);
imports the helpers need are private (underscored)."""

import random as _python_random
from typing import Any as _Any

import numpy as _np

from . import _random
from ._directory_dataset import (
    image_dataset_from_directory as image_dataset_from_directory,
    text_dataset_from_directory as text_dataset_from_directory,
)
from ._get_file import get_file as get_file  # keras.utils.get_file
from ._image_utils import (
    array_to_img as array_to_img,
    img_to_array as img_to_array,
    load_img as load_img,
    save_img as save_img,
)
from ._plot_model import model_to_dot as model_to_dot, plot_model as plot_model
from ._progbar import (
    Progbar as Progbar,
    disable_interactive_logging as disable_interactive_logging,
    enable_interactive_logging as enable_interactive_logging,
    is_interactive_logging_enabled as is_interactive_logging_enabled,
)
from ._py_dataset import PyDataset as PyDataset
from ._split_dataset import split_dataset as split_dataset
from ._timeseries_dataset import timeseries_dataset_from_array as timeseries_dataset_from_array
from ._typing import TensorLike as _TensorLike
from .backend import (
    clear_session as clear_session,  # keras.utils.clear_session
    is_keras_tensor as is_keras_tensor,  # keras.utils re-exports it
    standardize_dtype as standardize_dtype,
)
from .layers.input_layer import InputLayer as _InputLayer
from .ops import normalize as _normalize_op
from .preprocessing.sequence import pad_sequences as pad_sequences  # keras.utils.pad_sequences
from .saving import (  # keras.utils re-exports the saving registry
    CustomObjectScope as CustomObjectScope,
    custom_object_scope as custom_object_scope,
    deserialize_keras_object as deserialize_keras_object,
    get_custom_objects as get_custom_objects,
    get_registered_name as get_registered_name,
    get_registered_object as get_registered_object,
    register_keras_serializable as register_keras_serializable,
    serialize_keras_object as serialize_keras_object,
)

__all__ = [
    "CustomObjectScope",
    "Progbar",
    "PyDataset",
    "Sequence",
    "array_to_img",
    "clear_session",
    "custom_object_scope",
    "deserialize_keras_object",
    "disable_interactive_logging",
    "enable_interactive_logging",
    "get_custom_objects",
    "get_file",
    "get_registered_name",
    "get_registered_object",
    "get_source_inputs",
    "image_dataset_from_directory",
    "img_to_array",
    "is_interactive_logging_enabled",
    "is_keras_tensor",
    "load_img",
    "model_to_dot",
    "normalize",
    "pack_x_y_sample_weight",
    "pad_sequences",
    "plot_model",
    "register_keras_serializable",
    "save_img",
    "serialize_keras_object",
    "set_random_seed",
    "split_dataset",
    "standardize_dtype",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
    "to_categorical",
    "unpack_x_y_sample_weight",
]


def set_random_seed(seed: int) -> None:
    """Seeds dagnet's generator (weights, dropout seeds, shuffling), Python's and NumPy's."""
    _python_random.seed(seed)
    _np.random.seed(seed)
    _random.set_seed(seed)


def to_categorical(x: _TensorLike, num_classes: int | None = None, dtype: _Any = "float32") -> _np.ndarray:
    """One-hot encoding of integer class labels (the last axis of size 1 is dropped, as Keras does)."""
    x = _np.asarray(x, dtype="int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if num_classes is None:
        num_classes = int(x.max()) + 1
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(f"to_categorical: labels must be in [0, {num_classes}), got values in [{x.min()}, {x.max()}]")
    out = _np.zeros((x.size, num_classes), dtype=dtype)
    out[_np.arange(x.size), x] = 1
    return out.reshape(shape + (num_classes,))


def get_source_inputs(tensor: _TensorLike) -> list:
    """The Input tensors a symbolic tensor was computed from."""
    found, stack, seen = [], [tensor], set()
    while stack:
        x = stack.pop()
        op, index, _ = x._keras_history
        node = op._inbound_nodes[index]
        if isinstance(op, _InputLayer) or node.is_input:
            if id(x) not in seen:
                seen.add(id(x))
                found.append(x)
        else:
            stack.extend(reversed(node.input_tensors))
    return found


def normalize(x: _Any, axis: int = -1, order: int = 2) -> _Any:
    """x divided by its `order`-norm along `axis`. A NumPy array gives a NumPy array (zero
    norms left as they are, as Keras does); a tensor goes through ops.normalize."""
    if isinstance(x, _np.ndarray):
        norm = _np.atleast_1d(_np.linalg.norm(x, order, axis))
        norm[norm == 0] = 1
        # Keras 3.15 re-expands the norms at `axis or -1`: axis=0 (and None) become -1.
        return x / _np.expand_dims(norm, axis or -1)
    return _normalize_op(x, axis=axis, order=order)


def pack_x_y_sample_weight(x: _Any, y: _Any = None, sample_weight: _Any = None) -> _Any:
    """What a data source yields: x (a list or tuple x as (x,)), (x, y) or (x, y, sample_weight)."""
    if y is None:
        return x if not isinstance(x, (list, tuple)) else (x,)  # Keras: a lone x is returned as is
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data: _Any) -> tuple:
    """(x, y, sample_weight) from what a data source yields (missing parts are None)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError(
        f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, found: {data}"
    )


Sequence = PyDataset
