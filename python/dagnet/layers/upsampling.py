"""UpSampling1D / 2D / 3D: Keras 3's layers, each one native ``resize`` node (integer
factors; 'nearest' repeats, as ops.repeat; UpSampling2D's other interpolations are
ops.image.resize to the multiplied size)."""

from __future__ import annotations

from typing import Any

from .._typing import TensorLike
from ..ops._dispatch import emit
from ..ops.image import RESIZE_INTERPOLATIONS
from .arguments import standardize_data_format, standardize_tuple
from .input_spec import InputSpec
from .layer import Layer


def _upsample(inputs: TensorLike, factors: tuple, data_format: str, interpolation: str = "nearest") -> Any:
    return emit(
        inputs.builder,
        "resize",
        [inputs],
        {"factors": list(factors), "interpolation": interpolation, "data_format": data_format},
    )


class UpSampling1D(Layer):
    """Repeats each step `size` times along the time axis: (batch, steps, features) ->
    (batch, steps * size, features)."""

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"Expected an integer value for `size`, got {type(size)}.")
        if size <= 0:
            raise ValueError(f"Argument `size` should be a positive integer. Received: size={size}")
        self.size = size
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs: TensorLike) -> Any:
        return _upsample(inputs, (self.size,), "channels_last")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "size": self.size}


class UpSampling2D(Layer):
    """Multiplies rows and columns by `size`: 'nearest' repeats them; 'bilinear', 'bicubic',
    'lanczos3', 'lanczos5' and 'area' resize as ops.image.resize does (TensorFlow's
    half-pixel sampling)."""

    def __init__(
        self, size: Any = (2, 2), data_format: str | None = None, interpolation: str = "nearest", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = standardize_tuple(size, 2, "size")
        self.interpolation = interpolation.lower()
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: TensorLike) -> Any:
        if self.interpolation not in RESIZE_INTERPOLATIONS:
            raise ValueError(
                "Invalid value for argument `interpolation`. Expected of one "
                f"{RESIZE_INTERPOLATIONS}. Received: interpolation={self.interpolation}"
            )
        return _upsample(inputs, self.size, self.data_format, self.interpolation)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "size": self.size,
            "data_format": self.data_format,
            "interpolation": self.interpolation,
        }


class UpSampling3D(Layer):
    """Repeats the three spatial axes `size[0]`, `size[1]` and `size[2]` times."""

    def __init__(self, size: Any = (2, 2, 2), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = standardize_tuple(size, 3, "size")
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs: TensorLike) -> Any:
        return _upsample(inputs, self.size, self.data_format)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}
