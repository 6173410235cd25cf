"""Keras 3's `keras.saving`: model and weight files (this package), configs and the registration
of custom objects (re-exported from dagnet.serialization)."""

from ..serialization.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from ..serialization.serialization_lib import deserialize_keras_object, serialize_keras_object
from .saving_api import load_model, load_weights, save_model, save_weights

__all__ = [
    "register_keras_serializable",
    "get_registered_object",
    "get_registered_name",
    "custom_object_scope",
    "CustomObjectScope",
    "get_custom_objects",
    "serialize_keras_object",
    "deserialize_keras_object",
    "save_model",
    "load_model",
    "save_weights",
    "load_weights",
]
