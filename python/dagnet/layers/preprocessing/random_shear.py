"""RandomShear (Keras 3.15): in training, each image is sheared along x and y by amounts drawn
per image in x_factor and y_factor, both negated together with probability 1/2 (Keras's
`invert`), then resampled with ops.image.affine_transform (random_affine's machinery: the
transform maps output (x, y) to input (x + sx * y, sy * x + y)); identity at inference."""

from __future__ import annotations

from typing import Any

from ..._typing import TensorLike
from ...ops import math, shape_ops
from .random_affine import _AffineAugmentation, _rows

_FACTOR_ERROR = "The `factor` argument should be a number (or a list of two numbers) in the range [0, 1.0]. "


def _shear_range(factor: Any, name: str) -> tuple:
    """Keras's _set_factor_with_name: a number f gives (-f, f); each bound in [0, 1]."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor}")
        bounds = list(factor)
    elif isinstance(factor, (int, float)):
        bounds = [factor]
    else:
        raise ValueError(_FACTOR_ERROR + f"Received: {name}={factor}")
    for value in bounds:
        if value > 1.0 or value < 0.0:
            raise ValueError(_FACTOR_ERROR + f"Received: input_number={value}")
    if len(bounds) == 1:
        return -abs(bounds[0]), abs(bounds[0])
    lower, upper = sorted(bounds)
    return lower, upper


class RandomShear(_AffineAugmentation):
    def __init__(
        self,
        x_factor: Any = 0.0,
        y_factor: Any = 0.0,
        interpolation: str = "bilinear",
        fill_mode: str = "reflect",
        fill_value: float = 0.0,
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.x_factor = _shear_range(x_factor, "x_factor")
        self.y_factor = _shear_range(y_factor, "y_factor")
        self._init_affine(fill_mode, interpolation, seed, fill_value)

    def transforms(self, images: TensorLike, height: int, width: int) -> Any:
        coin, shear_x, shear_y = self._draw(
            images, [0.0, self.x_factor[0], self.y_factor[0]], [1.0, self.x_factor[1], self.y_factor[1]]
        )
        ones = shape_ops.ones_like(coin)
        sign = math.where(math.greater(coin, 0.5), math.negative(ones), ones)
        zeros = shape_ops.zeros_like(coin)
        return _rows(ones, math.multiply(shear_x, sign), zeros, math.multiply(shear_y, sign), ones, zeros, zeros, zeros)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "x_factor": self.x_factor,
            "y_factor": self.y_factor,
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
            "data_format": self.data_format,
        }
