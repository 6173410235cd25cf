"""``keras.applications.densenet``: DenseNet121/169/201 (Huang et al., 2017), Keras 3's graphs,
layer names and weight files."""

from __future__ import annotations

from typing import Any

from .. import backend, layers
from ..models import Model
from . import _builder, imagenet_utils

__all__ = ["DenseNet121", "DenseNet169", "DenseNet201", "decode_predictions", "preprocess_input"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
# blocks -> (family, hash with top, hash without)
_WEIGHTS: dict[tuple[int, ...], tuple[str, str, str]] = {
    (6, 12, 24, 16): ("densenet121", "9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    (6, 12, 32, 32): ("densenet169", "d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    (6, 12, 48, 32): ("densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
}
_EPS = 1.001e-5


def dense_block(x: Any, blocks: int, name: str) -> Any:
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x: Any, reduction: float, name: str) -> Any:
    bn_axis = _builder.channel_axis()
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_EPS, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[bn_axis] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def conv_block(x: Any, growth_rate: int, name: str) -> Any:
    bn_axis = _builder.channel_axis()
    x1 = layers.BatchNormalization(axis=bn_axis, epsilon=_EPS, name=f"{name}_0_bn")(x)
    x1 = layers.Activation("relu", name=f"{name}_0_relu")(x1)
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(x1)
    x1 = layers.BatchNormalization(axis=bn_axis, epsilon=_EPS, name=f"{name}_1_bn")(x1)
    x1 = layers.Activation("relu", name=f"{name}_1_relu")(x1)
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(x1)
    return layers.Concatenate(axis=bn_axis, name=f"{name}_concat")([x, x1])


def DenseNet(
    blocks: list[int],
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: Any = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
    name: str = "densenet",
) -> Model:
    """A DenseNet with `blocks` conv blocks in each of its four dense blocks."""
    if backend.image_data_format() == "channels_first":
        raise ValueError(
            "DenseNet does not support the `channels_first` image data format. Switch to `channels_last` by "
            "editing your local config file at ~/.keras/keras.json"
        )
    _builder.check_weights(
        weights,
        include_top,
        classes,
        weights_message=_builder.WEIGHTS_TICKED,
        classes_message='If using `weights` as `"imagenet"` with `include_top` as true, `classes` should be 1000',
    )
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights,
    )  # fmt: skip
    img_input = _builder.image_input(input_tensor, input_shape)
    bn_axis = _builder.channel_axis()
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_EPS, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, count in enumerate(blocks, start=2):
        x = dense_block(x, count, name=f"conv{stage}")
        if stage < 5:
            x = transition_block(x, 0.5, name=f"pool{stage}")
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_EPS, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = _builder.classifier_head(x, include_top, pooling, classes, classifier_activation, weights)
    model = _builder.make_model(img_input, input_tensor, x, name)
    imagenet_file = None
    if weights == "imagenet":
        if tuple(blocks) not in _WEIGHTS:
            raise ValueError("weights_path undefined")
        family, top_hash, notop_hash = _WEIGHTS[tuple(blocks)]
        suffix, file_hash = ("", top_hash) if include_top else ("_notop", notop_hash)
        file_name = f"{family}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
        imagenet_file = (file_name, BASE_WEIGHTS_PATH + file_name, file_hash)
    return _builder.load_weights(model, weights, imagenet_file)


def DenseNet121(
    include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
    pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax", name: str = "densenet121",
) -> Model:  # fmt: skip
    """DenseNet121 (dense blocks of 6, 12, 24, 16)."""
    return DenseNet(
        [6, 12, 24, 16], include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name
    )


def DenseNet169(
    include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
    pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax", name: str = "densenet169",
) -> Model:  # fmt: skip
    """DenseNet169 (dense blocks of 6, 12, 32, 32)."""
    return DenseNet(
        [6, 12, 32, 32], include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name
    )


def DenseNet201(
    include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
    pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax", name: str = "densenet201",
) -> Model:  # fmt: skip
    """DenseNet201 (dense blocks of 6, 12, 48, 32)."""
    return DenseNet(
        [6, 12, 48, 32], include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name
    )


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """Torch preprocessing: pixels scaled to [0, 1], then each channel normalised with the
    ImageNet mean and deviation."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


def decode_predictions(preds: Any, top: int = 5) -> list:
    """The top ImageNet classes of each prediction (imagenet_utils.decode_predictions)."""
    return imagenet_utils.decode_predictions(preds, top=top)
