"""``keras.utils``-style helpers."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from . import _naming, _random
from ._get_file import get_file as get_file  # keras.utils.get_file
from ._plot_model import model_to_dot as model_to_dot, plot_model as plot_model
from ._typing import TensorLike
from .layers.input_layer import InputLayer


def set_random_seed(seed: int) -> None:
    """Seeds dagnet's generator (weights, dropout seeds, shuffling), Python's and NumPy's."""
    random.seed(seed)
    np.random.seed(seed)
    _random.set_seed(seed)


def to_categorical(x: TensorLike, num_classes: int | None = None, dtype: Any = "float32") -> np.ndarray:
    """One-hot encoding of integer class labels (the last axis of size 1 is dropped, as Keras does)."""
    x = np.asarray(x, dtype="int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if num_classes is None:
        num_classes = int(x.max()) + 1
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(f"to_categorical: labels must be in [0, {num_classes}), got values in [{x.min()}, {x.max()}]")
    out = np.zeros((x.size, num_classes), dtype=dtype)
    out[np.arange(x.size), x] = 1
    return out.reshape(shape + (num_classes,))


def clear_session() -> None:
    """Resets automatic layer and model names (``keras.backend.clear_session``)."""
    _naming.reset()


def get_source_inputs(tensor: TensorLike) -> list:
    """The Input tensors a symbolic tensor was computed from."""
    found, stack, seen = [], [tensor], set()
    while stack:
        x = stack.pop()
        op, index, _ = x._keras_history
        node = op._inbound_nodes[index]
        if isinstance(op, InputLayer) or node.is_input:
            if id(x) not in seen:
                seen.add(id(x))
                found.append(x)
        else:
            stack.extend(reversed(node.input_tensors))
    return found


class PyDataset:
    """Keras 3's ``keras.utils.PyDataset`` (``keras.utils.Sequence`` is the same class): a
    dataset of batches indexed ``0 .. len(ds) - 1``.

    Subclasses implement ``__getitem__(index)`` returning ``(x, y)``, ``(x, y,
    sample_weight)`` (or ``x`` for ``predict``) and ``__len__`` (the number of batches).
    ``fit`` calls ``on_epoch_begin`` before each epoch and ``on_epoch_end`` after it (and,
    as Keras does, once before training starts).  ``workers``, ``use_multiprocessing`` and
    ``max_queue_size`` are accepted and stored; dagnet reads batches in the calling thread.
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10) -> None:
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    @property
    def workers(self) -> Any:
        return getattr(self, "_workers", 1)

    @workers.setter
    def workers(self, value: TensorLike) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> Any:
        return getattr(self, "_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: TensorLike) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> Any:
        return getattr(self, "_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value: TensorLike) -> None:
        self._max_queue_size = value

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        num_batches = self.num_batches
        if num_batches is None:
            raise TypeError("This PyDataset has no length")
        return num_batches

    @property
    def num_batches(self) -> Any:
        """The number of batches (``len``); ``None`` for an infinite dataset."""
        if type(self).__len__ is PyDataset.__len__:
            return None
        return len(self)

    def on_epoch_begin(self) -> None:
        """Called before each epoch."""

    def on_epoch_end(self) -> None:
        """Called after each epoch."""


Sequence = PyDataset
