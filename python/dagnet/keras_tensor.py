"""Symbolic tensors: a shape (None = unknown), a dtype, a name, and the history that
links the tensor to the node (layer call) that produced it."""

from __future__ import annotations

from collections import namedtuple
from typing import Any, NoReturn

from . import _naming
from ._tensor_operators import TensorOperators


class KerasHistory(namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])):
    """(operation, node_index, tensor_index). `.layer` is Keras 2's name for `.operation`."""

    __slots__ = ()

    @property
    def layer(self) -> Any:
        return self.operation


class KerasTensor(TensorOperators):
    def __init__(self, shape: Any, dtype: str = "float32", name: str | None = None, sparse: bool = False) -> None:
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = str(dtype)
        self.name = name or _naming.uniquify("keras_tensor")
        self.sparse = sparse
        self._keras_history = KerasHistory(None, None, None)
        self._keras_mask: KerasTensor | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}, name={self.name}>"

    def _symbolic_error(self, what: str) -> NoReturn:
        raise TypeError(
            f"A KerasTensor is symbolic: it is a placeholder for a shape and a dtype, with no value, so it "
            f"cannot be {what}. To run a function on it, wrap the function in a layer (layers.Lambda or a "
            f"custom Layer) or use dagnet.ops. Tensor: {self!r}"
        )

    def __array__(self, *args, **kwargs):
        self._symbolic_error("converted to a NumPy array")

    def __bool__(self):
        self._symbolic_error("used as a Python boolean")

    def __iter__(self):
        self._symbolic_error("iterated over")

    def __int__(self):
        self._symbolic_error("converted to an int")

    def __float__(self):
        self._symbolic_error("converted to a float")

    def __len__(self):
        if self.shape and self.shape[0] is not None:
            return self.shape[0]
        self._symbolic_error("asked for its length (its first dimension is unknown)")


def any_symbolic(flat: Any) -> bool:
    return any(isinstance(x, KerasTensor) for x in flat)
