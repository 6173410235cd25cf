"""Weights. A Variable owns one engine tensor; every native graph that reads the weight
binds that same memory, so a layer called twice, or a model lowered for training and
for prediction, shares one copy that training updates in place."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import _engine
from ._tensor_operators import TensorOperators
from ._typing import TensorLike

# Bytes that weights created now may still take, innermost budget last (see allocation_budget).
_BUDGETS: list[list[Any]] = []


@contextlib.contextmanager
def allocation_budget(nbytes: int, source: str) -> Iterator[None]:
    """While loading a model from `source`, the weights its config declares may take at most
    `nbytes` together: a file's weights hold every variable's values, so a config that declares
    more than its weights file could hold is refused before the weights are allocated."""
    _BUDGETS.append([int(nbytes), source])
    try:
        yield
    finally:
        _BUDGETS.pop()


def charge(shape: tuple, dtype: str, path: str) -> None:
    """Takes a new weight's bytes from the active budget, if any (Layer.add_weight calls this
    before running the initializer, so a refused weight is never allocated)."""
    if not _BUDGETS:
        return
    budget = _BUDGETS[-1]
    nbytes = int(np.prod(shape, dtype=np.float64)) * np.dtype(dtype).itemsize
    if nbytes > budget[0]:
        raise ValueError(
            f"{budget[1]}: the config declares a weight '{path}' of shape {tuple(shape)} ({nbytes} bytes) "
            f"beyond what the file's weights can hold ({budget[0]} bytes left); the file is corrupt or crafted"
        )
    budget[0] -= nbytes


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
    def device(self) -> str:
        """Where the weight lives ('cpu', 'cuda:0', ...): its model's device."""
        return str(self._tensor.device)

    def _move_to(self, device: str) -> None:
        if self._tensor.device != device:
            self._tensor = self._tensor.to(device)

    @property
    def value(self) -> np.ndarray:
        """On the CPU a live view of the weight (writes go to the engine's memory); on a
        device, a host copy (write with `assign`)."""
        if self._tensor.device != "cpu":
            return self._tensor.numpy()
        return np.asarray(self._tensor)

    def numpy(self) -> np.ndarray:
        if self._tensor.device != "cpu":
            return self._tensor.numpy()  # already a fresh host copy
        return np.array(self._tensor, copy=True)

    def assign(self, value: TensorLike) -> Any:
        """Sets the value. Inside a layer's call being lowered (a traced tensor), it adds a
        state update instead: the write happens in each step that runs the graph."""
        traced = _traced_builder(value)
        if traced is not None:
            _check_shape(self, tuple(value.shape))
            if value.dtype != self.dtype:
                (value,) = traced.node("cast", [value], {"dtype": self.dtype})
            traced.update_state("assign", [self, value], name=f"{self.path}/assign")
            return value
        value = np.asarray(value)
        _check_shape(self, value.shape)
        if self._tensor.device != "cpu":
            self._tensor.copy_from(np.array(value, dtype=self.dtype, order="C"))
        else:
            np.asarray(self._tensor)[...] = value
        return value

    def assign_add(self, delta: TensorLike) -> Any:
        return self.assign(self + delta)

    def assign_sub(self, delta: TensorLike) -> Any:
        return self.assign(self - delta)

    def __array__(self, dtype=None, copy=None):
        return self.numpy() if dtype is None else self.numpy().astype(dtype)

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}>"


def _traced_builder(value: Any) -> Any:
    """The graph builder of a traced tensor (a layer's call being lowered; _tracing's
    GraphTensor, which imports this module), else None."""
    return getattr(value, "builder", None) if type(value).__name__ == "GraphTensor" else None


def _check_shape(variable: Variable, shape: tuple) -> None:
    if tuple(shape) != variable.shape:
        raise ValueError(
            f"Variable '{variable.path}' has shape {variable.shape}; cannot assign a value of shape {tuple(shape)}"
        )
