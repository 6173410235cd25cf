"""Models: ``Model`` (functional and subclassed), ``Sequential``."""
from .functional import Functional, Model
from .sequential import Sequential


def model_from_json(json_string: str, custom_objects=None):
    """A model (new weights) from the JSON of `model.to_json()` (Keras 3's format)."""
    import json

    from ..saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(json.loads(json_string), custom_objects)


def model_from_config(config: dict, custom_objects=None):
    from ..saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects)


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs):
    """Keras 3's clone_model: the same architecture with new layers (fresh weights unless
    `clone_function` says otherwise), on new inputs or on `input_tensors`."""
    from .cloning import clone_model as _clone

    return _clone(model, input_tensors=input_tensors, clone_function=clone_function, call_function=call_function,
                  recursive=recursive, **kwargs)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model saved with `model.save(path)` (`.keras`, Keras 3's format; Keras's files too)."""
    from ..saving import saving_api

    return saving_api.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, **kwargs):
    """`model.save(filepath)`, as keras.models.save_model."""
    return model.save(filepath, overwrite=overwrite, **kwargs)


__all__ = ["Model", "Functional", "Sequential", "model_from_json", "model_from_config", "clone_model",
           "load_model", "save_model"]
