"""`model.export_native(path)`: the lowered prediction graph (and, for a compiled model, the
training graph with its loss, trainable parameters, optimizer configuration and weight
constraints) with the weights, in the engine's program format that the native runner
`dagnet-bench` reads. The optimizer travels as the same table the native Trainer takes
(Optimizer._native_config, checked field by field by the engine); what that format cannot
hold (a learning-rate schedule, a constraint written in Python) is refused by name."""

from __future__ import annotations

import os
from typing import Any

from .. import _engine, losses as losses_module
from .._tracing import GraphBuilder
from ..trainers.runner import constraints_of
from .atomic import atomic_path


def export_native(model: Any, filepath: str | os.PathLike[str]) -> None:
    """Writes `model`'s native programs ('predict', and 'train' when compiled) to `filepath`."""
    programs = []
    builder = GraphBuilder(training=False)
    with builder.active():
        _, outputs = model._lower_outputs(builder)
    programs.append({"name": "predict", "graph": builder.graph, "fetches": [o.id for o in outputs]})
    if model.compiled:
        builder = GraphBuilder(training=True)
        with builder.active():
            forward = model._lower_forward(builder)
            specs = []
            for out, loss in zip(forward[2], model._compiled.losses):
                sparse = isinstance(loss, losses_module.SparseCategoricalCrossentropy)
                specs.append((out.shape[:-1], "int64") if sparse else (out.shape, out.dtype))
            fetches, _ = model._lower_step(builder, forward, specs, None, training=True)
            params = [builder.param(v).id for v in model.trainable_weights]
        native, python_side = constraints_of(model.trainable_weights)
        refused = ["a learning-rate schedule"] if model.optimizer._schedule is not None else []
        refused += [
            f"the constraint {_name_of(v.constraint)} of '{v.path}' (Python code, not a native constrain op)"
            for v in python_side
        ]
        if refused:
            raise ValueError(f"export_native: the native program format cannot carry {'; '.join(refused)}")
        programs.append(
            {
                "name": "train",
                "graph": builder.graph,
                "fetches": [fetches[0].id],
                "loss": fetches[0].id,
                "params": params,
                "optimizer": model.optimizer._native_config(),
                "constraints": native,
            }
        )
    with atomic_path(os.fspath(filepath)) as tmp:
        _engine.write_programs(tmp, programs)


def _name_of(constraint: Any) -> str:
    return getattr(constraint, "__name__", type(constraint).__name__)
