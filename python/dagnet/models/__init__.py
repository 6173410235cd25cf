"""Models: ``Model`` (functional and subclassed), ``Sequential``, and Keras's model functions."""

from ..saving.saving_api import load_model, save_model
from .cloning import clone_model
from .functional import Functional, Model
from .model_config import model_from_config, model_from_json
from .sequential import Sequential

__all__ = [
    "Model",
    "Functional",
    "Sequential",
    "model_from_json",
    "model_from_config",
    "clone_model",
    "load_model",
    "save_model",
]
