"""Keras 3's saving API: whole models (`.keras`, or the legacy `.h5`) and weights
(`.weights.h5` in Keras 3's layout, `.h5` in tf.keras's). `Model.save`, `save_weights` and
`load_weights` and `dagnet.models.load_model` are these functions."""

from __future__ import annotations

import os
import warnings
from typing import Any

from . import weights_h5
from .atomic import atomic_path
from .file_format import h5py
from .keras_file import load_model as load_keras_file, load_weights_from_archive, save_model as save_keras_file
from .legacy_h5 import load_model_h5, save_legacy_weights, save_model_h5


def save_model(
    model: Any,
    filepath: str | os.PathLike[str],
    overwrite: bool = True,
    zipped: Any = None,
    include_optimizer: bool = True,
    **kwargs: Any,
) -> None:
    """Saves architecture, weights and (by default) optimizer state to a `.keras` file."""
    filepath = os.fspath(filepath)
    if filepath.endswith((".h5", ".hdf5")):  # Keras 3 still writes the legacy whole-model HDF5
        warnings.warn(
            "You are saving your model as an HDF5 file via `model.save()`. This file format is "
            "considered legacy. We recommend using instead the native Keras format, e.g. "
            "`model.save('my_model.keras')`."
        )
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{filepath} exists and overwrite=False")
        save_model_h5(model, filepath, include_optimizer=include_optimizer)
        return
    if not filepath.endswith(".keras"):
        raise ValueError(
            f"Invalid filepath extension for saving. Please add the `.keras` extension to the "
            f"filepath. Received: filepath={filepath}"
        )
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False")
    save_keras_file(model, filepath, include_optimizer=include_optimizer)


def load_model(
    filepath: str | os.PathLike[str],
    custom_objects: dict[str, Any] | None = None,
    compile: bool = True,
    safe_mode: bool = True,
) -> Any:
    """A model saved with `model.save(path)` (`.keras`, Keras 3's format; Keras's files too).

    `safe_mode` (default True, as Keras 3): refuse to rebuild Python lambdas from the bytecode a
    file carries; pass False only for files you trust (dagnet still checks the bytecode first)."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath}")
    if filepath.endswith((".h5", ".hdf5")):
        return load_model_h5(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
    if not filepath.endswith(".keras"):
        raise ValueError(
            f"File format not supported: filepath={filepath}. dagnet loads `.keras` files (and legacy `.h5` ones)."
        )
    return load_keras_file(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_weights(model: Any, filepath: str | os.PathLike[str], overwrite: bool = True) -> None:
    """`.weights.h5`: Keras 3's layout; `.h5`: tf.keras's layout."""
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False")
    if filepath.endswith(".weights.h5"):
        weights_h5.save_weights(model, filepath)
    elif filepath.endswith(".h5"):
        with atomic_path(filepath) as tmp, h5py().File(tmp, "w") as f:
            save_legacy_weights(model, f)
    else:
        raise ValueError(
            f"The filename must end in `.weights.h5` (or `.h5` for the tf.keras layout). Received: filepath={filepath}"
        )


def load_weights(model: Any, filepath: str | os.PathLike[str], skip_mismatch: bool = False, **kwargs: Any) -> None:
    """Weights from `.weights.h5`, a tf.keras `.h5`, or the weights of a `.keras` archive."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath}")
    if filepath.endswith(".keras"):
        load_weights_from_archive(model, filepath)
    else:
        weights_h5.load_weights(model, filepath)
