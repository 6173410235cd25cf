"""RandomFlip: in training, each image is flipped (left-right, top-bottom, or both at once,
as Keras 3 does with one coin per image) with probability 1/2; identity at inference. The
flip is an exact nearest-neighbour affine_transform whose per-image transform is the
identity or the mirror."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._typing import TensorLike
from ...ops import math, shape_ops
from ...ops._dispatch import emit
from .base import RandomImageLayer

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


class RandomFlip(RandomImageLayer):
    _USE_BASE_FACTOR = False

    def __init__(
        self,
        mode: str = HORIZONTAL_AND_VERTICAL,
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        if mode not in (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL):
            raise ValueError(
                f"RandomFlip layer {self.name} received an unknown mode argument {mode!r}: expected "
                f"'{HORIZONTAL}', '{VERTICAL}' or '{HORIZONTAL_AND_VERTICAL}'"
            )
        self._init_seed(seed)
        self.mode = mode

    def mirror(self, height: int, width: int) -> np.ndarray:
        """The transform of this layer's flip (output (x, y) reads the mirrored pixel)."""
        flip_x = self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL)
        flip_y = self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL)
        return np.array(
            [
                -1 if flip_x else 1,
                0,
                width - 1 if flip_x else 0,
                0,
                -1 if flip_y else 1,
                height - 1 if flip_y else 0,
                0,
                0,
            ],
            dtype="float32",
        )

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        height, width = self._image_size(images, "RandomFlip")  # checked at inference too: errors come early
        if not training:
            return images
        identity = np.array([1, 0, 0, 0, 1, 0, 0, 0], dtype=images.dtype)
        change = self.mirror(height, width).astype(images.dtype) - identity
        flips = shape_ops.cast(math.less_equal(self._uniform(images, [0, 1]), 0.5), images.dtype)  # (batch, 1)
        transforms = math.add(math.multiply(flips, change), identity)
        attrs = {"interpolation": "nearest", "fill_mode": "constant", "data_format": self.data_format}
        return emit(images.builder, "affine_transform", [images, transforms], attrs)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "seed": self.seed, "mode": self.mode, "data_format": self.data_format}
