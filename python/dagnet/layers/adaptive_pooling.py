"""AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D (Keras 3.15): pool each
spatial axis into output_size bins, the bins of Keras and PyTorch (ops/adaptive_pool.py, also
keras.ops.adaptive_average_pool / adaptive_max_pool). Spatial sizes must be known when the
model is built, as in Keras."""

from __future__ import annotations

from typing import Any

from .. import backend
from .._typing import TensorLike
from ..ops.adaptive_pool import pool_axes
from .input_spec import InputSpec
from .layer import Layer


def _output_size(output_size: Any, rank: int, names: str) -> tuple:
    if isinstance(output_size, int) and not isinstance(output_size, bool):
        size = (output_size,) * rank
    elif isinstance(output_size, (tuple, list)) and len(output_size) == rank:
        size = tuple(output_size)
    elif rank == 1 and isinstance(output_size, (tuple, list)):
        raise ValueError(f"For 1D input, `output_size` tuple must have length 1. Received: {output_size}")
    else:
        raise TypeError(
            f"`output_size` must be an integer or {names} tuple. Received: {output_size} of type {type(output_size)}"
        )
    if not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in size):
        raise ValueError(f"`output_size` entries must be positive integers. Received: output_size={output_size}")
    return size


class _AdaptivePooling(Layer):
    _rank = 1
    _mode = "average"
    _names = "(length,)"

    def __init__(self, output_size: Any, data_format: str | None = None, **kwargs: Any) -> None:
        size = _output_size(output_size, self._rank, self._names)
        super().__init__(**kwargs)
        self.output_size = size
        if data_format is not None and data_format not in {"channels_first", "channels_last"}:
            raise ValueError(f"Invalid data_format: {data_format}. Expected 'channels_first' or 'channels_last'.")
        self.data_format = backend.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def call(self, inputs: TensorLike) -> Any:
        where = f'Layer "{self.name}" ({type(self).__name__})'
        return pool_axes(inputs, self.output_size, self.data_format, self._mode, where)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "output_size": self.output_size, "data_format": self.data_format}


class AdaptiveAveragePooling1D(_AdaptivePooling):
    """Average pooling of (batch, length, channels) into output_size bins."""


class AdaptiveAveragePooling2D(_AdaptivePooling):
    """Average pooling of (batch, height, width, channels) into output_size bins."""

    _rank = 2
    _names = "(height, width)"


class AdaptiveAveragePooling3D(_AdaptivePooling):
    """Average pooling of (batch, depth, height, width, channels) into output_size bins."""

    _rank = 3
    _names = "(depth, height, width)"


class AdaptiveMaxPooling1D(AdaptiveAveragePooling1D):
    """Max pooling of (batch, length, channels) into output_size bins."""

    _mode = "max"


class AdaptiveMaxPooling2D(AdaptiveAveragePooling2D):
    """Max pooling of (batch, height, width, channels) into output_size bins."""

    _mode = "max"


class AdaptiveMaxPooling3D(AdaptiveAveragePooling3D):
    """Max pooling of (batch, depth, height, width, channels) into output_size bins."""

    _mode = "max"
