"""RandomContrast and RandomBrightness: in training, each image's contrast is scaled about
its per-channel mean, or a delta added to all its pixels, by a number drawn per image, and
the result clipped to value_range (Keras 3's formulas); identity at inference."""

from __future__ import annotations

from typing import Any

from ..._typing import TensorLike
from ...ops import math
from .base import RandomImageLayer


class RandomContrast(RandomImageLayer):
    """(x - mean) * c + mean, c uniform in [1 - factor[0], 1 + factor[1]], per image."""

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self._init_seed(seed)

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        if not training:
            return images
        contrast = self._uniform(images, [0, 1, 1, 1], 1.0 - self.factor[0], 1.0 + self.factor[1])
        h_axis, w_axis = self._spatial_axes()
        mean = math.mean(math.mean(images, axis=h_axis, keepdims=True), axis=w_axis, keepdims=True)
        adjusted = math.add(math.multiply(math.subtract(images, mean), contrast), mean)
        return math.clip(adjusted, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class RandomBrightness(RandomImageLayer):
    """x + d * (value_range[1] - value_range[0]), d uniform in [factor[0], factor[1]], per
    image."""

    _VALUE_RANGE_VALIDATION_ERROR = "The `value_range` argument should be a list of two numbers. "

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(factor=factor, **kwargs)
        self._init_seed(seed)
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(self._VALUE_RANGE_VALIDATION_ERROR + f"Received: value_range={value_range}")
        self.value_range = sorted(value_range)

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        if not training:
            return images
        delta = self._uniform(images, [0, 1, 1, 1], self.factor[0], self.factor[1])
        delta = math.multiply(delta, float(self.value_range[1] - self.value_range[0]))
        return math.clip(math.add(images, delta), float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}
