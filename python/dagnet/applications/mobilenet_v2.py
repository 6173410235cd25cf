"""``keras.applications.mobilenet_v2``: MobileNetV2 (Sandler et al., 2018), Keras 3's graph,
layer names and weight files."""

from __future__ import annotations

import warnings
from typing import Any

from .. import backend, layers
from ..models import Model
from . import _builder, imagenet_utils

__all__ = ["MobileNetV2", "decode_predictions", "preprocess_input"]

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
_SIZES = (96, 128, 160, 192, 224)
# (filters, stride, expansion) of inverted residual blocks 0..16.
_BLOCKS = (
    [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6)]
    + [(64, 1, 6)] * 3
    + [(96, 1, 6)] * 3
    + [(160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6)]
)


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """`v` rounded to a multiple of `divisor`, never more than 10% below it."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _default_size(input_shape: Any, input_tensor: Any) -> int:
    """The weights' input size Keras picks: from `input_shape`, else a symbolic
    `input_tensor`'s, when square and one of the trained sizes; else 224."""
    channels_first = backend.image_data_format() == "channels_first"
    if input_shape is None and input_tensor is not None and backend.is_keras_tensor(input_tensor):
        rows, cols = input_tensor.shape[2:4] if channels_first else input_tensor.shape[1:3]
    elif input_shape is None:
        return 224
    else:
        rows, cols = input_shape[1:3] if channels_first else input_shape[0:2]
    return rows if rows == cols and rows in _SIZES else 224


def _check_input_tensor(input_shape: Any, input_tensor: Any) -> None:
    if input_shape is None or input_tensor is None:
        return
    if not backend.is_keras_tensor(input_tensor):
        raise ValueError(f"input_tensor is not a Keras tensor; Received `input_tensor={input_tensor}`")
    if backend.image_data_format() == "channels_first":
        if input_tensor.shape[1] != input_shape[1]:
            raise ValueError(
                "input_shape[1] must equal shape(input_tensor)[1] when `image_data_format` is `channels_first`; "
                f"Received `input_tensor.shape={input_tensor.shape}`, `input_shape={input_shape}`"
            )
    elif input_tensor.shape[2] != input_shape[1]:
        raise ValueError(
            "input_tensor.shape[2] must equal input_shape[1]; "
            f"Received `input_tensor.shape={input_tensor.shape}`, `input_shape={input_shape}`"
        )


def MobileNetV2(
    input_shape: Any = None,
    alpha: float = 1.0,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    pooling: Any = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str | None = None,
) -> Model:
    """MobileNetV2 with width multiplier `alpha`."""
    _builder.check_weights(
        weights,
        include_top,
        classes,
        weights_message=_builder.WEIGHTS_TICKED + "  Received `weights={weights}`",
        classes_message=(
            'If using `weights="imagenet"` with `include_top` as true, `classes` should be 1000. '
            "Received `classes={classes}`"
        ),
    )
    _check_input_tensor(input_shape, input_tensor)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=_default_size(input_shape, input_tensor),
        min_size=32,
        data_format=backend.image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    row_axis, col_axis = (0, 1) if backend.image_data_format() == "channels_last" else (1, 2)
    rows, cols = input_shape[row_axis], input_shape[col_axis]
    if weights == "imagenet":
        if alpha not in [0.35, 0.5, 0.75, 1.0, 1.3, 1.4]:
            raise ValueError(
                "If imagenet weights are being loaded, alpha must be one of `0.35`, `0.50`, `0.75`, `1.0`, `1.3` "
                f"or `1.4` only; Received `alpha={alpha}`"
            )
        if rows != cols or rows not in _SIZES:
            rows = 224
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not in [96, 128, 160, 192, 224]. "
                "Weights for input shape (224, 224) will be loaded as the default.",
                stacklevel=2,
            )
    img_input = _builder.image_input(input_tensor, input_shape)
    axis = 1 if backend.image_data_format() == "channels_first" else -1
    x = layers.Conv2D(
        _make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="Conv1"
    )(img_input)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id, axis)
    last_block_filters = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_block_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    x = _builder.classifier_head(
        x, include_top, pooling, classes, classifier_activation, weights, avg_name=None, max_name=None
    )
    model = _builder.make_model(img_input, input_tensor, x, name or f"mobilenetv2_{alpha:0.2f}_{rows}")
    imagenet_file = None
    if weights == "imagenet":
        suffix = "" if include_top else "_no_top"
        model_name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{suffix}.h5"
        imagenet_file = (model_name, BASE_WEIGHT_PATH + model_name, None)
    return _builder.load_weights(model, weights, imagenet_file)


def _inverted_res_block(
    inputs: Any, expansion: int, stride: int, alpha: float, filters: int, block_id: int, axis: int
) -> Any:
    in_channels = inputs.shape[axis]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(
            expansion * in_channels,
            kernel_size=1,
            padding="same",
            use_bias=False,
            activation=None,
            name=f"{prefix}expand",
        )(x)
        x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(
        kernel_size=3,
        strides=stride,
        activation=None,
        use_bias=False,
        padding="same" if stride == 1 else "valid",
        name=f"{prefix}depthwise",
    )(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(
        pointwise_filters, kernel_size=1, padding="same", use_bias=False, activation=None, name=f"{prefix}project"
    )(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """TF preprocessing: pixels scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds: Any, top: int = 5) -> list:
    """The top ImageNet classes of each prediction (imagenet_utils.decode_predictions)."""
    return imagenet_utils.decode_predictions(preds, top=top)
