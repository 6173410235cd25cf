"""Weights in Keras 3's HDF5 layout (the `.weights.h5` file and a `.keras` archive's
model.weights.h5): every saveable object is a group with `vars/0..n-1` for its own
variables; children nest under their attribute name (`layers/<snake_class>[_N]` for a
model's layers, `cell` for an LSTM, `layer` for TimeDistributed); optimizer state lives
in `optimizer/vars` as [iterations, learning_rate, then each trainable variable's slots].
Objects are matched by structure (class + position), never by layer name, as Keras does."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._naming import to_snake_case
from .atomic import atomic_path
from .bounded_read import read_optimizer_values, read_variable
from .file_format import h5py as _h5py, reading
from .legacy_h5 import load_legacy_weights
from .optimizer_state import to_keras


class _Saveable:
    """A node of the saved tree: a name, own variables, and named children."""

    def __init__(self, name, variables, children, obj=None):
        self.name, self.variables, self.children = name, variables, children
        self.obj = obj  # the layer or model (None for a container or a variable group)


def saveable_tree(obj: Any, visited: set[int] | None = None) -> _Saveable:
    """The saved tree of a layer or model, from its `_saved_structure()` (own variables and
    children by name: a layer, a list of layers, or a (name, variables) group). As Keras 3
    walks it, an object met a second time (a layer both in an attribute and in `layers`)
    is saved only where it was met first."""
    visited = set() if visited is None else visited
    visited.add(id(obj))
    own, children = obj._saved_structure()
    tree = _Saveable(obj.name, own, {}, obj)
    for name, value in children.items():
        if isinstance(value, tuple):
            tree.children[name] = _Saveable(value[0], value[1], {})
        elif isinstance(value, list):
            tree.children[name] = _container(value, visited)
        elif id(value) not in visited:
            tree.children[name] = saveable_tree(value, visited)
    return tree


def _container(items: Any, visited: set[int]) -> _Saveable:
    """A list of layers: children named by their snake-case class, repeats numbered, nested
    lists as 'container' (Keras 3); a layer already saved elsewhere keeps its number only."""
    children: dict[str, _Saveable] = {}
    counts: dict[str, int] = {}
    for item in items:
        if isinstance(item, (list, tuple, dict)):
            base = "container"
        elif hasattr(item, "_saved_structure"):
            # Keras names the group by its Python class, which a few exports rename.
            base = to_snake_case(getattr(type(item), "_weights_class_name", type(item).__name__))
        else:
            continue
        n = counts.get(base, 0)
        counts[base] = n + 1
        name = base if n == 0 else f"{base}_{n}"
        if base == "container":
            children[name] = _container(list(item.values()) if isinstance(item, dict) else list(item), visited)
        elif id(item) not in visited:
            children[name] = saveable_tree(item, visited)
    return _Saveable(None, None, children)


def write_tree(group: Any, node: _Saveable) -> None:
    if node.variables is not None:
        vars_group = group.create_group("vars")
        vars_group.attrs["name"] = node.name
        for i, variable in enumerate(node.variables):
            vars_group.create_dataset(
                str(i), data=np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable)
            )
    for name, child in node.children.items():
        write_tree(group.create_group(name), child)


def read_tree(group: Any, node: _Saveable, path: str) -> None:
    if node.variables is not None:
        stored = group.get("vars")
        if stored is None and node.variables:
            raise ValueError(f"The weights file has no variables for '{path}'")
        count = len(stored.keys()) if stored is not None else 0
        if count != len(node.variables):
            raise ValueError(
                f"Layer '{node.name}' (at {path}) expects {len(node.variables)} variables, but the file holds {count}"
            )
        for i, variable in enumerate(node.variables):
            if str(i) not in stored:
                raise ValueError(f"Layer '{node.name}' (at {path}): the file lacks variable {i}")
            variable.assign(read_variable(stored[str(i)], variable.shape, f"Layer '{node.name}' (at {path}/vars/{i})"))
    for name, child in node.children.items():
        if name not in group:
            raise ValueError(
                f"The weights file has no entry '{path}/{name}' (layer '{child.name}'); it was saved "
                "from a different model"
            )
        read_tree(group[name], child, f"{path}/{name}")


def save_weights(model: Any, path: str, optimizer_state: list | None = None) -> None:
    h5py = _h5py()
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            write_h5(model, f, optimizer_state)


def write_h5(model: Any, f: Any, optimizer_state: Any = None) -> None:
    write_tree(f, saveable_tree(model))
    if optimizer_state is not None:
        _, optimizer_state = to_keras(model, optimizer_state)  # Keras 3's variable order
        vars_group = f.create_group("optimizer").create_group("vars")
        vars_group.attrs["name"] = "optimizer"
        for i, value in enumerate(optimizer_state):
            vars_group.create_dataset(str(i), data=np.asarray(value))


def load_weights(model: Any, path: str) -> list | None:
    """Loads the variables; returns the optimizer's saved values, if the file has them."""
    h5py = _h5py()
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(f"Cannot read weights file {path!r}: it is missing, truncated or not HDF5 ({exc})") from exc
    with f, reading(path, "weights file"):
        return read_h5(model, f)


def read_h5(model: Any, f: Any) -> list | None:
    if "layers" not in f and "vars" not in f:
        if "model_weights" in f or "layer_names" in f.attrs:
            load_legacy_weights(model, f)
            return None
        raise ValueError("The file does not hold Keras 3 weights (no 'layers' or 'vars' group)")
    read_tree(f, saveable_tree(model), "")
    if "optimizer" in f and "vars" in f["optimizer"]:
        group = f["optimizer"]["vars"]
        count = len(group.keys())
        if any(str(i) not in group for i in range(count)):
            raise ValueError("optimizer/vars: the optimizer's variables are not numbered 0..n-1")
        datasets = [group[str(i)] for i in range(count)]  # Keras order; see from_keras
        return read_optimizer_values(datasets, model, "optimizer/vars")
    return None
