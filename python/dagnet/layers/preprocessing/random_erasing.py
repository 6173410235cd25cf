"""RandomErasing (Keras 3.15): in training, with a probability drawn per image in factor, a
rectangle of each image is replaced by fill_value (a number, or three per-channel numbers), or,
when fill_value is None, by normal noise times value_range[1]; the fill is clipped to
value_range. The rectangle's sides are sqrt(s) times the image's (s drawn in `scale` per side)
at a uniformly drawn position, as Keras draws them. Numbers come from the native
random_uniform / random_normal ops (base.RandomImageLayer), not Keras's streams."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops
from ..._typing import TensorLike
from .base import RandomImageLayer


class RandomErasing(RandomImageLayer):
    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor: Any = 1.0,
        scale: Any = (0.02, 0.33),
        fill_value: Any = None,
        value_range: Any = (0, 255),
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = self._range_by_name(scale, "scale")
        if fill_value is not None and not isinstance(fill_value, (int, float)):
            if not isinstance(fill_value, (tuple, list)) or len(fill_value) != 3:
                raise ValueError(
                    "The `fill_value` argument should be a number (or a list of three numbers) "
                    f"Received: fill_value={fill_value}"
                )
        self.fill_value = fill_value
        self.value_range = value_range
        self._init_seed(seed)

    def _range_by_name(self, factor: Any, name: str) -> tuple:
        low, high = self._FACTOR_BOUNDS
        error = f"The `{name}` argument should be a number (or a list of two numbers) in the range [{low}, {high}]. "
        error += f"Received: factor={factor}"
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > high or factor[1] < low:
                raise ValueError(error)
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)):
            if factor < low or factor > high:
                raise ValueError(error)
            lower, upper = max(-abs(factor), low), abs(factor)
        else:
            raise ValueError(error)
        return lower, upper

    def _fill(self, images: TensorLike) -> Any:
        low, high = float(self.value_range[0]), float(self.value_range[1])
        if self.fill_value is None:
            b = images.builder
            (counter,) = b.node("rng_draw", [b.param(self._rng_state)])
            (noise,) = b.node("random_normal", [counter, images], {"mean": 0.0, "stddev": high, "seed": self._seed + 1})
            return ops.clip(noise, low, high)
        if isinstance(self.fill_value, (int, float)):
            return float(np.clip(self.fill_value, low, high))
        shape = [1, 3, 1, 1] if self.data_format == "channels_first" else [1, 1, 1, 3]
        if images.shape[1 if self.data_format == "channels_first" else 3] != 3:
            raise ValueError(
                f'Layer "{self.name}" (RandomErasing): a fill_value of three numbers needs 3 channels; received '
                f"images.shape={tuple(images.shape)}"
            )
        return np.clip(np.asarray(self.fill_value, images.dtype), low, high).reshape(shape)

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        if not training:
            return images
        height, width = self._image_size(images, "RandomErasing")
        h_axis, w_axis = self._spatial_axes()
        # Per image: two side fractions, two positions, the erase probability and its threshold.
        u = self._uniform(images, [0, 6, 1, 1])
        side = ops.sqrt(u[:, 0:2] * float(self.scale[1] - self.scale[0]) + float(self.scale[0]))
        crop_w, crop_h = side[:, 0:1] * float(width), side[:, 1:2] * float(height)
        x0 = u[:, 2:3] * (float(width) - crop_w)
        y0 = u[:, 3:4] * (float(height) - crop_h)
        probability = u[:, 4:5] * float(self.factor[1] - self.factor[0]) + float(self.factor[0])
        apply = ops.less(u[:, 5:6], probability)
        grid_shape_y, grid_shape_x = [1, 1, 1, 1], [1, 1, 1, 1]
        grid_shape_y[h_axis], grid_shape_x[w_axis] = height, width
        grid_y = np.arange(height, dtype=images.dtype).reshape(grid_shape_y)
        grid_x = np.arange(width, dtype=images.dtype).reshape(grid_shape_x)
        inside = ops.logical_and(
            ops.logical_and(ops.greater_equal(grid_x, x0), ops.less(grid_x, x0 + crop_w)),
            ops.logical_and(ops.greater_equal(grid_y, y0), ops.less(grid_y, y0 + crop_h)),
        )
        erase = ops.logical_and(inside, apply)
        return ops.where(erase, ops.zeros_like(images) + self._fill(images), images)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "factor": self.factor,
            "scale": self.scale,
            "fill_value": self.fill_value,
            "value_range": self.value_range,
            "seed": self.seed,
        }
