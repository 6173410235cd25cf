"""``keras.applications.inception_v3``: InceptionV3 (Szegedy et al., 2015), Keras 3's graph,
layer names (its conv / batch-norm layers keep Keras's automatic names, so they are created
in Keras's order) and weight files."""

from __future__ import annotations

from typing import Any

from .. import backend, layers
from ..models import Model
from . import _builder, imagenet_utils

__all__ = ["InceptionV3", "decode_predictions", "preprocess_input"]

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
WEIGHTS_PATH = _BASE + "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = _BASE + "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"


def conv2d_bn(
    x: Any, filters: int, num_row: int, num_col: int, padding: str = "same", strides: tuple = (1, 1),
    name: str | None = None,
) -> Any:  # fmt: skip
    """Convolution (no bias), batch norm (no scale), ReLU."""
    bn_name = f"{name}_bn" if name is not None else None
    conv_name = f"{name}_conv" if name is not None else None
    bn_axis = 1 if backend.image_data_format() == "channels_first" else 3
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding, use_bias=False, name=conv_name)(x)
    x = layers.BatchNormalization(axis=bn_axis, scale=False, name=bn_name)(x)
    return layers.Activation("relu", name=name)(x)


def _chain(x: Any, convs: list[tuple]) -> Any:
    """conv2d_bn applied in turn: each entry (filters, rows, cols[, keyword arguments])."""
    for conv in convs:
        x = conv2d_bn(x, *conv[:3], **(conv[3] if len(conv) > 3 else {}))
    return x


def _avg_branch(x: Any, filters: int) -> Any:
    branch_pool = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(branch_pool, filters, 1, 1)


def _block_35(x: Any, pool_filters: int, axis: int, name: str) -> Any:
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = _chain(x, [(48, 1, 1), (64, 5, 5)])
    branch3x3dbl = _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3)])
    branch_pool = _avg_branch(x, pool_filters)
    return layers.concatenate([branch1x1, branch5x5, branch3x3dbl, branch_pool], axis=axis, name=name)


def _block_17(x: Any, width: int, axis: int, name: str) -> Any:
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = _chain(x, [(width, 1, 1), (width, 1, 7), (192, 7, 1)])
    branch7x7dbl = _chain(x, [(width, 1, 1), (width, 7, 1), (width, 1, 7), (width, 7, 1), (192, 1, 7)])
    branch_pool = _avg_branch(x, 192)
    return layers.concatenate([branch1x1, branch7x7, branch7x7dbl, branch_pool], axis=axis, name=name)


def InceptionV3(
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: Any = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "inception_v3",
) -> Model:
    """InceptionV3 (299x299 inputs by default, at least 75x75)."""
    _builder.check_weights(
        weights,
        include_top,
        classes,
        weights_message=_builder.WEIGHTS_TICKED[:-1] + "; Received: weights={weights}",
        classes_message=_builder.CLASSES_TOP_EQ_DOUBLE,
    )
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=299, min_size=75, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights,
    )  # fmt: skip
    img_input = _builder.image_input(input_tensor, input_shape)
    axis = 1 if backend.image_data_format() == "channels_first" else 3
    valid: dict[str, Any] = {"padding": "valid"}
    valid2: dict[str, Any] = {"strides": (2, 2), "padding": "valid"}
    x = _chain(img_input, [(32, 3, 3, valid2), (32, 3, 3, valid), (64, 3, 3)])
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _chain(x, [(80, 1, 1, valid), (192, 3, 3, valid)])
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _block_35(x, 32, axis, "mixed0")
    x = _block_35(x, 64, axis, "mixed1")
    x = _block_35(x, 64, axis, "mixed2")
    branch3x3 = conv2d_bn(x, 384, 3, 3, **valid2)
    branch3x3dbl = _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3, valid2)])
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch3x3dbl, branch_pool], axis=axis, name="mixed3")
    x = _block_17(x, 128, axis, "mixed4")
    x = _block_17(x, 160, axis, "mixed5")
    x = _block_17(x, 160, axis, "mixed6")
    x = _block_17(x, 192, axis, "mixed7")
    branch3x3 = _chain(x, [(192, 1, 1), (320, 3, 3, valid2)])
    branch7x7x3 = _chain(x, [(192, 1, 1), (192, 1, 7), (192, 7, 1), (192, 3, 3, valid2)])
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch7x7x3, branch_pool], axis=axis, name="mixed8")
    for i in range(2):
        branch1x1 = conv2d_bn(x, 320, 1, 1)
        branch3x3 = conv2d_bn(x, 384, 1, 1)
        branch3x3_1 = conv2d_bn(branch3x3, 384, 1, 3)
        branch3x3_2 = conv2d_bn(branch3x3, 384, 3, 1)
        branch3x3 = layers.concatenate([branch3x3_1, branch3x3_2], axis=axis, name=f"mixed9_{i}")
        branch3x3dbl = _chain(x, [(448, 1, 1), (384, 3, 3)])
        branch3x3dbl_1 = conv2d_bn(branch3x3dbl, 384, 1, 3)
        branch3x3dbl_2 = conv2d_bn(branch3x3dbl, 384, 3, 1)
        branch3x3dbl = layers.concatenate([branch3x3dbl_1, branch3x3dbl_2], axis=axis)
        branch_pool = _avg_branch(x, 192)
        x = layers.concatenate([branch1x1, branch3x3, branch3x3dbl, branch_pool], axis=axis, name=f"mixed{9 + i}")
    x = _builder.classifier_head(
        x, include_top, pooling, classes, classifier_activation, weights, avg_name=None, max_name=None,
        top_avg_name="avg_pool",
    )  # fmt: skip
    model = _builder.make_model(img_input, input_tensor, x, name)
    if include_top:
        imagenet_file = (
            "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
            WEIGHTS_PATH,
            "9a0d58056eeedaa3f26cb7ebd46da564",
        )
    else:
        imagenet_file = (
            "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP,
            "bcbd6486424b2319ff4ef7d526e38f63",
        )  # fmt: skip
    return _builder.load_weights(model, weights, imagenet_file)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """TF preprocessing: pixels scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds: Any, top: int = 5) -> list:
    """The top ImageNet classes of each prediction (imagenet_utils.decode_predictions)."""
    return imagenet_utils.decode_predictions(preds, top=top)
