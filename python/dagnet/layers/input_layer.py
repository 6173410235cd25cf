"""InputLayer and Input(): the entry points of a functional model."""

from __future__ import annotations

from typing import Any

from .. import _naming
from .._typing import TensorLike
from ..keras_tensor import KerasTensor
from ..node import Node
from .layer import Layer


class InputLayer(Layer):
    def __init__(
        self,
        shape: Any = None,
        batch_size: int | None = None,
        dtype: Any = None,
        sparse: bool | None = None,
        batch_shape: Any = None,
        input_tensor: Any = None,
        name: str | None = None,
        optional: bool = False,
        **kwargs: Any,
    ) -> None:
        if "input_shape" in kwargs:  # Keras 2 spelling
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        if kwargs.pop("ragged", None):
            raise ValueError("Ragged inputs are not supported by dagnet (Keras supports them only on TensorFlow)")
        if isinstance(dtype, str) and dtype in ("string", "str", "object"):
            raise TypeError(
                f"Input(dtype={dtype!r}): dagnet's engine holds numbers only, so string preprocessing "
                "(TextVectorization, StringLookup, Hashing) runs on the data pipeline: apply the layer to the data "
                "(`dataset.map(lambda x, y: (layer(x), y))` or `layer(numpy_data)`) and give the model an integer "
                "or float Input for its output."
            )
        super().__init__(name=name or _naming.uniquify("input_layer"), dtype=dtype, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_size is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `batch_size` and `batch_shape` at the same time.")
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise ValueError(f"Argument `input_tensor` must be a KerasTensor. Received: {input_tensor}")
            if shape is not None and tuple([shape] if isinstance(shape, int) else shape) != tuple(
                input_tensor.shape[1:]
            ):
                raise ValueError(
                    "When providing the `input_tensor` argument, you cannot provide an incompatible `shape` argument."
                )
            if batch_shape is not None and tuple(batch_shape) != tuple(input_tensor.shape):
                raise ValueError(
                    "When providing the `input_tensor` argument, you cannot provide an incompatible "
                    "`batch_shape` argument."
                )
            if dtype is not None and self.dtype != input_tensor.dtype:
                raise ValueError(
                    "When providing the `input_tensor` argument, you cannot provide an incompatible `dtype` argument."
                )
            shape, batch_shape = None, input_tensor.shape
            self.dtype = input_tensor.dtype
        if shape is None and batch_shape is None:
            raise ValueError("You must pass a `shape` argument.")
        if shape is not None:
            if isinstance(shape, int):
                shape = (shape,)
            try:
                shape = tuple(shape)
            except TypeError:
                raise ValueError(f"Cannot convert '{shape}' to a shape.") from None
            batch_shape = (batch_size,) + shape
        batch_shape = tuple(batch_shape)
        for d in batch_shape:
            if d is not None and (not isinstance(d, int) or d < 0):
                raise ValueError(
                    f"Cannot convert '{batch_shape[1:]}' to a shape: dimensions must be non-negative ints or None"
                )
        self._batch_shape = batch_shape
        self.sparse = bool(sparse)
        self.optional = optional
        self.built = True
        # Keras 3: a given input_tensor becomes this layer's output itself (its history now points here)
        tensor = (
            input_tensor if input_tensor is not None else KerasTensor(batch_shape, dtype=self.dtype, name=self.name)
        )
        Node(self, (), {}, [tensor])
        self._output_tensor = tensor

    @property
    def batch_shape(self) -> Any:
        return self._batch_shape

    def call(self, inputs: TensorLike) -> Any:
        return inputs

    def get_config(self) -> dict[str, Any]:
        return {
            "batch_shape": self._batch_shape,
            "dtype": self.dtype,
            "sparse": self.sparse,
            "ragged": False,
            "name": self.name,
            "optional": self.optional,
        }


def Input(
    shape: Any = None,
    batch_size: int | None = None,
    dtype: Any = None,
    sparse: bool | None = None,
    batch_shape: Any = None,
    name: str | None = None,
    tensor: TensorLike = None,
    optional: bool = False,
    **kwargs: Any,
) -> KerasTensor:
    """A symbolic input of the given shape (without the batch axis); None = variable length."""
    if "batch_input_shape" in kwargs and batch_shape is None:
        batch_shape = kwargs.pop("batch_input_shape")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments passed to Input: {kwargs}")
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        batch_shape=batch_shape,
        name=name,
        input_tensor=tensor,
        optional=optional,
    )
    return layer._output_tensor
