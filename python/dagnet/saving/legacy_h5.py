"""tf.keras (Keras 2) `.h5` weights: a `model_weights` group (or the file root) with
`layer_names`, and per layer a group listing `weight_names` whose datasets hold the
values. Loaded by layer order among layers that have weights, as Keras 2 does."""
from __future__ import annotations

import numpy as np


def _decode(names):
    return [n.decode("utf8") if isinstance(n, bytes) else str(n) for n in names]


def load_legacy_weights(model, f) -> None:
    root = f["model_weights"] if "model_weights" in f else f
    names = _decode(root.attrs["layer_names"])
    stored = []
    for name in names:
        group = root[name]
        weight_names = _decode(group.attrs.get("weight_names", []))
        if weight_names:
            stored.append((name, [np.asarray(group[w]) for w in weight_names]))
    layers = [layer for layer in model.layers if layer.weights]  # a nested model is one entry, as in Keras 2
    if len(layers) != len(stored):
        raise ValueError(f"The file holds weights for {len(stored)} layers but the model has {len(layers)} layers "
                         "with weights")
    for layer, (name, values) in zip(layers, stored):
        try:
            layer.set_weights(values)
        except ValueError as exc:
            raise ValueError(f"While loading the weights of file layer '{name}' into layer '{layer.name}': {exc}") from exc


def save_legacy_weights(model, f) -> None:
    root = f
    layers = list(model.layers)
    root.attrs["layer_names"] = [layer.name.encode("utf8") for layer in layers]
    root.attrs["backend"] = b"tensorflow"
    root.attrs["keras_version"] = b"2.15.0"
    for layer in layers:
        group = root.create_group(layer.name)
        names = [f"{layer.name}/{w.name}:0".encode("utf8") for w in layer.weights]
        group.attrs["weight_names"] = names
        for name, w in zip(names, layer.weights):
            group.create_dataset(name.decode("utf8"), data=w.numpy())
