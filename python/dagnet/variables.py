"""Weights. A Variable owns one engine tensor; every native graph that reads the weight
binds that same memory, so a layer called twice, or a model lowered for training and
for prediction, shares one copy that training updates in place."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _engine
from ._tensor_operators import TensorOperators
from ._typing import TensorLike


class Variable(TensorOperators):
    def __init__(
        self, value: TensorLike, name: str, trainable: bool = True, dtype: str = "float32", path: str | None = None
    ) -> None:
        array = np.array(value, dtype=dtype, order="C")  # (ascontiguousarray would turn a scalar into shape (1,))
        self._tensor = _engine.Tensor.from_numpy(array)
        self.name = name
        self.path = path or name
        self.trainable = trainable
        self.regularizer: Any = None  # a penalty callable the training loss adds (Layer.add_weight sets it)
        self.constraint: Any = None  # applied after each training step (Layer.add_weight sets it)

    @property
    def shape(self) -> tuple:
        return tuple(self._tensor.shape)

    @property
    def dtype(self) -> str:
        return self._tensor.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def value(self) -> np.ndarray:
        """A live view of the weight (writes go to the engine's memory)."""
        return np.asarray(self._tensor)

    def numpy(self) -> np.ndarray:
        return np.array(self._tensor, copy=True)

    def assign(self, value: TensorLike) -> None:
        value = np.asarray(value)
        if value.shape != self.shape:
            raise ValueError(
                f"Variable '{self.path}' has shape {self.shape}; cannot assign a value of shape {value.shape}"
            )
        np.asarray(self._tensor)[...] = value

    def __array__(self, dtype=None, copy=None):
        return self.numpy() if dtype is None else self.numpy().astype(dtype)

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}>"
