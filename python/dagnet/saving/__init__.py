"""Keras 3's `keras.saving`: configs, JSON, registration of custom objects, model files."""
from .object_registration import (CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
                                  get_registered_object, register_keras_serializable)
from .serialization_lib import deserialize_keras_object, serialize_keras_object


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """`model.save(filepath)` (`.keras`, or legacy `.h5`)."""
    return model.save(filepath, overwrite=overwrite, **kwargs)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    from ..models import load_model as _load

    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_weights(model, filepath, overwrite=True, **kwargs):
    return model.save_weights(filepath, overwrite=overwrite, **kwargs)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    return model.load_weights(filepath, skip_mismatch=skip_mismatch, **kwargs)


__all__ = ["register_keras_serializable", "get_registered_object", "get_registered_name", "custom_object_scope",
           "CustomObjectScope", "get_custom_objects", "serialize_keras_object", "deserialize_keras_object",
           "save_model", "load_model", "save_weights", "load_weights"]
