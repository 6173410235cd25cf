"""Ordering a functional graph: which nodes belong to a model, their depths, and the
layer order, following Keras's map_graph (deepest = inputs first; ties by discovery)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def map_graph(inputs: list, outputs: list) -> Any:
    """Returns (node_keys, nodes_by_depth, operations, operations_by_depth)."""
    input_ids = {id(x) for x in inputs}
    finished, in_progress = set(), set()
    nodes_in_decreasing_depth: list[Any] = []
    operation_indices: dict[Any, int] = {}

    def visit(tensor):
        operation, node_index, _ = tensor._keras_history
        if operation is None:
            raise ValueError(
                f"Output tensors of a Functional model must be the output of a layer (it needs its "
                f"history). Received: {tensor}"
            )
        node = operation._inbound_nodes[node_index]
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f"Tensor {tensor} from operation '{operation.name}' is part of a cycle.")
        operation_indices.setdefault(operation, len(operation_indices))
        in_progress.add(id(node))
        if not node.is_input and id(tensor) not in input_ids:
            for x in node.input_tensors:
                visit(x)
        finished.add(id(node))
        in_progress.discard(id(node))
        nodes_in_decreasing_depth.append(node)

    for output in outputs:
        visit(output)

    node_depths: dict[Any, int] = {}
    operation_depths: dict[Any, int] = {}
    for node in reversed(nodes_in_decreasing_depth):
        depth = max(node_depths.setdefault(node, 0), operation_depths.get(node.operation, 0))
        operation_depths[node.operation] = depth
        node_depths[node] = depth
        for parent in node.parent_nodes:
            node_depths[parent] = max(depth + 1, node_depths.get(parent, 0))
    for x in inputs:
        operation = x._keras_history.operation
        if operation is not None and operation not in operation_depths:
            operation_depths[operation] = 0
            operation_indices[operation] = -1
            node_depths[operation._inbound_nodes[0]] = 0

    nodes_by_depth = defaultdict(list)
    for node, depth in node_depths.items():
        nodes_by_depth[depth].append(node)
    operations_by_depth = defaultdict(list)
    for operation, depth in operation_depths.items():
        operations_by_depth[depth].append(operation)
    operations = []
    for depth in sorted(operations_by_depth, reverse=True):
        operations.extend(sorted(operations_by_depth[depth], key=lambda op: operation_indices[op]))

    computable = set(input_ids)
    reached: list[Any] = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            for x in node.input_tensors:
                if id(x) not in computable:
                    raise ValueError(
                        f"Graph disconnected: the outputs are not connected to `inputs`. Cannot find parent for "
                        f"tensor {x} at layer '{node.operation.name}'. "
                        f"The tensor comes from layer '{x._keras_history.operation.name}', which cannot be reached "
                        f"from the model's inputs {[i.name for i in inputs]}. The following previous layers were "
                        f"accessed without issue: {reached}"
                    )
            if node.is_input:
                continue  # an Input the model was not given computes nothing
            reached.append(node.operation.name)
            for x in node.outputs:
                computable.add(id(x))

    names = [op.name for op in operations]
    for name in names:
        if names.count(name) != 1:
            raise ValueError(
                f'The name "{name}" is used {names.count(name)} times in the model. All operation '
                "names should be unique."
            )
    node_ids = {id(node) for nodes in nodes_by_depth.values() for node in nodes}
    return node_ids, dict(nodes_by_depth), operations, dict(operations_by_depth)
