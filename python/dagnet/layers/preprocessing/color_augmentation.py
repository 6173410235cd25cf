"""Keras 3's color augmentation layers, lowered into the graph like RandomContrast: AutoContrast
(deterministic, every call), and in training only RandomGrayscale, RandomInvert, Solarization
and RandomColorDegeneration, with Keras 3.15's formulas. Random numbers are drawn per image by
the native random_uniform op from the layer's seed and step counter (base.RandomImageLayer),
one draw per step for all of a layer's numbers; Keras's exact random streams are not
reproduced. Inputs are rank 3 or 4 images; outputs float."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops
from ..._typing import TensorLike
from .base import BaseImagePreprocessingLayer, RandomImageLayer

# tf.image.rgb_to_grayscale's weights, as Keras's ops.image.rgb_to_grayscale uses them.
_RGB_WEIGHTS = (0.2989, 0.5870, 0.1140)
_VALUE_RANGE_ERROR = "The `value_range` argument should be a list of two numbers. "


def _value_range(value_range: Any) -> list:
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(_VALUE_RANGE_ERROR + f"Received: value_range={value_range}")
    return sorted(value_range)


def _rescale(images: TensorLike, source: Any, target: Any) -> Any:
    """Keras's _transform_value_range: values of range `source` mapped linearly onto `target`."""
    if source[0] == target[0] and source[1] == target[1]:
        return images
    unit = (images - float(source[0])) / float(source[1] - source[0])
    return unit * float(target[1] - target[0]) + float(target[0])


class _ColorLayer(BaseImagePreprocessingLayer):
    def _channels_axis(self) -> int:
        return 1 if self.data_format == "channels_first" else 3

    def _grayscale(self, images: TensorLike, allow_one: bool = True) -> Any:
        """(batch, ..., 1 channel) luma of RGB batches (a one-channel batch is returned as is)."""
        axis = self._channels_axis()
        channels = images.shape[axis]
        if channels == 1 and allow_one:
            return images
        if channels != 3:
            expected = "3 (RGB) or 1 (Grayscale)" if allow_one else "3"
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}): expected images with {expected} channels; received '
                f"images.shape={tuple(images.shape)}"
            )
        shape = [1, 1, 1, 1]
        shape[axis] = 3
        weights = np.array(_RGB_WEIGHTS, dtype=images.dtype).reshape(shape)
        return ops.sum(images * weights, axis=axis, keepdims=True)


class AutoContrast(_ColorLayer):
    """Stretches each image's channels to the full value_range: (x - min) * range / (max - min),
    min and max over Keras's axes (1, 2); a channel with max == min is left unchanged."""

    _USE_BASE_FACTOR = False

    def __init__(self, value_range: Any = (0, 255), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.value_range = _value_range(value_range)

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        original = images
        images = _rescale(images, self.value_range, (0, 255))
        low = ops.min(images, axis=(1, 2), keepdims=True)
        high = ops.max(images, axis=(1, 2), keepdims=True)
        flat = ops.equal(high, low)
        # Keras divides by zero there and puts the input back where the result is NaN.
        scale = 255.0 / ops.where(flat, ops.ones_like(high), high - low)
        results = ops.clip(images * scale - low * scale, 0.0, 255.0)
        results = _rescale(results, (0, 255), self.value_range)
        return ops.where(flat, original, results)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "value_range": self.value_range}


class RandomGrayscale(RandomImageLayer, _ColorLayer):
    """In training, each image becomes grayscale (its luma in every channel) with probability factor."""

    def __init__(self, factor: float = 0.5, data_format: str | None = None, seed: int | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        if factor < 0 or factor > 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor = factor  # type: ignore[assignment]
        self._init_seed(seed)

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        if not training:
            return images
        gray = self._grayscale(images)
        apply = ops.less(self._uniform(images, [0, 1, 1, 1]), float(self.factor))  # type: ignore[arg-type]
        return ops.where(apply, gray, images)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor}


class RandomInvert(RandomImageLayer, _ColorLayer):
    """In training, each image becomes value_range[1] - x with a probability drawn in factor."""

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor: Any = 1.0,
        value_range: Any = (0, 255),
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self._init_seed(seed)

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        if not training:
            return images
        draws = self._uniform(images, [0, 2, 1, 1])  # per image: the probability, the threshold
        low, high = self.factor
        probability = draws[:, :1] * float(high - low) + float(low)
        apply = ops.less(draws[:, 1:], probability)
        return ops.where(apply, float(self.value_range[1]) - images, images)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class Solarization(RandomImageLayer, _ColorLayer):
    """In training, per image: x (on a 0..255 scale) plus an addition, clipped, then inverted
    (255 - x) where it reaches a threshold; addition uniform in [addition_factor[0],
    255 * addition_factor[1]], threshold likewise (Keras's bounds)."""

    _USE_BASE_FACTOR = False
    _FACTOR_ERROR = (
        "The `addition_factor` and `threshold_factor` arguments should be a number (or a list of two numbers) "
        "in the range [0, 1]. "
    )

    def __init__(
        self,
        addition_factor: Any = 0.0,
        threshold_factor: Any = 0.0,
        value_range: Any = (0, 255),
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._init_seed(seed)
        self.addition_factor = self._solarization_factor(addition_factor, "addition_factor")
        self.threshold_factor = self._solarization_factor(threshold_factor, "threshold_factor")
        self.value_range = _value_range(value_range)

    def _solarization_factor(self, factor: Any, name: str) -> tuple:
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(self._FACTOR_ERROR + f"Received: {name}={factor}")
            bounds = list(factor)
        elif isinstance(factor, (int, float)):
            bounds = [0, factor]
        else:
            raise ValueError(self._FACTOR_ERROR + f"Received: {name}={factor}")
        for value in bounds:
            if value > 1.0 or value < 0:
                raise ValueError(self._FACTOR_ERROR + f"Received: input_number={value}")
        lower, upper = sorted(bounds)
        return lower, upper

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        if not training:
            return images
        draws = self._uniform(images, [0, 2, 1, 1])  # per image: the addition, the threshold
        (a_low, a_high), (t_low, t_high) = self.addition_factor, self.threshold_factor
        additions = draws[:, :1] * float(a_high * 255 - a_low) + float(a_low)
        thresholds = draws[:, 1:] * float(t_high * 255 - t_low) + float(t_low)
        results = ops.clip(_rescale(images, self.value_range, (0, 255)) + additions, 0.0, 255.0)
        results = ops.where(ops.less(results, thresholds), results, 255.0 - results)
        return _rescale(results, (0, 255), self.value_range)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "addition_factor": self.addition_factor,
            "threshold_factor": self.threshold_factor,
            "seed": self.seed,
        }


class RandomColorDegeneration(RandomImageLayer, _ColorLayer):
    """In training, each RGB image blended toward its grayscale: x + f * (gray - x), f drawn
    per image in factor, clipped to value_range."""

    def __init__(
        self,
        factor: Any,
        value_range: Any = (0, 255),
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _value_range(value_range)
        self._init_seed(seed)

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        gray = self._grayscale(images, allow_one=False)  # Keras requires RGB in every mode
        if not training:
            return images
        low, high = self.factor
        factor = self._uniform(images, [0, 1, 1, 1], low, high)
        blended = images + factor * (gray - images)
        return ops.clip(blended, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}
