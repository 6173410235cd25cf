"""The `.keras` archive (Keras 3): a zip holding metadata.json, config.json (the model's
config plus its compile config) and model.weights.h5 (weights and, optionally, the
optimizer's state). Writes are atomic."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from typing import Any

from .._info import info
from ..serialization.serialization_lib import deserialize_keras_object, serialize_keras_object
from .atomic import atomic_path
from .file_format import KERAS_VERSION, h5py as _h5py
from .optimizer_state import from_keras
from .weights_h5 import read_h5, write_h5


def save_model(model: Any, path: str, include_optimizer: bool = True) -> None:
    config = serialize_keras_object(model)  # with its build_config and compile_config, as Keras 3 writes
    compile_config = config.get("compile_config")
    metadata = {
        "keras_version": KERAS_VERSION,
        "dagnet_version": info()["version"],
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    weights = io.BytesIO()
    h5py = _h5py()
    with h5py.File(weights, "w") as f:
        write_h5(model, f, model._optimizer_state() if include_optimizer and compile_config else None)
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w") as archive:
            archive.writestr("metadata.json", json.dumps(metadata))
            archive.writestr("config.json", json.dumps(config))
            archive.writestr("model.weights.h5", weights.getvalue())


def _open_archive(path: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path, "r")
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError(f"{path!r} is not a valid .keras file (truncated or corrupt): {exc}") from exc
    missing = {"config.json", "model.weights.h5"} - set(archive.namelist())
    if missing:
        raise ValueError(f"{path!r} is not a valid .keras file: it lacks {sorted(missing)}")
    return archive


def load_model(
    path: str, custom_objects: dict[str, Any] | None = None, compile: bool = True, safe_mode: bool = True
) -> Any:
    with _open_archive(path) as archive:
        try:
            config = json.loads(archive.read("config.json"))
            weights = archive.read("model.weights.h5")
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise ValueError(f"{path!r} is corrupt: {exc}") from exc
    compile_config = config.pop("compile_config", None)
    model = deserialize_keras_object(config, custom_objects)
    h5py = _h5py()
    with h5py.File(io.BytesIO(weights), "r") as f:
        optimizer_state = read_h5(model, f)
    if compile and compile_config:
        model.compile_from_config(compile_config)
        if optimizer_state is not None:
            model._pending_optimizer_state = from_keras(model, optimizer_state)
            model.optimizer._restored_iterations = int(model._pending_optimizer_state[0])
    return model


def load_weights_from_archive(model: Any, path: str) -> None:
    with _open_archive(path) as archive:
        weights = archive.read("model.weights.h5")
    with _h5py().File(io.BytesIO(weights), "r") as f:
        read_h5(model, f)
