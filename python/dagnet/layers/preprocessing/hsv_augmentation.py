"""RandomSaturation and RandomHue (Keras 3.15): in training, each image goes to HSV, its
saturation is scaled or its hue shifted by a number drawn per image, and it comes back to RGB.
The conversions are TensorFlow's rgb_to_hsv / hsv_to_rgb kernels (Keras's TensorFlow backend),
written with graph ops: H in [0, 1), S = range / V, V = max, and the piecewise-linear way back
(which Keras also feeds saturations above 1). Draws come from the native random_uniform op
(base.RandomImageLayer), not Keras's streams."""

from __future__ import annotations

from typing import Any

from ... import ops
from ..._typing import TensorLike
from .base import RandomImageLayer
from .color_augmentation import _rescale, _value_range

_EPSILON = 1e-7  # Keras's backend.epsilon()


def _channels(images: TensorLike, axis: int) -> list:
    index: list[Any] = [slice(None)] * 4
    out = []
    for c in range(3):
        index[axis] = slice(c, c + 1)
        out.append(images[tuple(index)])
    return out


def _safe(x: TensorLike) -> Any:
    """x with its zeros replaced by ones: a denominator whose zero entries the result discards."""
    return ops.where(ops.equal(x, 0.0), ops.ones_like(x), x)


def rgb_to_hsv(images: TensorLike, axis: int) -> tuple:
    """(H, S, V), each with one channel on `axis`, of RGB images (TensorFlow's formulas)."""
    r, g, b = _channels(images, axis)
    v = ops.maximum(ops.maximum(r, g), b)
    spread = v - ops.minimum(ops.minimum(r, g), b)
    s = ops.where(ops.greater(v, 0.0), spread / _safe(v), ops.zeros_like(v))
    norm = 1.0 / (_safe(spread) * 6.0)
    h = ops.where(
        ops.equal(r, v),
        norm * (g - b),
        ops.where(ops.equal(g, v), norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0),
    )
    h = ops.where(ops.greater(spread, 0.0), h, ops.zeros_like(h))
    h = ops.where(ops.less(h, 0.0), h + 1.0, h)
    return h, s, v


def hsv_to_rgb(h: TensorLike, s: TensorLike, v: TensorLike, axis: int) -> Any:
    dh = h * 6.0
    dr = ops.clip(ops.abs(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = ops.clip(2.0 - ops.abs(dh - 2.0), 0.0, 1.0)
    db = ops.clip(2.0 - ops.abs(dh - 4.0), 0.0, 1.0)
    one_minus_s = 1.0 - s
    return ops.concatenate([(one_minus_s + s * d) * v for d in (dr, dg, db)], axis=axis)


class _HSVLayer(RandomImageLayer):
    value_range: Any

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
        self._init_seed(seed)

    def _axis(self, images: TensorLike) -> int:
        axis = 1 if self.data_format == "channels_first" else 3
        if images.shape[axis] != 3:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}): expected RGB images (3 channels); received '
                f"images.shape={tuple(images.shape)}"
            )
        return axis

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class RandomSaturation(_HSVLayer):
    """Saturation times f / (1 - f + epsilon), f drawn per image in factor, clipped to value_range."""

    def __init__(self, factor: Any, value_range: Any = (0, 255), **kwargs: Any) -> None:
        super().__init__(factor, **kwargs)
        self.value_range = _value_range(value_range)

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        if not training:
            return images
        axis = self._axis(images)
        low, high = self.factor
        f = self._uniform(images, [0, 1, 1, 1], low, high)
        f = f / (1.0 - f + _EPSILON)
        h, s, v = rgb_to_hsv(images, axis)
        s = ops.clip(s * f, float(self.value_range[0]), float(self.value_range[1]))
        return hsv_to_rgb(h, s, v, axis)


class RandomHue(_HSVLayer):
    """Hue shifted by +-f / 2 (sign and f drawn per image, f in factor) on [0, 1]-scaled
    images, wrapped into [0, 1]; the result clipped and scaled back to value_range."""

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor: Any, value_range: Any = (0, 255), **kwargs: Any) -> None:
        super().__init__(factor, **kwargs)
        self.value_range = value_range

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        if not training:
            return images
        axis = self._axis(images)
        draws = self._uniform(images, [0, 2, 1, 1])  # per image: the sign, the amount
        low, high = self.factor
        sign = ops.where(ops.greater(draws[:, :1], 0.5), -ops.ones_like(draws[:, :1]), ops.ones_like(draws[:, :1]))
        shift = sign * (draws[:, 1:] * float(high - low) + float(low)) * 0.5
        h, s, v = rgb_to_hsv(_rescale(images, self.value_range, (0, 1)), axis)
        h = h + shift
        h = ops.where(ops.greater(h, 1.0), h - 1.0, h)
        h = ops.where(ops.less(h, 0.0), h + 1.0, h)
        rgb = ops.clip(hsv_to_rgb(h, s, v, axis), 0.0, 1.0)
        return _rescale(rgb, (0, 1), self.value_range)
