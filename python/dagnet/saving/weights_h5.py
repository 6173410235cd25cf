"""Weights in Keras 3's HDF5 layout (the `.weights.h5` file and a `.keras` archive's
model.weights.h5): every saveable object is a group with `vars/0..n-1` for its own
variables; children nest under their attribute name (`layers/<snake_class>[_N]` for a
model's layers, `cell` for an LSTM, `layer` for TimeDistributed); optimizer state lives
in `optimizer/vars` as [iterations, learning_rate, then each trainable variable's slots].
Objects are matched by structure (class + position), never by layer name, as Keras does."""
from __future__ import annotations

import numpy as np

from .._naming import to_snake_case


def _h5py():
    try:
        import h5py
    except ImportError as exc:  # h5py is the one optional dependency, for weight files
        raise ImportError("Reading and writing .h5 / .keras files needs h5py: pip install h5py") from exc
    return h5py


class _Saveable:
    """A node of the saved tree: a name, own variables, and named children."""

    def __init__(self, name, variables, children):
        self.name, self.variables, self.children = name, variables, children


def saveable_tree(obj) -> _Saveable:
    from ..layers.input_layer import InputLayer
    from ..layers.recurrent import LSTM
    from ..layers.wrappers import TimeDistributed
    from ..models.functional import Functional
    from ..models.sequential import Sequential

    if isinstance(obj, (Functional, Sequential)):
        return _Saveable(obj.name, [], {"layers": _container(obj._stack if isinstance(obj, Sequential) else obj.layers,
                                                             skip_inputs=isinstance(obj, Sequential))})
    if isinstance(obj, LSTM):  # Keras keeps an LSTM's weights on its cell
        cell_vars = [v for v in (obj.kernel, obj.recurrent_kernel, obj.bias) if v is not None] if obj.built else []
        return _Saveable(obj.name, [], {"cell": _Saveable(f"{obj.name}_cell", cell_vars, {})})
    if isinstance(obj, TimeDistributed):
        return _Saveable(obj.name, [], {"layer": saveable_tree(obj.layer)})
    if isinstance(obj, InputLayer):
        return _Saveable(obj.name, [], {})
    own = list(obj.weights) if not obj._tracked_layers() else [w for w in obj._own_weights if w in obj.weights]
    children = {}
    for attribute, value in vars(obj).items():
        from ..layers.layer import Layer

        if isinstance(value, Layer) and value is not obj and not attribute.startswith("_"):
            children[attribute] = saveable_tree(value)
    return _Saveable(obj.name, own, children)


def _container(layers, skip_inputs) -> _Saveable:
    from ..layers.input_layer import InputLayer

    children, counts = {}, {}
    for layer in layers:
        if skip_inputs and isinstance(layer, InputLayer):
            continue
        base = to_snake_case(type(layer).__name__ if type(layer).__name__ != "Functional" else "Functional")
        n = counts.get(base, 0)
        counts[base] = n + 1
        children[base if n == 0 else f"{base}_{n}"] = saveable_tree(layer)
    return _Saveable(None, None, children)


def write_tree(group, node: _Saveable) -> None:
    if node.variables is not None:
        vars_group = group.create_group("vars")
        vars_group.attrs["name"] = node.name
        for i, variable in enumerate(node.variables):
            vars_group.create_dataset(str(i), data=np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable))
    for name, child in node.children.items():
        write_tree(group.create_group(name), child)


def read_tree(group, node: _Saveable, path: str) -> None:
    if node.variables is not None:
        stored = group.get("vars")
        if stored is None and node.variables:
            raise ValueError(f"The weights file has no variables for '{path}'")
        count = len(stored.keys()) if stored is not None else 0
        if count != len(node.variables):
            raise ValueError(f"Layer '{node.name}' (at {path}) expects {len(node.variables)} variables, but the file "
                             f"holds {count}")
        for i, variable in enumerate(node.variables):
            value = np.asarray(stored[str(i)])
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(f"Layer '{node.name}' (at {path}): variable {i} has shape {tuple(variable.shape)} "
                                 f"but the file holds shape {tuple(value.shape)}")
            variable.assign(value)
    for name, child in node.children.items():
        if name not in group:
            raise ValueError(f"The weights file has no entry '{path}/{name}' (layer '{child.name}'); it was saved "
                             "from a different model")
        read_tree(group[name], child, f"{path}/{name}")


def save_weights(model, path: str, optimizer_state: list | None = None) -> None:
    from .atomic import atomic_path

    h5py = _h5py()
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            write_h5(model, f, optimizer_state)


def write_h5(model, f, optimizer_state=None) -> None:
    write_tree(f, saveable_tree(model))
    if optimizer_state is not None:
        from .optimizer_state import to_keras

        _, optimizer_state = to_keras(model, optimizer_state)  # Keras 3's variable order
        vars_group = f.create_group("optimizer").create_group("vars")
        vars_group.attrs["name"] = "optimizer"
        for i, value in enumerate(optimizer_state):
            vars_group.create_dataset(str(i), data=np.asarray(value))


def load_weights(model, path: str) -> list | None:
    """Loads the variables; returns the optimizer's saved values, if the file has them."""
    h5py = _h5py()
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(f"Cannot read weights file {path!r}: it is missing, truncated or not HDF5 ({exc})") from exc
    with f:
        return read_h5(model, f)


def read_h5(model, f) -> list | None:
    if "layers" not in f and "vars" not in f:
        if "model_weights" in f or "layer_names" in f.attrs:
            from .legacy_h5 import load_legacy_weights

            load_legacy_weights(model, f)
            return None
        raise ValueError("The file does not hold Keras 3 weights (no 'layers' or 'vars' group)")
    read_tree(f, saveable_tree(model), "")
    if "optimizer" in f and "vars" in f["optimizer"]:
        group = f["optimizer"]["vars"]
        return [np.asarray(group[str(i)]) for i in range(len(group.keys()))]  # Keras order; see from_keras
    return None
