"""``keras.applications.vgg16``: VGG16 (Simonyan & Zisserman, 2014), Keras 3's graph and layer names."""

from __future__ import annotations

from typing import Any

from ..models import Model
from . import imagenet_utils
from ._vgg import build_vgg

__all__ = ["VGG16", "decode_predictions", "preprocess_input"]


def VGG16(
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: Any = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "vgg16",
) -> Model:
    """VGG16: `weights` None (random), "imagenet" (Keras's file, downloaded) or a weights file."""
    return build_vgg(
        (2, 2, 3, 3, 3),
        "vgg16",
        ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc"),
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
