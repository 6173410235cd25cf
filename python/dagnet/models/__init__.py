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


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model saved with `model.save(path)` (`.keras`, Keras 3's format; Keras's files too)."""
    import os

    from ..saving.keras_file import load_model as _load

    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath}")
    if filepath.endswith((".h5", ".hdf5")):
        from ..saving.legacy_h5 import load_model_h5

        return load_model_h5(filepath, custom_objects=custom_objects, compile=compile)
    if not filepath.endswith(".keras"):
        raise ValueError(f"File format not supported: filepath={filepath}. dagnet loads `.keras` files (and "
                         "legacy `.h5` ones).")
    return _load(filepath, custom_objects=custom_objects, compile=compile)


__all__ = ["Model", "Functional", "Sequential", "model_from_json", "model_from_config", "clone_model",
           "load_model"]
