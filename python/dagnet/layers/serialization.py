"""keras.layers.serialize / keras.layers.deserialize: a layer's Keras 3 config dict
({"module", "class_name", "config", "registered_name", "build_config"?}) and back, through the
same serialization_lib the .keras format uses (so nested layers, initializers and custom
objects resolve as they do when loading a model)."""

from __future__ import annotations

from typing import Any

from ..serialization.serialization_lib import deserialize_keras_object, serialize_keras_object
from .layer import Layer


def serialize(layer: Any) -> Any:
    """Returns the layer configuration as a Python dict."""
    return serialize_keras_object(layer)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Layer:
    """Returns a layer made from its configuration (custom_objects: names of custom classes)."""
    obj = deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(obj, Layer):
        raise ValueError(
            f"`keras.layers.deserialize` was passed a `config` object that is not a `keras.layers.Layer`. "
            f"Received: {config}"
        )
    return obj
