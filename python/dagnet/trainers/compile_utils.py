"""What compile() resolves (per-output losses, loss weights and metrics, from names, objects,
lists or dicts by output name) and how it lowers: the targets, every loss and metric, the
regularizers and the weighted total loss as nodes of the model's native graph, with the
LogSpec that turns the fetched values into Keras's logs."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import losses as losses_module, metrics as metrics_module, ops, optimizers as optimizers_module
from .._tracing import GraphTensor
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
        # the compiled metrics' names in compile order, known once lowered: Keras 3's
        # evaluate() lists a log in this order when its key is one of these names
        self.metric_order: list[str] = []
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


_ACTIVE: list[StepLowering] = []


def active_lowering() -> StepLowering | None:
    """The training or evaluation graph being lowered now, if any."""
    return _ACTIVE[-1] if _ACTIVE else None


class StepLowering:
    """A training or evaluation graph being lowered: its targets (inputs y<j>) and sample
    weights (w<j>), the values it fetches (the total loss first) and the LogSpec that turns
    them into Keras's logs. While it is active, Model.compute_loss and compute_metrics (the
    defaults, or a subclass's override calling super()) lower the compiled losses and
    metrics into it."""

    def __init__(self, builder, compiled, outputs, output_names, y_specs, w_ranks, named_outputs=True):
        self.builder = builder
        self.compiled = compiled  # what compile() resolved, or None (no loss and no metrics compiled)
        self.outputs = outputs  # the model's flat outputs, in output-key order
        self.output_names = output_names
        self.named_outputs = named_outputs  # False: a subclassed model's list of outputs (Keras names none)
        self.y_specs = y_specs  # (shape with only the last axis known, dtype) of each fed target
        self.targets = None
        if y_specs is not None:
            self.targets = [
                builder.input(f"y{j}", self._target_dims(j, shape), dtype) for j, (shape, dtype) in enumerate(y_specs)
            ]
        w_ranks = w_ranks or [None] * len(outputs)
        self.sample_weights = [
            None if rank is None else builder.input(f"w{j}", [None] * rank, out.dtype)
            for j, (rank, out) in enumerate(zip(w_ranks, outputs))
        ]
        self.spec = LogSpec()
        self.fetches = [None]  # [0]: the total loss, set by finish()
        self.spec.mean("loss", 0, ("batch",))  # Keras's loss tracker weighs a batch by its size

    def __enter__(self) -> StepLowering:
        _ACTIVE.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _ACTIVE.pop()

    def fetch(self, value: Any) -> int:
        self.fetches.append(value)
        return len(self.fetches) - 1

    def flat(self, structure, what):
        """A structure of per-output values (the outputs', or the targets' / sample weights'
        in the same structure or flat) as a list in output order, None for none."""
        n = len(self.outputs)
        if structure is None:
            return [None] * n
        if isinstance(structure, dict):
            missing = [k for k in self.output_names if k not in structure]
            if missing:
                raise ValueError(
                    f"{what} has no entry for the model's outputs {missing}; received keys {list(structure)}"
                )
            return [structure[k] for k in self.output_names]
        flat = list(structure) if isinstance(structure, (list, tuple)) else [structure]
        if len(flat) != n:
            raise ValueError(f"{what} has {len(flat)} entries but the model has {n} outputs")
        return flat

    def compiled_loss(self, y, y_pred, sample_weight):
        """The compiled losses on (y, y_pred), weighted and summed (None: none compiled);
        each output's loss is logged as '<output>_loss' for a multi-output model."""
        c = self.compiled
        if c is None or all(loss is None for loss in c.losses):
            return None
        targets, preds = self.flat(y, "y"), self.flat(y_pred, "y_pred")
        weights = self.flat(sample_weight, "sample_weight")
        terms = []
        for j, (out, target, loss) in enumerate(zip(preds, targets, c.losses)):
            if loss is None:
                continue
            if target is None:
                raise ValueError(
                    f"The loss compiled for output '{c.names[j]}' needs targets: pass `y` to fit / evaluate "
                    "(a model without targets gets its loss from `add_loss` or a `compute_loss` override)."
                )
            value = loss.lower(self.builder, target, out, self.builder.masks.get(out.id), sample_weight=weights[j])
            if len(preds) > 1:
                name = c.names[j] if self.named_outputs else loss.name
                self.spec.mean(f"{name}_loss", self.fetch(value), ("outdim", j))
            weight = c.loss_weights[j]
            terms.append(value if weight == 1.0 else self.builder.node("scale", [value], {"factor": weight})[0])
        return sum_terms(self.builder, terms)

    def _target_dims(self, j, shape):
        """The target input's dims: all unknown, but a loss may need the last one (ctc unrolls
        over the label axis; the step's signature keys the graph on it)."""
        losses = self.compiled.losses if self.compiled is not None else []
        if shape and j < len(losses) and getattr(losses[j], "static_target_width", False):
            return [None] * (len(shape) - 1) + [shape[-1]]
        return [None] * len(shape)

    def compiled_metrics(self, y, y_pred, sample_weight):
        """Lowers the compiled metrics on (y, y_pred) into the logs."""
        c = self.compiled
        if c is None:
            return
        targets, outputs = self.flat(y, "y"), self.flat(y_pred, "y_pred")
        weights_fed = self.flat(sample_weight, "sample_weight")
        masks = [self.builder.masks.get(out.id) for out in outputs]  # Keras averages masked outputs over valid steps
        multi = len(outputs) > 1
        counts = {}

        def count_of(j, weights, weighted):
            """How a batch's mean over output j's positions is weighed in the epoch mean."""
            if weights is None:
                return ("rows", j, outputs[j].ndim - 1)
            if masks[j] is None:
                return ("swsum", j)  # the weights are the fed sample weights: summed in Python
            if (j, weighted) not in counts:
                counts[(j, weighted)] = ("fetch", self.fetch(ops.sum(weights)))
            return counts[(j, weighted)]

        used: set[str] = set()
        order = []
        for weighted in (False, True):
            for j, (out, target) in enumerate(zip(outputs, targets)):
                ids = c.weighted_metric_ids[j] if weighted else c.metric_ids[j]
                if ids and target is None:
                    raise ValueError(f"The metrics compiled for output '{c.names[j]}' need targets: pass `y`.")
                sw = weights_fed[j] if weighted else None
                for identifier in ids:
                    metric = metrics_module.get(identifier, self.y_specs[j][0], out.shape)
                    prefix = c.names[j] if multi and self.named_outputs else None
                    name = metric_log_name(metric.name, prefix, weighted, used)
                    # Keras's sub-metric names: the log key for one output, the bare name for several
                    order.append(metric.name if multi else name)
                    if getattr(metric, "reduction", "mean") == "sums":
                        values = metric.lower_sums(self.builder, target, out, masks[j], sw)
                        self.spec.sums(name, [self.fetch(v) for v in values], metric.result_from_sums)
                        continue
                    value = metric.lower(self.builder, target, out, masks[j], sw)
                    weights = (
                        masks[j]
                        if sw is None
                        else (
                            sw
                            if masks[j] is None
                            else ops.multiply(
                                sw, masks[j] if masks[j].dtype == sw.dtype else ops.cast(masks[j], sw.dtype)
                            )
                        )
                    )
                    if weights is not None and weights.dtype != out.dtype:
                        weights = ops.cast(weights, out.dtype)
                    self.spec.mean(name, self.fetch(value), count_of(j, weights, weighted), metric.result)
        c.metric_order = order

    def logged(self) -> dict:
        """What the default compute_metrics returns: a reference to each log lowered so far."""
        return {name: LoggedValue(name) for name, _, _ in self.spec.logs}

    def keep_logs(self, results: Any) -> None:
        """A compute_metrics override's returned dict becomes the logs: references to logged
        values keep their running means; graph values are reported per batch (an epoch's
        log is its last batch's value, as Keras reports a step's raw values)."""
        if not isinstance(results, dict):
            raise TypeError(f"compute_metrics must return a dict of metric names to values; it returned {results!r}")
        keep = {}
        for name, value in results.items():
            if isinstance(value, LoggedValue):
                keep[str(name)] = value.name
            elif not isinstance(value, (GraphTensor, int, float, np.ndarray, np.generic)):
                raise TypeError(
                    f"compute_metrics returned {value!r} for '{name}': a value must be a tensor computed with "
                    "dagnet.ops (reported per batch) or an entry of super().compute_metrics(...) (an epoch mean, "
                    "used as it is: it has no value to compute with while the step is lowered)"
                )
            else:
                self.spec.last(str(name), self.fetch(self.builder.as_value(value)))
                keep[str(name)] = str(name)
        self.spec.select(keep)

    def finish(self, total):
        """The fetched values (the total loss first) and the LogSpec."""
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        total = self.builder.as_value(total)
        if total.ndim:
            raise ValueError(f"compute_loss must return a scalar loss; it returned a tensor of shape {total.shape}")
        self.fetches[0] = total
        return self.fetches, self.spec


class LoggedValue:
    """A log the lowered graph already accumulates (what the default compute_metrics returns)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<logged value {self.name!r}>"


def additional_losses(builder, losses):
    """Keras's _aggregate_additional_loss: each add_loss term or regularizer penalty summed to a scalar."""
    terms = []
    for loss in losses:
        value = builder.as_value(loss)
        if not value.dtype.startswith("float"):
            value = ops.cast(value, "float32")
        terms.append(value if value.ndim == 0 else ops.sum(value))
    return terms


def sum_terms(builder, terms):
    terms = [t for t in terms if t is not None]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else builder.node("add", terms)[0]


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
