"""Which input dimensions a built model leaves free.

Keras builds a model without an `Input` (a Sequential, a subclassed model) from the first
data it sees, yet later runs it on any batch size, and on any other length its weights
allow: a Conv1D followed by global pooling takes sequences of any length, a Flatten
followed by a Dense does not. dagnet lowers such a model once, with those dimensions
unknown, so a new length is only a new engine plan. A dimension is free when the model,
traced with it unknown, still gives every weight a gradient of the weight's own shape
(an unknown Flatten width reaching a Dense kernel does not), no layer's input spec fixes
it (a convolution's channels) and no layer refuses it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import _engine, ops
from ._tracing import GraphBuilder, GraphTensor

Trace = Callable[[GraphBuilder, list[GraphTensor]], Sequence[Any]]


def free_input_shapes(trace: Trace, specs: Sequence[tuple[tuple, str]]) -> list[tuple]:
    """`specs`: (shape, dtype) of each flat input as first seen; `trace(builder, inputs)`
    runs the (already built) model on traced inputs and returns its flat outputs. Returns
    the shapes with the batch axis and every other free axis set to None."""
    shapes = [[None] + list(shape[1:]) if len(shape) else [] for shape, _ in specs]
    dtypes = [dtype for _, dtype in specs]
    for i, shape in enumerate(shapes):
        for axis in range(1, len(shape)):
            if shape[axis] is None:
                continue
            candidate = [list(s) for s in shapes]
            candidate[i][axis] = None
            if _traces_cleanly(trace, candidate, dtypes):
                shapes = candidate
    return [tuple(s) for s in shapes]


def _traces_cleanly(trace: Trace, shapes: list[list], dtypes: list[str]) -> bool:
    builder = GraphBuilder(training=False, probe=True)
    try:
        with builder.active():
            inputs = [builder.input(f"x{i}", shape, dtype) for i, (shape, dtype) in enumerate(zip(shapes, dtypes))]
            outputs = [o for o in trace(builder, inputs) if isinstance(o, GraphTensor)]
            floats = [ops.sum(o) for o in outputs if o.dtype.startswith("float")]
            weights = [(v, value) for v, value in builder.bound_variables() if v.dtype.startswith("float")]
            if not floats or not weights:
                return True
            loss = floats[0] if len(floats) == 1 else builder.node("add", floats)[0]
            gradients = _engine.gradients(builder.graph, loss.id, [value for _, value in weights])
    except Exception:  # noqa: BLE001 - any failure (a layer's shape check, user code in call) keeps the axis fixed
        return False
    return all(tuple(builder.graph.shape(g)) == tuple(v.shape) for (v, _), g in zip(weights, gradients))
