"""`model.export_native(path)`: the lowered prediction graph (and, for a compiled model, the
training graph with its loss, trainable parameters and optimizer) with the weights, in the
engine's program format that the native runner `dagnet-bench` reads."""
from __future__ import annotations

import os

from .. import _engine, losses as losses_module
from .._tracing import GraphBuilder
from ..trainers import compile_utils
from .atomic import atomic_path


def export_native(model, filepath) -> None:
    """Writes `model`'s native programs ('predict', and 'train' when compiled) to `filepath`."""
    programs = []
    builder = GraphBuilder(training=False)
    with builder.active():
        _, outputs = model._lower_outputs(builder)
    programs.append({"name": "predict", "graph": builder.graph, "fetches": [o.id for o in outputs]})
    if model.compiled:
        builder = GraphBuilder(training=True)
        with builder.active():
            _, outputs = model._lower_outputs(builder)
            specs = []
            for out, loss in zip(outputs, model._compiled.losses):
                sparse = isinstance(loss, losses_module.SparseCategoricalCrossentropy)
                specs.append((out.shape[:-1], "int64") if sparse else (out.shape, out.dtype))
            _, fetches, _ = compile_utils.lower_losses(builder, model._compiled, model.weights, outputs, specs)
            params = [builder.param(v).id for v in model.trainable_weights]
        optimizer = {**model.optimizer._engine_kwargs(), "learning_rate": model.optimizer.learning_rate}
        extras = [k for k in ("centered", "clipnorm", "global_clipnorm", "clipvalue", "weight_decay")
                  if optimizer.pop(k, None)]
        if optimizer.pop("initial_accumulator_value", 0.1) != 0.1:
            extras.append("initial_accumulator_value")
        if model.optimizer._schedule is not None:
            extras.append("learning-rate schedule")
        if extras:
            raise ValueError(f"export_native: the native program format does not carry the optimizer "
                             f"options {extras}")
        programs.append({"name": "train", "graph": builder.graph, "fetches": [fetches[0].id],
                         "loss": fetches[0].id, "params": params, "optimizer": optimizer})
    with atomic_path(os.fspath(filepath)) as tmp:
        _engine.write_programs(tmp, programs)
