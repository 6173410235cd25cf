"""Keras 3 serialization: configs, JSON, registration of custom objects."""
from .object_registration import custom_object_scope, get_registered_object, register_keras_serializable
from .serialization_lib import deserialize_keras_object, serialize_keras_object

__all__ = ["register_keras_serializable", "get_registered_object", "custom_object_scope",
           "serialize_keras_object", "deserialize_keras_object"]
