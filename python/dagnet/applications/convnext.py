"""``keras.applications.convnext``: ConvNeXt Tiny/Small/Base/Large/XLarge (Liu et al., 2022),
Keras 3's graphs (normalisation inside the model, Sequential stem and downsampling blocks),
layer names and weight files."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _naming, backend, initializers, layers, ops, random as dagnet_random
from ..models import Model, Sequential
from . import _builder, imagenet_utils

__all__ = [
    "ConvNeXtBase",
    "ConvNeXtLarge",
    "ConvNeXtSmall",
    "ConvNeXtTiny",
    "ConvNeXtXLarge",
    "decode_predictions",
    "preprocess_input",
]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"
WEIGHTS_HASHES = {
    "convnext_tiny": (
        "8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
        "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1",
    ),
    "convnext_small": (
        "ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
        "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab",
    ),
    "convnext_base": (
        "52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
        "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45",
    ),
    "convnext_large": (
        "070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
        "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd",
    ),
    "convnext_xlarge": (
        "c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05",
    ),
}
MODEL_CONFIGS: dict[str, dict[str, Any]] = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024], "default_size": 224},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536], "default_size": 224},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048], "default_size": 224},
}


class StochasticDepth(layers.Layer):
    """Drops the whole residual branch of a sample with probability `drop_path_rate` in
    training (and rescales the kept ones); the identity in inference."""

    def __init__(self, drop_path_rate: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate

    def call(self, x: Any, training: bool | None = None) -> Any:
        if training:
            keep_prob = 1 - self.drop_path_rate
            shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
            random_tensor = ops.floor(keep_prob + dagnet_random.uniform(shape, 0, 1))
            return x / keep_prob * random_tensor
        return x

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"drop_path_rate": self.drop_path_rate})
        return config


class LayerScale(layers.Layer):
    """x * gamma, a learned per-channel scale starting at `init_values`."""

    def __init__(self, init_values: float, projection_dim: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, _: Any) -> None:
        # Keras leaves this weight unnamed and names it from a session-wide counter ("variable",
        # "variable_1", ...); dagnet's default for an unnamed weight is per layer ("variable_0"),
        # so Keras's name is given.
        self.gamma = self.add_weight(
            shape=(self.projection_dim,),
            initializer=initializers.Constant(self.init_values),
            trainable=True,
            name=_naming.uniquify("variable"),
        )

    def call(self, x: Any) -> Any:
        return x * self.gamma

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"init_values": self.init_values, "projection_dim": self.projection_dim})
        return config


def ConvNeXtBlock(
    projection_dim: int, drop_path_rate: float = 0.0, layer_scale_init_value: float | None = 1e-6, name: str = ""
) -> Any:
    """Depthwise 7x7 convolution, layer norm, an inverted MLP, layer scale, residual."""

    def apply(inputs: Any) -> Any:
        x = layers.Conv2D(
            filters=projection_dim, kernel_size=7, padding="same", groups=projection_dim,
            name=f"{name}_depthwise_conv",
        )(inputs)  # fmt: skip
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim, name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            layer: layers.Layer = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            layer = layers.Activation("linear", name=f"{name}_identity")
        return inputs + layer(x)

    return apply


def PreStem(name: str = "") -> Any:
    """Normalises [0, 255] inputs with the ImageNet mean and deviation."""

    def apply(x: Any) -> Any:
        return layers.Normalization(
            mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
            variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
            name=f"{name}_prestem_normalization",
        )(x)

    return apply


def Head(num_classes: int = 1000, classifier_activation: Any = None, name: str = "") -> Any:
    def apply(x: Any) -> Any:
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        return layers.Dense(num_classes, activation=classifier_activation, name=f"{name}_head_dense")(x)

    return apply


def ConvNeXt(
    depths: list[int],
    projection_dims: list[int],
    drop_path_rate: float = 0.0,
    layer_scale_init_value: float = 1e-6,
    default_size: int = 224,
    name: str = "convnext",
    include_preprocessing: bool = True,
    include_top: bool = True,
    weights: Any = None,
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: Any = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    weights_name: str | None = None,
) -> Model:
    """A ConvNeXt of four stages with `depths` blocks of widths `projection_dims`."""
    if backend.image_data_format() == "channels_first":
        raise ValueError(
            "ConvNeXt does not support the `channels_first` image data format. Switch to `channels_last` by "
            "editing your local config file at ~/.keras/keras.json"
        )
    _builder.check_weights(
        weights,
        include_top,
        classes,
        weights_message=_builder.WEIGHTS_TICKED,
        classes_message=_builder.CLASSES_TOP_EQ_DOUBLE,
    )
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights,
    )  # fmt: skip
    img_input = _builder.image_input(input_tensor, input_shape)
    if input_tensor is not None:
        inputs = _builder.source_inputs(input_tensor)[0]
        x = input_tensor
    else:
        inputs = x = img_input
    if include_preprocessing and input_shape[2] == 3:
        x = PreStem(name=name)(x)
    stem = Sequential(
        [
            layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
            layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm"),
        ],
        name=f"{name}_stem",
    )
    downsample_layers = [stem]
    for i in range(3):
        downsample_layers.append(
            Sequential(
                [
                    layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
                    layers.Conv2D(
                        projection_dims[i + 1], kernel_size=2, strides=2, name=f"{name}_downsampling_conv_{i}"
                    ),
                ],
                name=f"{name}_downsampling_block_{i}",
            )
        )
    depth_drop_rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    cur = 0
    for i in range(4):
        x = downsample_layers[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(
                projection_dim=projection_dims[i], drop_path_rate=depth_drop_rates[cur + j],
                layer_scale_init_value=layer_scale_init_value, name=f"{name}_stage_{i}_block_{j}",
            )(x)  # fmt: skip
        cur += depths[i]
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = Head(num_classes=classes, classifier_activation=classifier_activation, name=name)(x)
    else:
        if pooling == "avg":
            x = layers.GlobalAveragePooling2D()(x)
        elif pooling == "max":
            x = layers.GlobalMaxPooling2D()(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    model = Model(inputs=inputs, outputs=x, name=name)
    imagenet_file = None
    if weights == "imagenet" and weights_name is not None:
        variant = weights_name.split("convnext_")[-1]
        expected = MODEL_CONFIGS[variant]
        if depths != expected["depths"] or projection_dims != expected["projection_dims"]:
            raise ValueError(
                f"Architecture configuration does not match {weights_name} variant. When using pre-trained weights, "
                "the model architecture must match the pre-trained configuration exactly. Expected depths: "
                f"{expected['depths']}, got: {depths}. Expected projection_dims: {expected['projection_dims']}, "
                f"got: {projection_dims}."
            )
        if weights_name not in name:
            raise ValueError(
                f'Model name "{name}" does not match weights variant "{weights_name}". When using imagenet weights, '
                f'model name must contain the weights variant (e.g., "convnext_{variant}").'
            )
        suffix, file_hash = (
            (".h5", WEIGHTS_HASHES[weights_name][0]) if include_top else ("_notop.h5", WEIGHTS_HASHES[weights_name][1])
        )
        file_name = name + suffix
        imagenet_file = (file_name, BASE_WEIGHTS_PATH + file_name, file_hash)
    return _builder.load_weights(model, weights, imagenet_file)


def _variant(size: str, title: str) -> Any:
    config = MODEL_CONFIGS[size]

    def builder(
        include_top: bool = True,
        include_preprocessing: bool = True,
        weights: Any = "imagenet",
        input_tensor: Any = None,
        input_shape: Any = None,
        pooling: Any = None,
        classes: int = 1000,
        classifier_activation: Any = "softmax",
        name: str = f"convnext_{size}",
    ) -> Model:
        return ConvNeXt(
            weights_name=f"convnext_{size}", depths=list(config["depths"]),
            projection_dims=list(config["projection_dims"]), drop_path_rate=0.0, layer_scale_init_value=1e-6,
            default_size=config["default_size"], name=name, include_top=include_top,
            include_preprocessing=include_preprocessing, weights=weights, input_tensor=input_tensor,
            input_shape=input_shape, pooling=pooling, classes=classes, classifier_activation=classifier_activation,
        )  # fmt: skip

    builder.__name__ = builder.__qualname__ = title
    builder.__doc__ = f"{title}; inputs in [0, 255], normalised inside the model."
    return builder


ConvNeXtTiny = _variant("tiny", "ConvNeXtTiny")
ConvNeXtSmall = _variant("small", "ConvNeXtSmall")
ConvNeXtBase = _variant("base", "ConvNeXtBase")
ConvNeXtLarge = _variant("large", "ConvNeXtLarge")
ConvNeXtXLarge = _variant("xlarge", "ConvNeXtXLarge")


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """The identity: ConvNeXt normalises its inputs itself."""
    return x


def decode_predictions(preds: Any, top: int = 5) -> list:
    """The top ImageNet classes of each prediction (imagenet_utils.decode_predictions)."""
    return imagenet_utils.decode_predictions(preds, top=top)
