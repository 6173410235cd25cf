"""RandomCrop: in training, one random (height, width) window for the whole batch (Keras 3
crops every image of a batch at the same place), an exact nearest-neighbour affine_transform
by whole pixels into a smaller output. At inference, and in training when the images are not
larger than the target on both sides, the largest centred window of the target's aspect
ratio, resized (as Keras documents it; Keras 3.15 itself returns inference inputs uncropped,
whose shape then disagrees with the layer's output shape)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import _random
from ..._typing import TensorLike
from ...ops import math, shape_ops
from ...ops._dispatch import emit
from .base import RandomImageLayer


class RandomCrop(RandomImageLayer):
    _USE_BASE_FACTOR = False

    def __init__(
        self, height: int, width: int, seed: int | None = None, data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width
        self._init_seed(seed if seed is not None else _random.draw_seed())  # Keras saves the seed it made

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        in_height, in_width = self._image_size(images, "RandomCrop")
        if not training:
            attrs = {"size": [self.height, self.width], "fit": "smart_resize", "data_format": self.data_format}
            return emit(images.builder, "resize", [images], attrs)
        if not (in_height > self.height and in_width > self.width):
            return self._centred_window(images, in_height, in_width)
        # Offsets uniform over [0, in - target + 1), truncated: whole pixels, one pair per batch.
        highs = np.asarray([in_width - self.width + 1, in_height - self.height + 1], dtype=images.dtype)
        offsets = math.floor(math.multiply(self._uniform(images, [1, 2]), highs))
        zeros, ones = shape_ops.zeros_like(offsets[:, :1]), shape_ops.ones_like(offsets[:, :1])
        shift = shape_ops.concatenate([ones, zeros, offsets[:, :1], zeros, ones, offsets[:, 1:], zeros, zeros], axis=1)
        attrs = {
            "interpolation": "nearest",
            "fill_mode": "constant",
            "data_format": self.data_format,
            "output_size": [self.height, self.width],
        }
        return emit(images.builder, "affine_transform", [images, shift], attrs)

    def _centred_window(self, images: TensorLike, in_height: int, in_width: int) -> Any:
        """Keras 3.15's training path for small images: the aspect-ratio window's start, a
        target-sized slice from there (clipped to the image), resized to the target."""
        crop_height = max(min(in_height, int(float(in_width * self.height) / self.width)), 1)
        crop_width = max(min(in_width, int(float(in_height * self.width) / self.height)), 1)
        top, left = int(float(in_height - crop_height) / 2), int(float(in_width - crop_width) / 2)
        attrs = {
            "size": [self.height, self.width],
            "fit": "window",
            "window": [top, left, self.height, self.width],
            "data_format": self.data_format,
        }
        return emit(images.builder, "resize", [images], attrs)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "seed": self.seed,
            "data_format": self.data_format,
        }
