"""``keras.utils``-style helpers."""
from __future__ import annotations

import numpy as np

from . import _naming, _random


def set_random_seed(seed: int) -> None:
    """Seeds dagnet's generator (weights, dropout seeds, shuffling), Python's and NumPy's."""
    import random

    random.seed(seed)
    np.random.seed(seed)
    _random.set_seed(seed)


def to_categorical(x, num_classes=None, dtype="float32") -> np.ndarray:
    """One-hot encoding of integer class labels (the last axis of size 1 is dropped, as Keras does)."""
    x = np.asarray(x, dtype="int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if num_classes is None:
        num_classes = int(x.max()) + 1
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(f"to_categorical: labels must be in [0, {num_classes}), got values in "
                         f"[{x.min()}, {x.max()}]")
    out = np.zeros((x.size, num_classes), dtype=dtype)
    out[np.arange(x.size), x] = 1
    return out.reshape(shape + (num_classes,))


def clear_session() -> None:
    """Resets automatic layer and model names (``keras.backend.clear_session``)."""
    _naming.reset()


def get_source_inputs(tensor) -> list:
    """The Input tensors a symbolic tensor was computed from."""
    from .layers.input_layer import InputLayer

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
