"""tf.keras (Keras 2) `.h5` weights: a `model_weights` group (or the file root) with
`layer_names`, and per layer a group listing `weight_names` whose datasets hold the
values. Loaded by layer order among layers that have weights, as Keras 2 does."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from .. import losses, optimizers
from ..serialization.safe_mode import safe_mode_scope
from ..serialization.serialization_lib import deserialize_keras_object, serialize_keras_object
from ..variables import allocation_budget
from .atomic import atomic_path
from .bounded_read import declared_weights_budget, read_attribute, read_optimizer_values, read_variable
from .file_format import KERAS_VERSION, h5py as _h5py, reading, require_model
from .optimizer_state import from_keras, to_keras


def _decode(names):
    return [n.decode("utf8") if isinstance(n, bytes) else str(n) for n in names]


def load_legacy_weights(model: Any, f: Any) -> None:
    root = f["model_weights"] if "model_weights" in f else f
    if "layer_names" not in root.attrs:
        raise ValueError("The file holds no Keras weights (no 'layer_names' attribute)")
    names = _decode(read_attribute(root, "layer_names"))
    stored = []
    for name in names:
        if name not in root:
            raise ValueError(f"The file lists layer '{name}' but holds no group for it")
        group = root[name]
        weight_names = _decode(read_attribute(group, "weight_names", []))
        if weight_names:
            stored.append((name, group, weight_names))
    layers = [layer for layer in model.layers if layer.weights]  # a nested model is one entry, as in Keras 2
    if len(layers) != len(stored):
        raise ValueError(
            f"The file holds weights for {len(stored)} layers but the model has {len(layers)} layers with weights"
        )
    for layer, (name, group, weight_names) in zip(layers, stored):
        where = f"While loading the weights of file layer '{name}' into layer '{layer.name}'"
        expected = [tuple(w.shape) for w in layer.weights]
        if len(weight_names) != len(expected):
            raise ValueError(f"{where}: the file holds {len(weight_names)} weights, the layer has {len(expected)}")
        missing = [w for w in weight_names if w not in group]
        if missing:
            raise ValueError(f"{where}: the file lists weights {missing} it does not hold")
        values = [read_variable(group[w], shape, f"{where} ({w})") for w, shape in zip(weight_names, expected)]
        try:
            layer.set_weights(values)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from exc


def save_legacy_weights(model: Any, f: Any) -> None:
    root = f
    layers = list(model.layers)
    root.attrs["layer_names"] = [layer.name.encode("utf8") for layer in layers]
    root.attrs["backend"] = b"tensorflow"
    root.attrs["keras_version"] = b"2.15.0"
    for layer in layers:
        group = root.create_group(layer.name)
        names = [f"{layer.name}/{w.name}:0".encode() for w in layer.weights]
        group.attrs["weight_names"] = names
        for name, w in zip(names, layer.weights):
            group.create_dataset(name.decode("utf8"), data=w.numpy())


# -- whole-model legacy HDF5 (`model.save("m.h5")`, which Keras 3 still writes and reads) --------
def _legacy_layer_weights(layer: Any) -> list:
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _write_subset(group: Any, weights: Any) -> None:
    names = [str(w.path).encode("utf8") for w in weights]
    group.attrs["weight_names"] = np.array(names, dtype=object) if names else np.array([], dtype="float64")
    for name, w in zip(names, weights):
        group.create_dataset(name.decode("utf8"), data=np.asarray(w.numpy()))


def save_model_h5(model: Any, path: str, include_optimizer: bool = True) -> None:
    """Keras 3's legacy_h5_format.save_model_to_hdf5: the model config (and training config)
    as JSON file attributes, the weights under `model_weights`, one group per layer."""
    h5py = _h5py()
    entry = serialize_keras_object(model)
    model_config = {"class_name": entry["class_name"], "config": entry["config"]}
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["keras_version"] = KERAS_VERSION
            f.attrs["backend"] = "tensorflow"
            f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
            compile_config = model.get_compile_config() if include_optimizer else None
            if compile_config:
                optimizer = compile_config.pop("optimizer")
                compile_config["optimizer_config"] = {
                    "class_name": optimizer["class_name"],
                    "config": optimizer["config"],
                }
                f.attrs["training_config"] = json.dumps(compile_config).encode("utf8")
            group = f.create_group("model_weights")
            group.attrs["layer_names"] = np.array([layer.name.encode("utf8") for layer in model.layers], dtype=object)
            group.attrs["backend"] = b"tensorflow"
            group.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
            for layer in sorted(model.layers, key=lambda layer: layer.name):
                _write_subset(group.create_group(layer.name), _legacy_layer_weights(layer))
            _write_subset(group.create_group("top_level_model_weights"), [])
            state = model._optimizer_state() if compile_config else None
            if state:
                _write_optimizer_weights(f, model, state)


def load_model_h5(
    path: str, custom_objects: dict[str, Any] | None = None, compile: bool = True, safe_mode: bool = True
) -> Any:
    # Keras 3's load_model_from_hdf5 scopes the argument itself: it wins over
    # enable_unsafe_deserialization() here (unlike for .keras files).
    with safe_mode_scope(safe_mode), reading(path, "HDF5 model file"):
        return _load_model_h5(path, custom_objects, compile)


def _load_model_h5(path: str, custom_objects: dict[str, Any] | None, compile: bool) -> Any:
    h5py = _h5py()
    with h5py.File(path, "r") as f:
        model_config = read_attribute(f, "model_config")
        if model_config is None:
            raise ValueError(f"No model config found in the file at {path}.")
        if hasattr(model_config, "decode"):
            model_config = model_config.decode("utf-8")
        with allocation_budget(declared_weights_budget(os.path.getsize(path)), repr(path)):
            model = require_model(deserialize_keras_object(json.loads(model_config), custom_objects), repr(path))
        load_legacy_weights(model, f)
        training_config = read_attribute(f, "training_config") if compile else None
        optimizer_values = _read_optimizer_weights(f, model) if training_config is not None else None
    if training_config is not None:
        if hasattr(training_config, "decode"):
            training_config = training_config.decode("utf-8")
        training_config = json.loads(training_config)
        optimizer = training_config.get("optimizer_config")
        loss = training_config.get("loss")
        if isinstance(loss, dict) and "class_name" in loss:
            loss = deserialize_keras_object(loss) if loss.get("module") else losses.get(loss["class_name"])
        model.compile(
            optimizer=optimizers.get(optimizer) if optimizer else "rmsprop",
            loss=loss,
            loss_weights=training_config.get("loss_weights"),
            metrics=training_config.get("metrics"),
        )
        if optimizer_values:
            model._pending_optimizer_state = from_keras(model, optimizer_values)  # restored at the first step
            model.optimizer._restored_iterations = int(model._pending_optimizer_state[0])
    return model


def _write_optimizer_weights(f: Any, model: Any, state: Any) -> None:
    """Keras 3's save_optimizer_weights_to_hdf5_group: `optimizer_weights` holding each optimizer
    variable under its path, listed in order by the `weight_names` attribute."""
    names, values = to_keras(model, state)
    group = f.create_group("optimizer_weights")
    group.attrs["weight_names"] = np.array([n.encode("utf8") for n in names], dtype=object)
    for name, value in zip(names, values):
        value = np.asarray(value)
        group.create_dataset(name, value.shape, dtype=value.dtype)[()] = value


def _read_optimizer_weights(f, model):
    if "optimizer_weights" not in f:
        return None
    group = f["optimizer_weights"]
    names = _decode(read_attribute(group, "weight_names", []))
    missing = [name for name in names if name not in group]
    if missing:
        raise ValueError(f"optimizer_weights lists {missing} but does not hold them")
    return read_optimizer_values([group[name] for name in names], model, "optimizer_weights")
