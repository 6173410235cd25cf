"""A Node is one call of an operation (layer) on symbolic tensors: it records the call's
arguments and outputs, appends itself to the operation's inbound nodes and stamps each
output with (operation, node_index, tensor_index)."""

from __future__ import annotations

from typing import Any

from . import _tree
from ._typing import TensorLike
from .keras_tensor import KerasHistory, KerasTensor


class Node:
    _sequential_build = False  # a node of a Sequential's own (re)build, not a user's call

    def __init__(
        self, operation: Any, call_args: Any = (), call_kwargs: Any = None, outputs: TensorLike = None
    ) -> None:
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.arguments = [x for x in _tree.flatten((self.call_args, self.call_kwargs)) if isinstance(x, KerasTensor)]
        self.outputs = [] if outputs is None else _tree.flatten(outputs)
        self.is_input = not self.arguments
        operation._inbound_nodes.append(self)
        for x in self.arguments:
            parent = x._keras_history.operation
            if parent is not None:
                parent._outbound_nodes.append(self)
        node_index = len(operation._inbound_nodes) - 1
        for i, tensor in enumerate(self.outputs):
            tensor._keras_history = KerasHistory(operation, node_index, i)

    @property
    def input_tensors(self) -> list:
        return self.arguments

    @property
    def output_tensors(self) -> list:
        return self.outputs

    @property
    def parent_nodes(self) -> list:
        parents = []
        for x in self.arguments:
            op, index, _ = x._keras_history
            if op is not None:
                parents.append(op._inbound_nodes[index])
        return parents

    @property
    def inbound_layers(self) -> Any:
        """Keras 2: the layers whose outputs this node reads."""
        layers = [x._keras_history.operation for x in self.arguments]
        return layers[0] if len(layers) == 1 else layers

    @property
    def outbound_layer(self) -> Any:
        return self.operation

    @property
    def input_shapes(self) -> Any:
        shapes = [x.shape for x in self.arguments]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shapes(self) -> Any:
        shapes = [x.shape for x in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def __repr__(self) -> str:
        return f"<Node operation={self.operation.name}, inputs={len(self.arguments)}, outputs={len(self.outputs)}>"
