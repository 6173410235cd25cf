"""Models: ``Model`` (functional and subclassed), ``Sequential``."""
from .functional import Functional, Model
from .sequential import Sequential

__all__ = ["Model", "Functional", "Sequential"]
