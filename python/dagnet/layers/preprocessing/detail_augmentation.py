"""RandomSharpness and RandomPosterization (Keras 3.15), lowered into the graph: in training,
each image is blended with its 3x3-smoothed copy (sharpened past it for factors above 1/2),
or its values (on a 0..255 scale) cut to their top `bits` bits, with numbers drawn per image
by the native random_uniform op (base.RandomImageLayer), not Keras's streams."""

from __future__ import annotations

from typing import Any

from ... import ops
from ..._typing import TensorLike
from .base import RandomImageLayer
from .color_augmentation import _rescale, _value_range

# Keras's smoothing kernel: 5/13 at the centre, 1/13 at the eight neighbours.
_CENTRE, _NEIGHBOUR = 5.0 / 13.0, 1.0 / 13.0


def _smoothed(images: TensorLike, h_axis: int) -> Any:
    """Each pixel's 3x3 weighted mean over zero-padded borders (Keras's depthwise conv, 'same')."""
    widths = [[0, 0]] * 4
    widths[h_axis] = widths[h_axis + 1] = [1, 1]
    padded = ops.pad(images, widths)
    height, width = images.shape[h_axis], images.shape[h_axis + 1]
    total = None
    for dy in range(3):
        for dx in range(3):
            index: list[Any] = [slice(None)] * 4
            index[h_axis], index[h_axis + 1] = slice(dy, dy + height), slice(dx, dx + width)
            term = padded[tuple(index)] * (_CENTRE if (dy, dx) == (1, 1) else _NEIGHBOUR)
            total = term if total is None else total + term
    return total


class _RangeLayer(RandomImageLayer):
    _USE_BASE_FACTOR = False

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

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class RandomSharpness(_RangeLayer):
    """x + (1 - 2 f) * (smoothed - x), f drawn per image in factor, clipped to value_range."""

    _FACTOR_BOUNDS = (0, 1)

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        if not training:
            return images
        h_axis, _ = self._spatial_axes()
        self._image_size(images, type(self).__name__)
        low, high = self.factor
        sharpness = self._uniform(images, [0, 1, 1, 1], low, high) * 2.0
        blended = images + (1.0 - sharpness) * (_smoothed(images, h_axis) - images)
        return ops.clip(blended, float(self.value_range[0]), float(self.value_range[1]))


class RandomPosterization(_RangeLayer):
    """Values (scaled to 0..255, truncated to integers) keep their top `bits` bits: x >> s << s
    with s = 8 - bits, bits an integer drawn per image in [factor[0], factor[1]) (factor[0]
    when the two are equal), as Keras's randint draws it."""

    _FACTOR_BOUNDS = (1, 8)

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        if not training:
            return images
        low, high = self.factor
        if low != high:
            bits = ops.floor(self._uniform(images, [0, 1, 1, 1], float(low), float(high)))
        else:
            bits = float(low)
        step = 2.0 ** (8.0 - bits) if isinstance(bits, float) else ops.power(2.0, 8.0 - bits)
        scaled = ops.floor(_rescale(images, self.value_range, (0, 255)))  # Keras's cast to uint8
        posterized = ops.floor(scaled / step) * step
        return _rescale(posterized, (0, 255), self.value_range)
