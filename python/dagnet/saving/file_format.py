"""What dagnet's Keras files (`.keras`, `.weights.h5`, legacy `.h5`) declare and need: the Keras
version they are written as, and h5py, the one optional dependency (for these files only)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

KERAS_VERSION = "3.15.1"  # the format version written; dagnet's own version goes in metadata too


def h5py() -> ModuleType:
    try:
        import h5py as module
    except ImportError as exc:
        raise ImportError("Reading and writing .h5 / .keras files needs h5py: pip install h5py") from exc
    return module


@contextlib.contextmanager
def reading(path: str, what: str = "file") -> Iterator[None]:
    """Errors HDF5 raises on a damaged file (OSError for unreadable blocks, KeyError for a missing
    or unreadable object, RuntimeError from its internals, OverflowError from h5py's file-object
    driver on absurd offsets) become one clear ValueError."""
    try:
        yield
    except FileNotFoundError:
        raise
    except (OSError, KeyError, RuntimeError, OverflowError) as exc:
        raise ValueError(
            f"{path!r}: the {what} is corrupt or not what dagnet wrote ({type(exc).__name__}: {exc})"
        ) from exc


def require_model(obj: Any, source: str) -> Any:
    """`obj` if it is a model; a config whose top entry is something else (a damaged file, or
    the config of a loss) is refused by name instead of failing later on a missing attribute."""
    if not (callable(getattr(obj, "predict", None)) and hasattr(obj, "weights")):
        raise ValueError(f"{source} does not describe a model: its config gives {type(obj).__name__}")
    return obj
