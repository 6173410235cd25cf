"""dagnet: the Keras functional API on a native C++17/CUDA engine.

The engine lives in ``dagnet._engine`` (bindings only); ``dagnet.engine`` is the thin
Python entry to the native graph, and the Keras-compatible front end builds on it.
"""
from . import _engine
from ._info import info, devices

__version__ = _engine.info()["version"]

__all__ = ["info", "devices", "__version__"]
