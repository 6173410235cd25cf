"""What dagnet's Keras files (`.keras`, `.weights.h5`, legacy `.h5`) declare and need: the Keras
version they are written as, and h5py, the one optional dependency (for these files only)."""

from __future__ import annotations

from types import ModuleType

KERAS_VERSION = "3.15.1"  # the format version written; dagnet's own version goes in metadata too


def h5py() -> ModuleType:
    try:
        import h5py as module
    except ImportError as exc:
        raise ImportError("Reading and writing .h5 / .keras files needs h5py: pip install h5py") from exc
    return module
