"""get_config / from_config for functional models, in Keras 3's format: every layer's
config with the nodes that belong to this model (node indices renumbered to count only
those), and the input/output tensors as [layer name, node index, tensor index]."""

from __future__ import annotations

import json
from typing import Any

from .. import _tree
from ..keras_tensor import KerasTensor
from ..saving.file_format import require_model
from ..serialization.serialization_lib import deserialize_keras_object, serialize_keras_object


def functional_get_config(model: Any) -> dict:
    own = model._network_nodes
    reindex = {}
    for op in model._operations:
        kept = 1 if op._is_graph_network else 0  # Keras counts a functional model's own first node
        for node in op._inbound_nodes:
            if id(node) in own:
                reindex[id(node)] = kept
                kept += 1

    def serialize_tensor(x):
        op, node_index, tensor_index = x._keras_history
        skipped = sum(1 for node in op._inbound_nodes[:node_index] if id(node) not in own)
        return {
            "class_name": "__keras_tensor__",
            "config": {
                "shape": list(x.shape),
                "dtype": x.dtype,
                "keras_history": [op.name, node_index - skipped, tensor_index],
            },
        }

    def serialize_args(value):
        if isinstance(value, KerasTensor):
            return serialize_tensor(value)
        if isinstance(value, (list, tuple)):
            return [serialize_args(v) for v in value]
        if isinstance(value, dict):
            return {k: serialize_args(v) for k, v in value.items()}
        return serialize_keras_object(value)

    layers = []
    for op in model._operations:
        entry = serialize_keras_object(op)
        entry["name"] = op.name
        entry["inbound_nodes"] = [
            {"args": serialize_args(list(node.call_args)), "kwargs": serialize_args(dict(node.call_kwargs))}
            for node in op._inbound_nodes
            if id(node) in own and not node.is_input
        ]
        layers.append(entry)

    def tensor_ref(x):
        op, node_index, tensor_index = x._keras_history
        return [op.name, reindex[id(op._inbound_nodes[node_index])], tensor_index]

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": _tree.map_structure(tensor_ref, model._inputs_struct),
        "output_layers": _tree.map_structure(tensor_ref, model._outputs_struct),
    }


def functional_from_config(cls: Any, config: dict, custom_objects: dict[str, Any] | None = None) -> Any:
    """The functional model (of class `cls`, Functional or a subclass) a config describes."""
    created = {}
    pending = {}
    for layer_data in config["layers"]:
        layer = deserialize_keras_object(layer_data, custom_objects)
        created[layer_data["name"]] = layer
        pending[layer_data["name"]] = list(layer_data.get("inbound_nodes", []))

    def resolve(value):
        if isinstance(value, dict) and value.get("class_name") in (
            "__slice__",
            "__ellipsis__",
            "__numpy__",
            "__tensor__",
            "__bytes__",
        ):
            return deserialize_keras_object(value)
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            name, node_index, tensor_index = value["config"]["keras_history"]
            if name not in created:
                raise ValueError(f"Invalid Functional model configuration. Missing node: {name}")
            layer = created[name]
            if node_index >= len(layer._inbound_nodes):
                raise IndexError(node_index)  # not created yet: try again on a later pass
            return layer._inbound_nodes[node_index].output_tensors[tensor_index]
        if isinstance(value, list):
            if len(value) == 3 and isinstance(value[0], str) and isinstance(value[1], int):
                return resolve({"class_name": "__keras_tensor__", "config": {"keras_history": value}})
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    def legacy_args(node_data):  # Keras 2: [[name, node, tensor, kwargs], ...]
        tensors = [resolve(entry[:3]) for entry in node_data]
        kwargs = node_data[0][3] if node_data and len(node_data[0]) > 3 else {}
        return [tensors[0] if len(tensors) == 1 else tensors], kwargs

    while any(pending.values()):
        progress = False
        for layer_data in config["layers"]:
            name = layer_data["name"]
            while pending[name]:
                node_data = pending[name][0]
                try:
                    if isinstance(node_data, list):
                        args, kwargs = legacy_args(node_data)
                    else:
                        args, kwargs = resolve(node_data.get("args", [])), resolve(node_data.get("kwargs", {}))
                except IndexError:
                    break
                created[name](*args, **kwargs)
                pending[name].pop(0)
                progress = True
        if not progress:
            raise ValueError(
                "Invalid Functional model configuration. The graph of the Functional model either has "
                f"loops or disconnected nodes: {[k for k, v in pending.items() if v]}"
            )

    def tensor(ref):
        name, node_index, tensor_index = ref
        layer = created[name]
        if layer._is_graph_network:
            node_index -= 1  # Keras counts a functional model's own first node
        return layer._inbound_nodes[node_index].output_tensors[tensor_index]

    def map_refs(structure):
        if isinstance(structure, list) and len(structure) == 3 and isinstance(structure[0], str):
            return tensor(structure)
        if isinstance(structure, dict):
            return {k: map_refs(v) for k, v in structure.items()}
        if not isinstance(structure, list):  # (a string would recurse through its characters forever)
            raise ValueError(f"Invalid Functional model configuration: {structure!r} is not a tensor reference")
        return [map_refs(v) for v in structure]

    inputs, outputs = map_refs(config["input_layers"]), map_refs(config["output_layers"])
    return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))


def model_from_json(json_string: str, custom_objects: dict[str, Any] | None = None) -> Any:
    """A model (new weights) from the JSON of `model.to_json()` (Keras 3's format)."""
    return require_model(deserialize_keras_object(json.loads(json_string), custom_objects), "The JSON string")


def model_from_config(config: dict, custom_objects: dict[str, Any] | None = None) -> Any:
    return deserialize_keras_object(config, custom_objects)
