"""What compile() resolves (per-output losses, loss weights and metrics, from names, objects,
lists or dicts by output name) and how it lowers: the targets, every loss and metric, the
regularizers and the weighted total loss as nodes of the model's native graph, with the
LogSpec that turns the fetched values into Keras's logs."""

from __future__ import annotations

from typing import Any

from .. import losses as losses_module, metrics as metrics_module, ops, optimizers as optimizers_module
from ..serialization.serialization_lib import deserialize_keras_object, serialize_keras_object
from .logs import LogSpec


class ResolvedCompile:
    """What compile() resolved: per-output losses, weights and metrics."""

    def __init__(self, model, loss, loss_weights, metrics, weighted_metrics=None):
        names = model._output_keys()
        self.names = names
        self.losses = per_output(loss, names, "loss", losses_module.get)
        if all(l is None for l in self.losses) and loss is not None:
            raise ValueError("No loss could be matched to the model's outputs")
        self.loss_weights = [
            1.0 if w is None else float(w) for w in per_output(loss_weights, names, "loss_weights", lambda w: w)
        ]
        self.metric_ids = per_output_metrics(metrics, names)
        self.weighted_metric_ids = per_output_metrics(weighted_metrics, names)


def per_output(config, names, what, convert):
    n = len(names)
    if config is None:
        return [None] * n
    if isinstance(config, dict):
        unknown = [k for k in config if k not in names]
        if unknown:
            raise ValueError(
                f"In the dict argument `{what}`, key '{unknown[0]}' does not correspond to any model "
                f"output. Received:\n{what}={config}. Expected keys: {names}"
            )
        return [convert(config[k]) if k in config else None for k in names]
    if isinstance(config, (list, tuple)):
        if len(config) != n:
            raise ValueError(f"`{what}` has {len(config)} entries but the model has {n} outputs {names}")
        return [convert(c) for c in config]
    return [convert(config) for _ in names]


def per_output_metrics(metrics, names):
    n = len(names)
    if metrics is None:
        return [[] for _ in names]
    if isinstance(metrics, dict):
        unknown = [k for k in metrics if k not in names]
        if unknown:
            raise ValueError(
                f"Invalid `metrics` argument: key '{unknown[0]}' is not a model output. Expected keys: {names}"
            )
        return [_as_list(metrics.get(k)) for k in names]
    metrics = list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]
    if n > 1 and len(metrics) == n:
        # Keras 3: a list as long as the outputs gives each output its metric (or list).
        return [_as_list(m) for m in metrics]
    # Otherwise every output gets every metric (Keras 2; Keras 3 rejects this).
    return [list(metrics) for _ in names]


def _as_list(m):
    if m is None:
        return []
    return list(m) if isinstance(m, (list, tuple)) else [m]


def lower_losses(builder, compiled, weights, outputs, y_specs, w_ranks=None):
    """Targets, per-output losses and metrics, and the weighted total with regularisers.
    `compiled`: what compile() resolved; `weights`: the model's weights (their regularizers
    add to the total). `w_ranks`: per output, the rank of its fed sample weights (input
    w<j>), or None. Returns the targets, the fetched values and the LogSpec that turns them
    into logs."""
    c = compiled
    spec = LogSpec()
    targets, fetches = [], []
    multi = len(outputs) > 1
    for j, (_, (shape, dtype)) in enumerate(zip(outputs, y_specs)):
        targets.append(builder.input(f"y{j}", [None] * len(shape), dtype))
    w_ranks = w_ranks or [None] * len(outputs)
    sample_weights = [None] * len(outputs)
    total_terms, output_losses = [], []
    masks = [builder.masks.get(out.id) for out in outputs]  # Keras averages masked outputs over valid steps
    for j, (out, target, loss) in enumerate(zip(outputs, targets, c.losses)):
        if loss is None:
            continue
        if w_ranks[j] is not None:
            sample_weights[j] = builder.input(f"w{j}", [None] * w_ranks[j], out.dtype)
        value = loss.lower(builder, target, out, masks[j], sample_weight=sample_weights[j])
        if multi:
            output_losses.append((f"{c.names[j]}_loss", value, j))
        weight = c.loss_weights[j]
        total_terms.append(value if weight == 1.0 else builder.node("scale", [value], {"factor": weight})[0])
    for variable in weights:
        regularizer = getattr(variable, "regularizer", None)
        if regularizer is None:
            continue
        total_terms.append(builder.as_value(regularizer(builder.param(variable))))  # a custom callable too
    total_terms += builder.activity_losses  # recorded while the outputs were traced
    if not total_terms:
        raise ValueError("The model has no loss to optimise: pass `loss=` to compile()")
    total = total_terms[0] if len(total_terms) == 1 else builder.node("add", total_terms)[0]

    def fetch(value):
        fetches.append(value)
        return len(fetches) - 1

    # Keras's loss tracker weighs a batch by its size; each output's loss tracker by
    # y_pred[0].shape[0] (see LogSpec).
    spec.mean("loss", fetch(total), ("batch",))
    for name, value, j in output_losses:
        spec.mean(name, fetch(value), ("outdim", j))
    counts = {}

    def count_of(j, weights, weighted):
        """How a batch's mean over output j's positions is weighed in the epoch mean."""
        if weights is None:
            return ("rows", j, outputs[j].ndim - 1)
        if masks[j] is None:
            return ("swsum", j)  # the weights are the fed sample weights: summed in Python
        if (j, weighted) not in counts:
            counts[(j, weighted)] = ("fetch", fetch(ops.sum(weights)))
        return counts[(j, weighted)]

    used: set[str] = set()
    for weighted in (False, True):
        for j, (out, target, (y_shape, _)) in enumerate(zip(outputs, targets, y_specs)):
            ids = c.weighted_metric_ids[j] if weighted else c.metric_ids[j]
            sw = sample_weights[j] if weighted else None
            for identifier in ids:
                metric = metrics_module.get(identifier, y_shape, out.shape)
                name = metric_log_name(metric.name, c.names[j] if multi else None, weighted, used)
                if getattr(metric, "reduction", "mean") == "sums":
                    values = metric.lower_sums(builder, target, out, masks[j], sw)
                    spec.sums(name, [fetch(v) for v in values], metric.result_from_sums)
                    continue
                value = metric.lower(builder, target, out, masks[j], sw)
                weights = (
                    masks[j]
                    if sw is None
                    else (
                        sw
                        if masks[j] is None
                        else ops.multiply(sw, masks[j] if masks[j].dtype == sw.dtype else ops.cast(masks[j], sw.dtype))
                    )
                )
                if weights is not None and weights.dtype != out.dtype:
                    weights = ops.cast(weights, out.dtype)
                spec.mean(name, fetch(value), count_of(j, weights, weighted), metric.result)
    return targets, fetches, spec


def metric_log_name(name, output, weighted, used):
    """Keras 3's CompileMetrics names: '<output>_<name>', a repeat gets '_1', '_2', ...; a
    weighted metric whose name is taken becomes 'weighted_<name>'."""
    full = f"{output}_{name}" if output else name
    if full in used:
        if weighted:
            full = f"{output}_weighted_{name}" if output else f"weighted_{name}"
        if full in used:
            index = 1
            while f"{full}_{index}" in used:
                index += 1
            full = f"{full}_{index}"
    used.add(full)
    return full


def target_specs(y):
    """(shape with every axis unknown but the last, dtype) of each target array."""
    return [(tuple([None] * (a.ndim - 1) + [a.shape[-1]]) if a.ndim else (), a.dtype.name) for a in y]


def compile_config(model: Any) -> dict:
    """Keras 3's compile config: the arguments given to compile, serialized (the optimizer as
    the object compile made of them); {} when the model is not compiled."""
    if not model.compiled:
        return {}
    args = model._compile_args
    return {
        "optimizer": serialize_keras_object(model.optimizer),
        "loss": serialize_keras_object(model.loss),
        "loss_weights": serialize_keras_object(args.get("loss_weights")),
        "metrics": serialize_keras_object(args.get("metrics")),
        "weighted_metrics": serialize_keras_object(args.get("weighted_metrics")),
        "run_eagerly": False,
        "steps_per_execution": getattr(model, "steps_per_execution", 1),
        "jit_compile": False,
    }


def compile_from_config(model: Any, config: dict) -> None:
    """compile() from a compile config written by Keras 3 or dagnet."""
    config = deserialize_keras_object(dict(config))
    optimizer = config.get("optimizer")
    if isinstance(optimizer, dict) or isinstance(optimizer, str):
        optimizer = optimizers_module.get(optimizer)
    model.compile(
        optimizer=optimizer if optimizer is not None else "rmsprop",
        loss=config.get("loss"),
        loss_weights=config.get("loss_weights"),
        metrics=config.get("metrics"),
        weighted_metrics=config.get("weighted_metrics"),
        steps_per_execution=config.get("steps_per_execution", 1),
    )
