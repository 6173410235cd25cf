"""The VGG16 / VGG19 graph (one builder; the two differ only in convolutions per block)."""

from __future__ import annotations

from typing import Any

from .. import backend, layers
from ..models import Model
from . import _builder, imagenet_utils

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"


def build_vgg(
    convs_per_block: tuple[int, ...],
    family: str,
    hashes: tuple[str, str],
    include_top: bool,
    weights: Any,
    input_tensor: Any,
    input_shape: Any,
    pooling: Any,
    classes: int,
    classifier_activation: Any,
    name: str,
) -> Model:
    _builder.check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=224,
        min_size=32,
        data_format=backend.image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    img_input = _builder.image_input(input_tensor, input_shape)
    x = img_input
    for block, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), start=1):
        for conv in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{conv}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = _builder.make_model(img_input, input_tensor, x, name)
    suffix, file_hash = ("", hashes[0]) if include_top else ("_notop", hashes[1])
    file_name = f"{family}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    return _builder.load_weights(model, weights, (file_name, f"{_BASE}{family}/{file_name}", file_hash))
