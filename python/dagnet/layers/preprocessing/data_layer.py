"""The base of Keras 3's data preprocessing layers (lookups, text, hashing, discretization,
category encoding): they run eagerly on NumPy arrays, lists and nested lists (and on a
dataset's batches through ``dataset.map(layer)``) and return NumPy arrays, computed in
NumPy exactly as Keras's TensorFlow code does. Called on a symbolic tensor, a numeric layer
builds graph nodes from dagnet's ops; a string layer cannot (the engine has no string
tensors) and says where it runs instead. Also the categorical encoding Keras's layers share
(one_hot, multi_hot, count), in NumPy and as graph ops."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ... import _tree, ops
from ..._tracing import GraphTensor
from ...keras_tensor import KerasTensor
from ..layer import Layer


def is_symbolic(args: Any) -> bool:
    return any(isinstance(x, (KerasTensor, GraphTensor)) for x in _tree.flatten(args))


class DataLayer(Layer):
    """A layer whose eager call is NumPy code (`_numpy_call`) and whose symbolic call is
    `call` (graph ops) when `_supports_graph` says the engine can compute it exactly."""

    def _supports_graph(self, inputs: Any) -> bool:
        return False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if is_symbolic((args, kwargs)):
            inputs = args[0] if args else kwargs.get("inputs")
            if not self._supports_graph(inputs):
                raise TypeError(self._no_graph_message(inputs))
            return super().__call__(*args, **kwargs)
        return self._numpy_call(*args, **kwargs)

    def _no_graph_message(self, inputs: Any) -> str:
        return (
            f"{type(self).__name__} (layer '{self.name}') works on strings, which dagnet's engine does not hold: "
            "string preprocessing runs on the data pipeline in dagnet. Apply the layer to the data instead of "
            "placing it in the model: `dataset.map(lambda x, y: (layer(x), y))`, or call `layer(numpy_data)` and "
            "feed the resulting arrays to the model."
        )

    def _numpy_call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


def batches_of(data: Any, steps: int | None) -> Iterable[Any]:
    """The batches `adapt` reads from an iterable that is not itself an array or a list (a
    generator, a dataset, a PyDataset): the inputs of (x, y) pairs, at most `steps` of them."""
    source = data
    if is_py_dataset(data):
        source = (data[i] for i in range(len(data)))
    for i, batch in enumerate(source):
        if steps is not None and i >= steps:
            break
        yield batch[0] if isinstance(batch, tuple) else batch


def is_py_dataset(data: Any) -> bool:
    """A PyDataset / Sequence: batches by index, len() of them."""
    return hasattr(data, "__getitem__") and hasattr(data, "__len__") and hasattr(data, "on_epoch_end")


def is_batch_iterable(data: Any) -> bool:
    """Keras's adapt test: an iterable that is not a list, tuple or array (or a PyDataset) is
    a source of batches."""
    if is_py_dataset(data):
        return True
    return hasattr(data, "__iter__") and not isinstance(data, (list, tuple, np.ndarray, str, bytes))


def to_strings(values: Any, encoding: str = "utf-8") -> np.ndarray:
    """`values` as an object array of Python str (bytes decoded, as TensorFlow's strings are)."""
    array = np.asarray(values, dtype=object)
    flat = [
        v.decode(encoding) if isinstance(v, (bytes, np.bytes_)) else v if isinstance(v, str) else str(v)
        for v in array.reshape(-1)
    ]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(array.shape)


def encode_numpy(indices: np.ndarray, output_mode: str, depth: int, dtype: str, count_weights: Any = None) -> Any:
    """Keras's encode_categorical_inputs (TensorFlow backend) in NumPy. Indices outside
    [0, depth) encode to nothing (TensorFlow's bincount and one_hot drop them)."""
    indices = np.asarray(indices)
    if output_mode == "int":
        return indices.astype(dtype)
    if indices.ndim == 0:
        indices = indices[None]
    if output_mode == "one_hot" and indices.ndim > 1 and indices.shape[-1] == 1:
        indices = indices[..., 0]
    hot = (indices[..., None] == np.arange(depth)).astype(dtype)
    if output_mode == "one_hot":
        return hot
    if output_mode == "multi_hot":
        return hot.max(axis=-2) if hot.shape[-2] else np.zeros(hot.shape[:-2] + (depth,), dtype)
    if count_weights is not None:
        weights = np.asarray(count_weights)
        return (hot.astype(weights.dtype) * weights[..., None]).sum(axis=-2)
    return hot.sum(axis=-2).astype(dtype)


def encode_rows(rows: list[np.ndarray], output_mode: str, depth: int, dtype: str) -> np.ndarray:
    """multi_hot/count of each row of a ragged batch (a list of 1-D index arrays)."""
    out = np.zeros((len(rows), depth), dtype=dtype)
    for i, row in enumerate(rows):
        row = row[(row >= 0) & (row < depth)]
        if output_mode == "multi_hot":
            out[i, row] = 1
        else:
            np.add.at(out[i], row, 1)
    return out


def encode_graph(indices: Any, output_mode: str, depth: int, dtype: str, count_weights: Any = None) -> Any:
    """`encode_numpy` as graph ops: one_hot, then a max or a sum over the sample axis."""
    if output_mode == "int":
        return ops.cast(indices, dtype)
    if len(indices.shape) == 0:
        indices = ops.expand_dims(indices, -1)
    if output_mode == "one_hot" and len(indices.shape) > 1 and indices.shape[-1] == 1:
        indices = ops.squeeze(indices, -1)
    hot = ops.one_hot(indices, depth, dtype=dtype)
    if output_mode == "one_hot":
        return hot
    if output_mode == "multi_hot":
        return ops.max(hot, axis=-2)
    if count_weights is not None:
        hot = ops.multiply(hot, ops.expand_dims(ops.cast(count_weights, dtype), -1))
    return ops.sum(hot, axis=-2)
