"""``keras.applications.efficientnet_v2``: EfficientNetV2 B0-B3, S, M, L (Tan & Le, 2021),
Keras 3's graphs (preprocessing inside the model), layer names, initializers and weight files."""

from __future__ import annotations

import copy
import math
from typing import Any

from .. import backend, initializers, layers
from ..models import Model
from . import _builder, imagenet_utils
from .efficientnet import CONV_KERNEL_INITIALIZER, DENSE_KERNEL_INITIALIZER

__all__ = [
    "EfficientNetV2B0",
    "EfficientNetV2B1",
    "EfficientNetV2B2",
    "EfficientNetV2B3",
    "EfficientNetV2L",
    "EfficientNetV2M",
    "EfficientNetV2S",
    "decode_predictions",
    "preprocess_input",
]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/"
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}

_KEYS = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio", "se_ratio", "strides",
         "conv_type")  # fmt: skip


def _table(rows: list[tuple]) -> list[dict]:
    return [dict(zip(_KEYS, row)) for row in rows]


# Rows: kernel, repeats, in, out, expansion, squeeze-excite ratio, stride, conv type (1 = fused).
_B_SERIES = _table([
    (3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
    (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0), (3, 8, 112, 192, 6, 0.25, 2, 0),
])  # fmt: skip
DEFAULT_BLOCKS_ARGS = {
    "efficientnetv2-s": _table([
        (3, 2, 24, 24, 1, 0.0, 1, 1), (3, 4, 24, 48, 4, 0.0, 2, 1), (3, 4, 48, 64, 4, 0, 2, 1),
        (3, 6, 64, 128, 4, 0.25, 2, 0), (3, 9, 128, 160, 6, 0.25, 1, 0), (3, 15, 160, 256, 6, 0.25, 2, 0),
    ]),
    "efficientnetv2-m": _table([
        (3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1), (3, 5, 48, 80, 4, 0, 2, 1),
        (3, 7, 80, 160, 4, 0.25, 2, 0), (3, 14, 160, 176, 6, 0.25, 1, 0), (3, 18, 176, 304, 6, 0.25, 2, 0),
        (3, 5, 304, 512, 6, 0.25, 1, 0),
    ]),
    "efficientnetv2-l": _table([
        (3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1), (3, 7, 64, 96, 4, 0, 2, 1),
        (3, 10, 96, 192, 4, 0.25, 2, 0), (3, 19, 192, 224, 6, 0.25, 1, 0), (3, 25, 224, 384, 6, 0.25, 2, 0),
        (3, 7, 384, 640, 6, 0.25, 1, 0),
    ]),
    "efficientnetv2-b0": _B_SERIES,
    "efficientnetv2-b1": _B_SERIES,
    "efficientnetv2-b2": _B_SERIES,
    "efficientnetv2-b3": _B_SERIES,
}  # fmt: skip


def round_filters(filters: float, width_coefficient: float, min_depth: int, depth_divisor: int) -> int:
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    return int(max(minimum_depth, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats: int, depth_coefficient: float) -> int:
    return int(math.ceil(depth_coefficient * repeats))


def _squeeze_excite(x: Any, input_filters: int, filters: int, se_ratio: float, activation: Any, name: str) -> Any:
    bn_axis = _builder.channel_axis()
    filters_se = max(1, int(input_filters * se_ratio))
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se = layers.Reshape((filters, 1, 1) if bn_axis == 1 else (1, 1, filters), name=f"{name}se_reshape")(se)
    se = layers.Conv2D(
        filters_se, 1, padding="same", activation=activation, kernel_initializer=CONV_KERNEL_INITIALIZER,
        name=f"{name}se_reduce",
    )(se)  # fmt: skip
    se = layers.Conv2D(
        filters, 1, padding="same", activation="sigmoid", kernel_initializer=CONV_KERNEL_INITIALIZER,
        name=f"{name}se_expand",
    )(se)  # fmt: skip
    return layers.multiply([x, se], name=f"{name}se_excite")


def _residual(
    x: Any, inputs: Any, strides: int, input_filters: int, output_filters: int, rate: float, name: str
) -> Any:
    if strides == 1 and input_filters == output_filters:
        if rate:
            x = layers.Dropout(rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def MBConvBlock(
    input_filters: int, output_filters: int, expand_ratio: int = 1, kernel_size: int = 3, strides: int = 1,
    se_ratio: float = 0.0, bn_momentum: float = 0.9, activation: Any = "swish", survival_probability: float = 0.8,
    name: str = "",
) -> Any:  # fmt: skip
    """An inverted residual block: 1x1 expansion, depthwise convolution, squeeze-excite, 1x1 projection."""
    bn_axis = _builder.channel_axis()
    data_format = backend.image_data_format()

    def apply(inputs: Any) -> Any:
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = layers.Conv2D(
                filters=filters, kernel_size=1, strides=1, kernel_initializer=CONV_KERNEL_INITIALIZER,
                padding="same", data_format=data_format, use_bias=False, name=f"{name}expand_conv",
            )(x)  # fmt: skip
            x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name=f"{name}expand_bn")(x)
            x = layers.Activation(activation, name=f"{name}expand_activation")(x)
        x = layers.DepthwiseConv2D(
            kernel_size=kernel_size, strides=strides, depthwise_initializer=CONV_KERNEL_INITIALIZER,
            padding="same", data_format=data_format, use_bias=False, name=f"{name}dwconv2",
        )(x)  # fmt: skip
        x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name=f"{name}bn")(x)
        x = layers.Activation(activation, name=f"{name}activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, input_filters, filters, se_ratio, activation, name)
        x = layers.Conv2D(
            filters=output_filters, kernel_size=1, strides=1, kernel_initializer=CONV_KERNEL_INITIALIZER,
            padding="same", data_format=data_format, use_bias=False, name=f"{name}project_conv",
        )(x)  # fmt: skip
        x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name=f"{name}project_bn")(x)
        return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)

    return apply


def FusedMBConvBlock(
    input_filters: int, output_filters: int, expand_ratio: int = 1, kernel_size: int = 3, strides: int = 1,
    se_ratio: float = 0.0, bn_momentum: float = 0.9, activation: Any = "swish", survival_probability: float = 0.8,
    name: str = "",
) -> Any:  # fmt: skip
    """A fused block: one full kxk expansion convolution in place of the 1x1 + depthwise pair."""
    bn_axis = _builder.channel_axis()
    data_format = backend.image_data_format()

    def apply(inputs: Any) -> Any:
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = layers.Conv2D(
                filters, kernel_size=kernel_size, strides=strides, kernel_initializer=CONV_KERNEL_INITIALIZER,
                data_format=data_format, padding="same", use_bias=False, name=f"{name}expand_conv",
            )(x)  # fmt: skip
            x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name=f"{name}expand_bn")(x)
            x = layers.Activation(activation=activation, name=f"{name}expand_activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, input_filters, filters, se_ratio, activation, name)
        x = layers.Conv2D(
            output_filters, kernel_size=1 if expand_ratio != 1 else kernel_size,
            strides=1 if expand_ratio != 1 else strides, kernel_initializer=CONV_KERNEL_INITIALIZER,
            padding="same", use_bias=False, name=f"{name}project_conv",
        )(x)  # fmt: skip
        x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name=f"{name}project_bn")(x)
        if expand_ratio == 1:
            x = layers.Activation(activation=activation, name=f"{name}project_activation")(x)
        return _residual(x, inputs, strides, input_filters, output_filters, survival_probability, name)

    return apply


def EfficientNetV2(
    width_coefficient: float,
    depth_coefficient: float,
    default_size: int,
    dropout_rate: float = 0.2,
    drop_connect_rate: float = 0.2,
    depth_divisor: int = 8,
    min_depth: int = 8,
    bn_momentum: float = 0.9,
    activation: Any = "swish",
    blocks_args: Any = "default",
    name: str = "efficientnetv2",
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: Any = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    include_preprocessing: bool = True,
    weights_name: str | None = None,
    variant: str | None = None,
) -> Model:
    """An EfficientNetV2; `variant` (e.g. "efficientnetv2-s") picks the block table and the
    preprocessing, which Keras reads from `name` (so a renamed model keeps its architecture)."""
    variant = variant or name
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS[variant]
    _builder.check_weights(
        weights,
        include_top,
        classes,
        weights_message=_builder.WEIGHTS_TICKED + "Received: weights={weights}",
        classes_message='If using `weights="imagenet"` with `include_top` as true, `classes` should be 1000',
    )
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights,
    )  # fmt: skip
    img_input = _builder.image_input(input_tensor, input_shape)
    bn_axis = _builder.channel_axis()
    x = img_input
    if include_preprocessing:
        num_channels = input_shape[bn_axis - 1]
        if variant.split("-")[-1].startswith("b") and num_channels == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            mean = [0.485, 0.456, 0.406]
            variance = [0.229**2, 0.224**2, 0.225**2]
            x = layers.Normalization(mean=mean, variance=variance, axis=bn_axis)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)

    def rounded(filters: float) -> int:
        return round_filters(filters, width_coefficient, min_depth, depth_divisor)

    x = layers.Conv2D(
        filters=rounded(blocks_args[0]["input_filters"]), kernel_size=3, strides=2,
        kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same", use_bias=False, name="stem_conv",
    )(x)  # fmt: skip
    x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)
    blocks_args = copy.deepcopy(blocks_args)
    b = 0
    blocks = float(sum(args["num_repeat"] for args in blocks_args))
    for i, args in enumerate(blocks_args):
        if args["num_repeat"] <= 0:
            raise ValueError(
                f"The number of repeats in `EfficientNetV2` must be > 0. Received: num_repeat={args['num_repeat']}"
            )
        args["input_filters"] = rounded(args["input_filters"])
        args["output_filters"] = rounded(args["output_filters"])
        block = {0: MBConvBlock, 1: FusedMBConvBlock}[args.pop("conv_type")]
        for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = block(
                activation=activation, bn_momentum=bn_momentum, survival_probability=drop_connect_rate * b / blocks,
                name=f"block{i + 1}{chr(j + 97)}_", **args,
            )(x)  # fmt: skip
            b += 1
    x = layers.Conv2D(
        filters=rounded(1280), kernel_size=1, strides=1, kernel_initializer=CONV_KERNEL_INITIALIZER,
        padding="same", data_format=backend.image_data_format(), use_bias=False, name="top_conv",
    )(x)  # fmt: skip
    x = layers.BatchNormalization(axis=bn_axis, momentum=bn_momentum, name="top_bn")(x)
    x = layers.Activation(activation=activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(
            classes, activation=classifier_activation, kernel_initializer=DENSE_KERNEL_INITIALIZER,
            bias_initializer=initializers.Constant(0.0), name="predictions",
        )(x)  # fmt: skip
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    model = _builder.make_model(img_input, input_tensor, x, name)
    imagenet_file = None
    if weights == "imagenet" and weights_name is not None:
        suffix, file_hash = (
            (".h5", WEIGHTS_HASHES[weights_name][0]) if include_top else ("_notop.h5", WEIGHTS_HASHES[weights_name][1])
        )
        file_name = name + suffix  # Keras names the file after the model's `name`
        imagenet_file = (file_name, BASE_WEIGHTS_PATH + file_name, file_hash)
    return _builder.load_weights(model, weights, imagenet_file)


def _variant(width: float, depth: float, size: int, weights_name: str, title: str) -> Any:
    variant = f"efficientnetv2-{weights_name.lstrip('-')}"

    def builder(
        include_top: bool = True,
        weights: Any = "imagenet",
        input_tensor: Any = None,
        input_shape: Any = None,
        pooling: Any = None,
        classes: int = 1000,
        classifier_activation: Any = "softmax",
        include_preprocessing: bool = True,
        name: str = variant,
    ) -> Model:
        return EfficientNetV2(
            width_coefficient=width, depth_coefficient=depth, default_size=size, name=name,
            include_top=include_top, weights=weights, input_tensor=input_tensor, input_shape=input_shape,
            pooling=pooling, classes=classes, classifier_activation=classifier_activation,
            include_preprocessing=include_preprocessing, weights_name=weights_name, variant=variant,
        )  # fmt: skip

    builder.__name__ = builder.__qualname__ = title
    builder.__doc__ = f"{title} ({size}x{size} inputs); inputs in [0, 255], preprocessed inside the model."
    return builder


EfficientNetV2B0 = _variant(1.0, 1.0, 224, "b0", "EfficientNetV2B0")
EfficientNetV2B1 = _variant(1.0, 1.1, 240, "b1", "EfficientNetV2B1")
EfficientNetV2B2 = _variant(1.1, 1.2, 260, "b2", "EfficientNetV2B2")
EfficientNetV2B3 = _variant(1.2, 1.4, 300, "b3", "EfficientNetV2B3")
EfficientNetV2S = _variant(1.0, 1.0, 384, "-s", "EfficientNetV2S")
EfficientNetV2M = _variant(1.0, 1.0, 480, "-m", "EfficientNetV2M")
EfficientNetV2L = _variant(1.0, 1.0, 480, "-l", "EfficientNetV2L")


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """The identity: EfficientNetV2 preprocesses its inputs itself."""
    return x


def decode_predictions(preds: Any, top: int = 5) -> list:
    """The top ImageNet classes of each prediction (imagenet_utils.decode_predictions)."""
    return imagenet_utils.decode_predictions(preds, top=top)
