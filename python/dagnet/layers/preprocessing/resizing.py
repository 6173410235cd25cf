"""Resizing and CenterCrop: Keras 3's layers, each one native ``resize`` node (crop and pad
to the aspect ratio, and CenterCrop's choice between a centred window and smart_resize,
happen inside it, so unknown input sizes work too)."""

from __future__ import annotations

from typing import Any

from ..._typing import TensorLike
from ...ops import math, shape_ops
from ...ops._dispatch import emit
from ...ops.image import resize_attrs
from .base import BaseImagePreprocessingLayer


class Resizing(BaseImagePreprocessingLayer):
    """Resizes images to (height, width) with ops.image.resize's methods; integer images are
    rounded back to their dtype."""

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        height: int,
        width: int,
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        antialias: bool = False,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def call(self, inputs: TensorLike, training: bool | None = True) -> Any:
        if inputs.dtype in ("float32", "float64"):
            return super().call(inputs, training)
        resized = super().call(inputs, training)  # integer images: resized as float32, then rounded back
        return shape_ops.cast(math.round(resized), inputs.dtype)

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        attrs = resize_attrs(
            (self.height, self.width),
            self.interpolation,
            self.antialias,
            self.crop_to_aspect_ratio,
            self.pad_to_aspect_ratio,
            self.fill_mode,
            self.fill_value,
            self.data_format,
        )
        return emit(images.builder, "resize", [images], attrs)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
            "data_format": self.data_format,
        }


class CenterCrop(BaseImagePreprocessingLayer):
    """The centred (height, width) window of each image; an image smaller than that on
    either side is first cropped to the target aspect ratio and resized (smart_resize)."""

    _USE_BASE_FACTOR = False

    def __init__(self, height: int, width: int, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height = height
        self.width = width

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        attrs = {
            "size": [int(self.height), int(self.width)],
            "interpolation": "bilinear",
            "fit": "center_crop",
            "data_format": self.data_format,
        }
        return emit(images.builder, "resize", [images], attrs)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width, "data_format": self.data_format}
