"""The `.keras` archive (Keras 3): a zip holding metadata.json, config.json (the model's
config plus its compile config) and model.weights.h5 (weights and, optionally, the
optimizer's state). Writes are atomic."""
from __future__ import annotations

import datetime
import io
import json
import zipfile

from .. import __version__
from .atomic import atomic_path
from .serialization_lib import deserialize_keras_object, serialize_keras_object
from .weights_h5 import _h5py, read_h5, write_h5

KERAS_VERSION = "3.15.1"  # the format version written; dagnet's own version goes in metadata too


def _compile_config(model) -> dict | None:
    """Keras 3's compile config: the arguments given to compile, serialized (the optimizer as
    the object compile made of them)."""
    if not getattr(model, "compiled", False):
        return None
    args = model._compile_args
    return {"optimizer": serialize_keras_object(model.optimizer), "loss": serialize_keras_object(model.loss),
            "loss_weights": serialize_keras_object(args.get("loss_weights")),
            "metrics": serialize_keras_object(args.get("metrics")),
            "weighted_metrics": serialize_keras_object(args.get("weighted_metrics")),
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def compile_from_config(model, config: dict) -> None:
    """compile() from a compile config written by Keras 3 or dagnet."""
    from .. import optimizers

    config = deserialize_keras_object(dict(config))
    optimizer = config.get("optimizer")
    if isinstance(optimizer, dict) or isinstance(optimizer, str):
        optimizer = optimizers.get(optimizer)
    model.compile(optimizer=optimizer if optimizer is not None else "rmsprop", loss=config.get("loss"),
                  loss_weights=config.get("loss_weights"), metrics=config.get("metrics"),
                  weighted_metrics=config.get("weighted_metrics"))


def save_model(model, path: str, include_optimizer: bool = True) -> None:
    config = serialize_keras_object(model)  # with its build_config and compile_config, as Keras 3 writes
    compile_config = config.get("compile_config")
    metadata = {"keras_version": KERAS_VERSION, "dagnet_version": __version__,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
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


def load_model(path: str, custom_objects=None, compile: bool = True, safe_mode: bool = True):
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
        compile_from_config(model, compile_config)
        if optimizer_state is not None:
            from .optimizer_state import from_keras

            model._pending_optimizer_state = from_keras(model, optimizer_state)
            model.optimizer._restored_iterations = int(model._pending_optimizer_state[0])
    return model


def load_weights_from_archive(model, path: str) -> None:
    with _open_archive(path) as archive:
        weights = archive.read("model.weights.h5")
    with _h5py().File(io.BytesIO(weights), "r") as f:
        read_h5(model, f)
