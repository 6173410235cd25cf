"""What every application builder shares: the checks on `weights` and `classes`, the input
layer (from `input_shape` or `input_tensor`), the classifier head, and loading weights
(a file, or Keras's ImageNet file through `get_file`, same URLs and hashes)."""

from __future__ import annotations

import os
from typing import Any

from .. import backend, layers
from .._get_file import get_file
from ..models import Model
from . import imagenet_utils

# Keras's families word these two errors slightly differently; each family passes its own.
_WEIGHTS_TEXT = (
    "The `weights` argument should be either `None` (random initialization), {q}imagenet{q} "
    "(pre-training on ImageNet), or the path to the weights file to be loaded."
)
WEIGHTS_QUOTED = _WEIGHTS_TEXT.format(q="'")
WEIGHTS_TICKED = _WEIGHTS_TEXT.format(q="`")
CLASSES_TOP_EQ_DOUBLE = (
    'If using `weights="imagenet"` with `include_top=True`, `classes` should be 1000. Received classes={classes}'
)
CLASSES_TOP_EQ = (
    "If using `weights='imagenet'` with `include_top=True`, `classes` should be 1000.  Received classes={classes}"
)


def check_weights(
    weights: Any,
    include_top: bool,
    classes: int,
    weights_message: str = WEIGHTS_QUOTED + "  Received: weights={weights}",
    classes_message: str = CLASSES_TOP_EQ,
) -> None:
    """Keras's two argument checks: `weights` is None, "imagenet" or an existing file, and
    ImageNet weights with a classifier need 1000 classes. The messages are format strings
    over `weights` and `classes`."""
    is_file = isinstance(weights, (str, os.PathLike)) and os.path.exists(weights)
    if not (weights is None or (isinstance(weights, str) and weights == "imagenet") or is_file):
        raise ValueError(weights_message.format(weights=weights))
    if isinstance(weights, str) and weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(classes_message.format(classes=classes))


def image_input(input_tensor: Any, input_shape: tuple) -> Any:
    """The model's image input: a new Input, or `input_tensor` (wrapped when it is not symbolic)."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not backend.is_keras_tensor(input_tensor):
        return layers.Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def channel_axis() -> int:
    return 3 if backend.image_data_format() == "channels_last" else 1


def source_inputs(tensor: Any) -> list:
    """The Input tensors `tensor` was computed from (keras's operation_utils.get_source_inputs)."""
    operation, node_index, _ = tensor._keras_history
    if operation is None:
        return [tensor]
    node = operation._inbound_nodes[node_index]
    if node.is_input:
        return list(node.outputs)
    found: list = []
    for x in node.input_tensors:
        for source in source_inputs(x):
            if not any(source is seen for seen in found):
                found.append(source)
    return found


def classifier_head(
    x: Any,
    include_top: bool,
    pooling: Any,
    classes: int,
    classifier_activation: Any,
    weights: Any,
    avg_name: str | None = "avg_pool",
    max_name: str | None = "max_pool",
    top_avg_name: str | None = "",
) -> Any:
    """The common top: global average pooling then a `predictions` Dense, or the optional
    pooling of a feature extractor. The pooling layers' names vary by family (None = automatic;
    `top_avg_name` "" = the same as `avg_name`)."""
    if include_top:
        x = layers.GlobalAveragePooling2D(name=avg_name if top_avg_name == "" else top_avg_name)(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def make_model(img_input: Any, input_tensor: Any, outputs: Any, name: str) -> Model:
    inputs = source_inputs(input_tensor) if input_tensor is not None else img_input
    return Model(inputs, outputs, name=name)


def download_weights(file_name: str, url: str, file_hash: str | None) -> str:
    """Keras's pretrained weight file from `url` into ``~/.keras/models``; an OSError that names
    the file and where to put it by hand when it cannot be downloaded."""
    return get_file(file_name, url, cache_subdir="models", file_hash=file_hash)


def load_weights(model: Model, weights: Any, imagenet_file: tuple[str, str, str | None] | None) -> Model:
    """`weights` into `model`: the ImageNet file (name, URL, hash) for "imagenet", else a path."""
    if weights == "imagenet":
        if imagenet_file is not None:
            model.load_weights(download_weights(*imagenet_file))
    elif weights is not None:
        model.load_weights(weights)
    return model
