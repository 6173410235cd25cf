"""The `.keras` archive (Keras 3): a zip holding metadata.json, config.json (the model's
config plus its compile config), model.weights.h5 (weights and, optionally, the
optimizer's state) and assets/ (files layers save, such as vocabularies). Writes are atomic."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from typing import Any

from .._info import info
from ..serialization.safe_mode import in_safe_mode, safe_mode_scope
from ..serialization.serialization_lib import deserialize_keras_object, serialize_keras_object
from ..variables import allocation_budget
from . import assets as assets_lib
from .atomic import atomic_path
from .bounded_read import MAX_ASSET_BYTES, MAX_CONFIG_BYTES, declared_weights_budget, read_member, weights_file_limit
from .file_format import KERAS_VERSION, h5py as _h5py, reading, require_model
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
            for name, content in assets_lib.saved_assets(model).items():
                archive.writestr(name, content)


def _open_archive(path: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path, "r")
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ValueError(f"{path!r} is not a valid .keras file (truncated or corrupt): {exc}") from exc
    missing = {"config.json", "model.weights.h5"} - set(archive.namelist())
    if missing:
        archive.close()
        raise ValueError(f"{path!r} is not a valid .keras file: it lacks {sorted(missing)}")
    return archive


def load_model(
    path: str, custom_objects: dict[str, Any] | None = None, compile: bool = True, safe_mode: bool = True
) -> Any:
    with _open_archive(path) as archive:
        try:
            config = json.loads(read_member(archive, "config.json", MAX_CONFIG_BYTES, path))
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"{path!r} is corrupt: config.json is not valid JSON ({exc})") from exc
        if not isinstance(config, dict):
            raise ValueError(f"{path!r} is corrupt: config.json holds {type(config).__name__}, not a model config")
        compile_config = config.pop("compile_config", None)
        state = in_safe_mode()  # a state already set wins over the argument, as in Keras
        budget = declared_weights_budget(archive.getinfo("model.weights.h5").file_size)
        with safe_mode_scope(state if state is not None else safe_mode):
            model = _rebuild(archive, path, config, custom_objects, budget)
            optimizer_state = _read_weights(model, archive, path)
            if compile and compile_config:
                model.compile_from_config(compile_config)
                if optimizer_state is not None:
                    model._pending_optimizer_state = from_keras(model, optimizer_state)
                    model.optimizer._restored_iterations = int(model._pending_optimizer_state[0])
    return model


def _rebuild(
    archive: zipfile.ZipFile, path: str, config: dict, custom_objects: dict[str, Any] | None, budget: int
) -> Any:
    """The model from its config (its weights must fit the weights file); with assets, built
    twice: once to find which layer owns which asset path, then with each layer's files
    pending so it reads them as it is made (each build with the whole budget)."""

    def build() -> Any:
        with allocation_budget(budget, repr(path)):
            return require_model(deserialize_keras_object(config, custom_objects), repr(path))

    members = [n for n in archive.namelist() if n.startswith("assets/") and not n.endswith("/")]
    if not members:
        return build()
    with assets_lib.probing():
        probe = build()
    read_bytes = 0

    def read(name: str) -> bytes:
        # Each member and all of them together bounded before inflating: a crafted archive
        # cannot make the loader hold more than MAX_ASSET_BYTES of vocabularies.
        nonlocal read_bytes
        read_bytes += archive.getinfo(name).file_size
        if read_bytes > MAX_ASSET_BYTES:
            raise ValueError(
                f"{path!r}: the assets the model's layers read declare more than {MAX_ASSET_BYTES} bytes "
                "together; the file is corrupt or crafted"
            )
        return read_member(archive, name, MAX_CONFIG_BYTES, path)

    owned = assets_lib.assets_by_layer_name(probe, members, read)
    with assets_lib.pending(owned):
        return build()


def _read_weights(model: Any, archive: zipfile.ZipFile, path: str) -> list | None:
    """The weights member, its declared size checked against what `model` can need before inflating."""
    weights = read_member(archive, "model.weights.h5", weights_file_limit(model), path)
    with reading(path, "archive's model.weights.h5"), _h5py().File(io.BytesIO(weights), "r") as f:
        return read_h5(model, f)


def load_weights_from_archive(model: Any, path: str) -> None:
    with _open_archive(path) as archive:
        _read_weights(model, archive, path)
