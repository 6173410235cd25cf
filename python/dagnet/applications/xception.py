"""``keras.applications.xception``: Xception (Chollet, 2017), Keras 3's graph, layer names
(the shortcut convolutions keep Keras's automatic names) and weight files."""

from __future__ import annotations

from typing import Any

from .. import backend, layers
from ..models import Model
from . import _builder, imagenet_utils

__all__ = ["Xception", "decode_predictions", "preprocess_input"]

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/xception/"
WEIGHTS_PATH = _BASE + "xception_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = _BASE + "xception_weights_tf_dim_ordering_tf_kernels_notop.h5"


def _sepconv_bn(x: Any, filters: int, name: str, axis: int) -> Any:
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=axis, name=f"{name}_bn")(x)


def _shortcut(x: Any, filters: int, axis: int) -> Any:
    residual = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    return layers.BatchNormalization(axis=axis)(residual)


def _entry_block(x: Any, block: int, filters: tuple[int, int], axis: int, first_relu: bool = True) -> Any:
    """Two separable convolutions then a strided max pooling, plus a strided 1x1 shortcut."""
    residual = _shortcut(x, filters[1], axis)
    if first_relu:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sepconv_bn(x, filters[0], f"block{block}_sepconv1", axis)
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sepconv_bn(x, filters[1], f"block{block}_sepconv2", axis)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: Any = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "xception",
) -> Model:
    """Xception (299x299 inputs by default, at least 71x71)."""
    _builder.check_weights(weights, include_top, classes, weights_message=_builder.WEIGHTS_QUOTED)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=299, min_size=71, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights,
    )  # fmt: skip
    img_input = _builder.image_input(input_tensor, input_shape)
    axis = 1 if backend.image_data_format() == "channels_first" else -1
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    # Block 2 has no ReLU before its first separable convolution (block 1 ended with one).
    x = _entry_block(x, 2, (128, 128), axis, first_relu=False)
    x = _entry_block(x, 3, (256, 256), axis)
    x = _entry_block(x, 4, (728, 728), axis)
    for i in range(8):
        residual = x
        prefix = f"block{i + 5}"
        for conv in (1, 2, 3):
            x = layers.Activation("relu", name=f"{prefix}_sepconv{conv}_act")(x)
            x = _sepconv_bn(x, 728, f"{prefix}_sepconv{conv}", axis)
        x = layers.add([x, residual])
    x = _entry_block(x, 13, (728, 1024), axis)
    x = _sepconv_bn(x, 1536, "block14_sepconv1", axis)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sepconv_bn(x, 2048, "block14_sepconv2", axis)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)
    x = _builder.classifier_head(
        x, include_top, pooling, classes, classifier_activation, weights, avg_name=None, max_name=None,
        top_avg_name="avg_pool",
    )  # fmt: skip
    model = _builder.make_model(img_input, input_tensor, x, name)
    if include_top:
        imagenet_file = (
            "xception_weights_tf_dim_ordering_tf_kernels.h5",
            WEIGHTS_PATH,
            "0a58e3b7378bc2990ea3b43d5981f1f6",
        )
    else:
        imagenet_file = (
            "xception_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP,
            "b0042744bf5b25fce3cb969f33bebb97",
        )  # fmt: skip
    return _builder.load_weights(model, weights, imagenet_file)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """TF preprocessing: pixels scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds: Any, top: int = 5) -> list:
    """The top ImageNet classes of each prediction (imagenet_utils.decode_predictions)."""
    return imagenet_utils.decode_predictions(preds, top=top)
