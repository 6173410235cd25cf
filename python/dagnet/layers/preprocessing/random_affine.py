"""RandomRotation, RandomTranslation, RandomZoom: in training, each image is resampled
(ops.image.affine_transform: nearest or bilinear, fill modes reflect / wrap / constant /
nearest) through a transform built from numbers drawn per image, with Keras 3's formulas;
identity at inference."""

from __future__ import annotations

import math as pymath
from typing import Any

import numpy as np

from ..._typing import TensorLike
from ...ops import math, shape_ops
from ...ops._dispatch import emit
from .base import RandomImageLayer

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")


def _check_modes(fill_mode: str, interpolation: str) -> None:
    if fill_mode not in _FILL_MODES:
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one {_FILL_MODES}.")
    if interpolation not in _INTERPOLATIONS:
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one {_INTERPOLATIONS}.")


def _rows(*columns: Any) -> Any:
    """(batch, 8) transforms from 8 columns of shape (batch, 1)."""
    return shape_ops.concatenate(list(columns), axis=1)


class _AffineAugmentation(RandomImageLayer):
    """Shared by the three layers: the draw, the transform, the resampling."""

    _USE_BASE_FACTOR = False

    def _init_affine(self, fill_mode: str, interpolation: str, seed: int | None, fill_value: float) -> None:
        _check_modes(fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value
        self._init_seed(seed)

    def _draw(self, images: TensorLike, lows: list[float], highs: list[float]) -> list[Any]:
        """One number per image in [low, high) for each (low, high): columns of shape (batch, 1)."""
        u = self._uniform(images, [0, len(lows)])
        low = np.asarray(lows, dtype=images.dtype)
        values = math.add(math.multiply(u, np.asarray(highs, dtype=images.dtype) - low), low)
        return [values[:, i : i + 1] for i in range(len(lows))]

    def transforms(self, images: TensorLike, height: int, width: int) -> Any:
        raise NotImplementedError

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        height, width = self._image_size(images, type(self).__name__)  # checked at inference too
        if not training:
            return images
        attrs = {
            "interpolation": self.interpolation,
            "fill_mode": self.fill_mode,
            "fill_value": float(self.fill_value),
            "data_format": self.data_format,
        }
        return emit(images.builder, "affine_transform", [images, self.transforms(images, height, width)], attrs)


class RandomRotation(_AffineAugmentation):
    """Rotates each image about its centre by a random angle in [factor[0], factor[1]] turns
    (a positive angle turns counter-clockwise)."""

    _USE_BASE_FACTOR = True

    def __init__(
        self,
        factor: Any,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self._init_affine(fill_mode, interpolation, seed, fill_value)

    def transforms(self, images: TensorLike, height: int, width: int) -> Any:
        (angle,) = self._draw(images, [self.factor[0] * 360.0], [self.factor[1] * 360.0])
        radians = math.multiply(angle, np.asarray(pymath.pi / 180.0, dtype=images.dtype))
        cos, sin = math.cos(radians), math.sin(radians)
        zeros = shape_ops.zeros_like(angle)
        cx, cy = np.float32(0.5) * np.float32(width - 1), np.float32(0.5) * np.float32(height - 1)
        # Keras's _compute_affine_matrix with scale 1, no shear and no translation.
        a0, a1, b0, b1 = cos, math.negative(sin), sin, cos
        a2 = math.subtract(math.subtract(math.add(zeros, cx), math.multiply(a0, cx)), math.multiply(a1, cy))
        b2 = math.subtract(math.subtract(math.add(zeros, cy), math.multiply(b0, cx)), math.multiply(b1, cy))
        return _rows(a0, a1, a2, b0, b1, b2, zeros, zeros)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "factor": self.factor,
            "data_format": self.data_format,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }


def _factor_range(factor: Any, name: str, error: str, in_range: Any) -> tuple[float, float]:
    """Keras's _set_factor of the translation and zoom layers: a number f gives (-|f|, |f|)."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(error + f"Received: {name}={factor}")
        for value in factor:
            if not in_range(value):
                raise ValueError(error + f"Received: input_number={value}")
        lower, upper = sorted(factor)
        return lower, upper
    if isinstance(factor, (int, float)):
        if not in_range(factor):
            raise ValueError(error + f"Received: input_number={factor}")
        return -abs(factor), abs(factor)
    raise ValueError(error + f"Received: {name}={factor}")


class _HeightWidthAugmentation(_AffineAugmentation):
    """RandomTranslation and RandomZoom: a height and a width factor (ranges checked with
    the layer's message and bounds), the fill and interpolation, and their config."""

    _FACTOR_VALIDATION_ERROR = ""
    _WIDTH_OPTIONAL = False  # RandomZoom: no width_factor means the height's scale for both

    @staticmethod
    def _in_range(value: float) -> bool:
        raise NotImplementedError

    def _init_factors(
        self,
        height_factor: Any,
        width_factor: Any,
        fill_mode: str,
        interpolation: str,
        seed: int | None,
        fill_value: float,
    ) -> None:
        self.height_factor = height_factor
        self.width_factor = width_factor
        error = self._FACTOR_VALIDATION_ERROR
        self.height_lower, self.height_upper = _factor_range(height_factor, "height_factor", error, self._in_range)
        if width_factor is not None or not self._WIDTH_OPTIONAL:
            self.width_lower, self.width_upper = _factor_range(width_factor, "width_factor", error, self._in_range)
        self._init_affine(fill_mode, interpolation, seed, fill_value)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "seed": self.seed,
            "fill_value": self.fill_value,
            "data_format": self.data_format,
        }


class RandomTranslation(_HeightWidthAugmentation):
    """Shifts each image by a random fraction of its height and width."""

    _FACTOR_VALIDATION_ERROR = (
        "The `factor` argument should be a number (or a list of two numbers) in the range [-1.0, 1.0]. "
    )

    @staticmethod
    def _in_range(value: float) -> bool:
        return -1.0 <= value <= 1.0

    def __init__(
        self,
        height_factor: Any,
        width_factor: Any,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._init_factors(height_factor, width_factor, fill_mode, interpolation, seed, fill_value)

    def transforms(self, images: TensorLike, height: int, width: int) -> Any:
        dy, dx = self._draw(images, [self.height_lower, self.width_lower], [self.height_upper, self.width_upper])
        dy, dx = math.multiply(dy, float(height)), math.multiply(dx, float(width))
        zeros, ones = shape_ops.zeros_like(dy), shape_ops.ones_like(dy)
        return _rows(ones, zeros, math.negative(dx), zeros, ones, math.negative(dy), zeros, zeros)


class RandomZoom(_HeightWidthAugmentation):
    """Zooms each image about its centre: a factor f draws a scale in [1 + f_low, 1 + f_high]
    (negative: zoom in); without width_factor both axes share the height's scale."""

    _FACTOR_VALIDATION_ERROR = (
        "The `height_factor` and `width_factor` arguments should be a number (or a list of two numbers) "
        "in the range (-1.0, 1.0]. "
    )
    _WIDTH_OPTIONAL = True

    @staticmethod
    def _in_range(value: float) -> bool:
        return -1.0 < value <= 1.0

    def __init__(
        self,
        height_factor: Any,
        width_factor: Any = None,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._init_factors(height_factor, width_factor, fill_mode, interpolation, seed, fill_value)

    def transforms(self, images: TensorLike, height: int, width: int) -> Any:
        if self.width_factor is None:
            (zy,) = self._draw(images, [1.0 + self.height_lower], [1.0 + self.height_upper])
            zx = zy
        else:
            zy, zx = self._draw(
                images,
                [1.0 + self.height_lower, 1.0 + self.width_lower],
                [1.0 + self.height_upper, 1.0 + self.width_upper],
            )
        x_offset = math.multiply(math.subtract(1.0, zx), (np.float32(width) - np.float32(1.0)) / np.float32(2.0))
        y_offset = math.multiply(math.subtract(1.0, zy), (np.float32(height) - np.float32(1.0)) / np.float32(2.0))
        zeros = shape_ops.zeros_like(zy)
        return _rows(zx, zeros, x_offset, zeros, zy, y_offset, zeros, zeros)
