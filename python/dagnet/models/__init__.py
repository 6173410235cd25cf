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


def clone_model(model, input_tensors=None, clone_function=None, **kwargs):
    """The same architecture with new layers and freshly initialised weights (as Keras)."""
    if input_tensors is not None or clone_function is not None or kwargs:
        raise ValueError("clone_model supports the plain form clone_model(model) for now")
    config = model.get_config()
    return type(model).from_config(config)


__all__ = ["Model", "Functional", "Sequential", "model_from_json", "model_from_config", "clone_model"]
