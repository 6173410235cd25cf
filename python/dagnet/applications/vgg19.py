"""``keras.applications.vgg19``: VGG19 (Simonyan & Zisserman, 2014), Keras 3's graph and layer names."""

from __future__ import annotations

from typing import Any

from ..models import Model
from . import imagenet_utils
from ._vgg import build_vgg

__all__ = ["VGG19", "decode_predictions", "preprocess_input"]


def VGG19(
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: Any = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "vgg19",
) -> Model:
    """VGG19: `weights` None (random), "imagenet" (Keras's file, downloaded) or a weights file."""
    return build_vgg(
        (2, 2, 4, 4, 4),
        "vgg19",
        ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6"),
        include_top,
        weights,
        input_tensor,
        input_shape,
        pooling,
        classes,
        classifier_activation,
        name,
    )


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """Caffe preprocessing: RGB to BGR, ImageNet channel means subtracted, no scaling."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds: Any, top: int = 5) -> list:
    """The top ImageNet classes of each prediction (imagenet_utils.decode_predictions)."""
    return imagenet_utils.decode_predictions(preds, top=top)
