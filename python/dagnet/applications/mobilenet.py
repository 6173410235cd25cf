"""``keras.applications.mobilenet``: MobileNet (Howard et al., 2017), Keras 3's graph, layer
names and weight files."""

from __future__ import annotations

import warnings
from typing import Any

from .. import backend, layers
from ..models import Model
from . import _builder, imagenet_utils

__all__ = ["MobileNet", "decode_predictions", "preprocess_input"]

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
# (pointwise filters, stride) of depthwise blocks 1..13.
_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]


def _square_default(input_shape: Any, sizes: tuple[int, ...]) -> int:
    """The weights' input size: the given rows when square and one of `sizes`, else 224."""
    if input_shape is None:
        return 224
    rows, cols = input_shape[1:3] if backend.image_data_format() == "channels_first" else input_shape[0:2]
    return rows if rows == cols and rows in sizes else 224


def MobileNet(
    input_shape: Any = None,
    alpha: float = 1.0,
    depth_multiplier: int = 1,
    dropout: float = 0.001,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    pooling: Any = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str | None = None,
) -> Model:
    """MobileNet with width multiplier `alpha` and `depth_multiplier`."""
    _builder.check_weights(
        weights, include_top, classes, weights_message=_builder.WEIGHTS_QUOTED + " Received weights={weights}"
    )
    sizes = (128, 160, 192, 224)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=_square_default(input_shape, sizes),
        min_size=32,
        data_format=backend.image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    row_axis, col_axis = (0, 1) if backend.image_data_format() == "channels_last" else (1, 2)
    rows, cols = input_shape[row_axis], input_shape[col_axis]
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError(
                "If imagenet weights are being loaded, depth multiplier must be 1.  "
                f"Received depth_multiplier={depth_multiplier}"
            )
        if alpha not in [0.25, 0.5, 0.75, 1.0]:
            raise ValueError(
                "If imagenet weights are being loaded, alpha can be one of`0.25`, `0.50`, `0.75` or `1.0` only.  "
                f"Received alpha={alpha}"
            )
        if rows != cols or rows not in sizes:
            rows = 224
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not in [128, 160, 192, 224]. "
                "Weights for input shape (224, 224) will be loaded as the default.",
                stacklevel=2,
            )
    img_input = _builder.image_input(input_tensor, input_shape)
    axis = 1 if backend.image_data_format() == "channels_first" else -1
    x = layers.Conv2D(int(32 * alpha), (3, 3), padding="same", use_bias=False, strides=(2, 2), name="conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, stride, block_id, axis)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = _builder.make_model(img_input, input_tensor, x, name or f"mobilenet_{alpha:0.2f}_{rows}")
    imagenet_file = None
    if weights == "imagenet":
        suffix = "" if include_top else "_no_top"
        model_name = f"mobilenet_{_ALPHA_TEXT.get(alpha, '2_5')}_{rows}_tf{suffix}.h5"
        imagenet_file = (model_name, BASE_WEIGHT_PATH + model_name, None)
    return _builder.load_weights(model, weights, imagenet_file)


def _depthwise_conv_block(
    inputs: Any, filters: int, alpha: float, depth_multiplier: int, stride: int, block_id: int, axis: int
) -> Any:
    x = inputs
    if stride != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D(
        (3, 3),
        padding="same" if stride == 1 else "valid",
        depth_multiplier=depth_multiplier,
        strides=(stride, stride),
        use_bias=False,
        name=f"conv_dw_{block_id}",
    )(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(
        int(filters * alpha), (1, 1), padding="same", use_bias=False, strides=(1, 1), name=f"conv_pw_{block_id}"
    )(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """TF preprocessing: pixels scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds: Any, top: int = 5) -> list:
    """The top ImageNet classes of each prediction (imagenet_utils.decode_predictions)."""
    return imagenet_utils.decode_predictions(preds, top=top)
