"""compile / fit / evaluate / predict. The model is lowered once per input signature into
a native graph holding the forward pass, every loss and metric, the regularisers, the
backward pass and the optimizer updates; each batch is one native call."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _tree, losses as losses_module, metrics as metrics_module, optimizers as optimizers_module
from .._tracing import GraphBuilder
from ..engine import Executor, Trainer
from . import data as data_module


class _Compiled:
    """What compile() resolved: per-output losses, weights and metrics."""

    def __init__(self, model, loss, loss_weights, metrics, weighted_metrics=None):
        names = model._output_keys()
        self.names = names
        self.losses = _per_output(loss, names, "loss", losses_module.get)
        if all(l is None for l in self.losses) and loss is not None:
            raise ValueError("No loss could be matched to the model's outputs")
        self.loss_weights = [1.0 if w is None else float(w) for w in _per_output(loss_weights, names, "loss_weights",
                                                                                  lambda w: w)]
        self.metric_ids = _per_output_metrics(metrics, names)
        self.weighted_metric_ids = _per_output_metrics(weighted_metrics, names)


def _per_output(config, names, what, convert):
    n = len(names)
    if config is None:
        return [None] * n
    if isinstance(config, dict):
        unknown = [k for k in config if k not in names]
        if unknown:
            raise ValueError(f"In the dict argument `{what}`, key '{unknown[0]}' does not correspond to any model "
                             f"output. Received:\n{what}={config}. Expected keys: {names}")
        return [convert(config[k]) if k in config else None for k in names]
    if isinstance(config, (list, tuple)):
        if len(config) != n:
            raise ValueError(f"`{what}` has {len(config)} entries but the model has {n} outputs {names}")
        return [convert(c) for c in config]
    return [convert(config) for _ in names]


def _per_output_metrics(metrics, names):
    n = len(names)
    if metrics is None:
        return [[] for _ in names]
    if isinstance(metrics, dict):
        unknown = [k for k in metrics if k not in names]
        if unknown:
            raise ValueError(f"Invalid `metrics` argument: key '{unknown[0]}' is not a model output. Expected keys: "
                             f"{names}")
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


def _constraints_of(variables):
    """Split trainable variables' constraints into the engine's (index, attrs) list and the
    variables whose constraint Python applies after each step."""
    native, python_side = [], []
    for index, variable in enumerate(variables):
        constraint = getattr(variable, "constraint", None)
        if constraint is None:
            continue
        native_attrs = getattr(constraint, "native_attrs", None)
        attrs = native_attrs(variable.ndim) if native_attrs else None
        if attrs is not None:
            native.append((index, attrs))
        else:
            python_side.append(variable)
    return native, python_side


class _Runner:
    """A lowered graph for one input signature: what to feed, in which order, and what comes back."""

    python_constraints = ()  # variables whose (custom) constraint runs after each step
    optimizer_name = None

    def __init__(self, engine, feed_order, plan, graph):
        self.engine = engine
        self.feed_order = feed_order  # ("x"|"y"|"w", index) per required engine input
        self.plan = plan              # how fetched values become logs (train/eval)
        self._graph = graph

    def feeds(self, x, y, w=None):
        sources = {"x": x, "y": y, "w": w}
        return [sources[kind][i] for kind, i in self.feed_order]

    @property
    def learning_rate(self):
        return self.engine.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.engine.learning_rate = value

    @property
    def slots(self):
        return self.engine.slots

    @property
    def iterations(self):
        return getattr(self.engine, "iterations", 0)

    @iterations.setter
    def iterations(self, steps):
        self.engine.iterations = int(steps)


class TrainingMixin:
    """Mixed into Model."""

    compiled = False
    optimizer = None
    stop_training = False

    # -- compile ------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True, **kwargs):
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword arguments: {sorted(kwargs)}")
        if isinstance(steps_per_execution, bool) or not isinstance(steps_per_execution, int) \
                or steps_per_execution < 1:
            raise ValueError(f"steps_per_execution must be a positive integer, got {steps_per_execution!r}")
        self.steps_per_execution = steps_per_execution  # training batches per native call
        self.optimizer = optimizers_module.get(optimizer)
        self._compiled = _Compiled(self, loss, loss_weights, metrics, weighted_metrics)
        self._compile_args = {"loss_weights": loss_weights, "metrics": metrics, "weighted_metrics": weighted_metrics}
        self.loss = loss
        self.compiled = True
        self._runners = {}  # lowered graphs, per kind and signature; recompiling starts afresh
        self.stop_training = False

    def _output_loss_names(self) -> list:
        c = getattr(self, "_compiled", None)
        if c is None or len(c.names) < 2:
            return []
        return [f"{name}_loss" for name, loss in zip(c.names, c.losses) if loss is not None]

    @property
    def metrics_names(self) -> list:
        """Keras 3's names: 'loss', 'compile_metrics' when metrics were compiled, then each
        output's loss for a multi-output model."""
        if not self.compiled:
            return []
        has_metrics = self._compile_args.get("metrics") is not None or \
            self._compile_args.get("weighted_metrics") is not None
        return ["loss"] + (["compile_metrics"] if has_metrics else []) + self._output_loss_names()

    def _require_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"You must call `compile()` before using the model for {what}.")

    def _output_keys(self) -> list[str]:
        struct = self._graph_model()._outputs_struct
        return list(struct) if isinstance(struct, dict) else self.output_names

    def _graph_model(self):
        model = getattr(self, "_functional", None) or self
        if not hasattr(model, "_outputs_struct"):
            raise ValueError(f"Model '{self.name}' has no known inputs yet; build it (call it on data or give "
                             "it an Input) before training.")
        return model

    # -- data ------------------------------------------------------------------------------------
    def _input_specs(self):
        model = self._graph_model()
        return [(x.shape, x.dtype) for x in model.inputs]

    def _align_x(self, x, warned=None):
        model = self._graph_model()
        keys = list(model._inputs_struct) if isinstance(model._inputs_struct, dict) else None
        names = keys if keys else model.input_names
        if keys:
            order = sorted(keys)  # the flat input order of a dict-built model
            by_key = dict(zip(keys, data_module.align(x, keys, [self._spec_by_key(k) for k in keys], "input",
                                                      warned=warned)))
            return [by_key[k] for k in order]
        return data_module.align(x, names, self._input_specs(), "input", warned=warned)

    def _spec_by_key(self, key):
        tensor = self._graph_model()._inputs_struct[key]
        return tensor.shape, tensor.dtype

    def _align_y(self, y, warned=None):
        if y is None:
            return None
        model = self._graph_model()
        names = self._output_keys()
        specs = []
        for tensor, loss in zip(model.outputs if not isinstance(model._outputs_struct, dict)
                                else [model._outputs_struct[k] for k in names], self._compiled.losses):
            shape, dtype = tensor.shape, "float32"
            if isinstance(loss, losses_module.SparseCategoricalCrossentropy):
                shape, dtype = shape[:-1], "int64"
            specs.append((shape, dtype))
        arrays = data_module.align(y, names, [_loose(s) for s in specs], "target", warned=warned)
        return arrays

    # -- lowering ---------------------------------------------------------------------------------
    def _lower_outputs(self, builder):
        model = self._graph_model()
        inputs = [builder.input(f"x{i}", t.shape, t.dtype) for i, t in enumerate(model.inputs)]
        structured = _tree.pack_sequence_as(model._inputs_struct, inputs)
        outputs = self._traced_call(builder, (structured,), {})
        if isinstance(model._outputs_struct, dict):
            flat = [outputs[k] for k in self._output_keys()]
        else:
            flat = _tree.flatten(outputs)
        return inputs, flat

    def _lower_losses(self, builder, outputs, y_specs, w_ranks=None):
        """Targets, per-output losses and metrics, and the weighted total with regularisers.
        `w_ranks`: per output, the rank of its fed sample weights (input w<j>), or None.
        Returns the targets, the fetched values and the _LogPlan that turns them into logs."""
        from .. import ops

        c = self._compiled
        plan = _LogPlan()
        targets, fetches = [], []
        multi = len(outputs) > 1
        for j, (out, (shape, dtype)) in enumerate(zip(outputs, y_specs)):
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
        for variable in self.weights:
            regularizer = getattr(variable, "regularizer", None)
            if regularizer is None:
                continue
            param = builder.param(variable)
            if getattr(regularizer, "l2", 0.0):
                total_terms.append(builder.node("l2_penalty", [param], {"l2": regularizer.l2})[0])
            if getattr(regularizer, "l1", 0.0):
                total_terms.append(ops.multiply(ops.sum(ops.absolute(param)), regularizer.l1))
        total_terms += builder.activity_losses  # recorded while the outputs were traced
        if not total_terms:
            raise ValueError("The model has no loss to optimise: pass `loss=` to compile()")
        total = total_terms[0] if len(total_terms) == 1 else builder.node("add", total_terms)[0]

        def fetch(value):
            fetches.append(value)
            return len(fetches) - 1

        # Keras's loss tracker weighs a batch by its size; each output's loss tracker by
        # y_pred[0].shape[0] (see _LogPlan).
        plan.mean("loss", fetch(total), ("batch",))
        for name, value, j in output_losses:
            plan.mean(name, fetch(value), ("outdim", j))
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

        used = set()
        for weighted in (False, True):
            for j, (out, target, (y_shape, _)) in enumerate(zip(outputs, targets, y_specs)):
                ids = c.weighted_metric_ids[j] if weighted else c.metric_ids[j]
                sw = sample_weights[j] if weighted else None
                for identifier in ids:
                    metric = metrics_module.get(identifier, y_shape, out.shape)
                    name = _metric_log_name(metric.name, c.names[j] if multi else None, weighted, used)
                    if getattr(metric, "reduction", "mean") == "sums":
                        values = metric.lower_sums(builder, target, out, masks[j], sw)
                        plan.sums(name, [fetch(v) for v in values], metric.result_from_sums)
                        continue
                    value = metric.lower(builder, target, out, masks[j], sw)
                    weights = masks[j] if sw is None else (sw if masks[j] is None else ops.multiply(
                        sw, masks[j] if masks[j].dtype == sw.dtype else ops.cast(masks[j], sw.dtype)))
                    if weights is not None and weights.dtype != out.dtype:
                        weights = ops.cast(weights, out.dtype)
                    plan.mean(name, fetch(value), count_of(j, weights, weighted), metric.result)
        return targets, fetches, plan

    def _signature(self, x, y, w=None):
        # The graph is lowered from the model's symbolic inputs (None dims stay unknown), so
        # a new batch size or sequence length is only a new engine plan, not a new graph.
        # Targets contribute rank, dtype and last dim (which picks the accuracy variant);
        # sample weights their rank per output.
        return (tuple((a.ndim, a.dtype.str) for a in x),
                tuple((a.ndim, a.dtype.str, a.shape[-1] if a.ndim else None) for a in y or ()),
                _weight_ranks(w))

    @staticmethod
    def _feed_order(required):
        """Engine inputs are named x<i> / y<j> / w<j>; map each to the batch list it comes from."""
        return [(name[0], int(name[1:])) for name in required]

    def _runner(self, kind: str, x, y, w=None):
        """The lowered graph for this signature: 'train' (one native step with updates),
        'eval' (losses and metrics) or 'predict' (outputs), built on first use."""
        cache = self.__dict__.setdefault("_runners", {})
        key = (kind, self._signature(x, y, w))
        runner = cache.get(key)
        if runner is not None:
            return runner
        builder = GraphBuilder(training=kind == "train")
        with builder.active():
            _, outputs = self._lower_outputs(builder)
            plan = None
            if kind != "predict":
                _, fetches, plan = self._lower_losses(builder, outputs, _target_specs(y), _weight_ranks(w))
            params = [builder.param(v).id for v in self.trainable_weights] if kind == "train" else []
        if kind == "train":
            if not params:
                warnings.warn("The model has no trainable weights; fit only computes the loss.", stacklevel=4)
            native, python_side = _constraints_of(self.trainable_weights)
            engine = Trainer(builder.graph, fetches[0].id, params, learning_rate=self.optimizer.learning_rate,
                             fetches=[f.id for f in fetches[1:]], constraints=native,
                             **self.optimizer._engine_kwargs())
        else:
            engine = Executor(builder.graph, [t.id for t in (outputs if kind == "predict" else fetches)])
        runner = _Runner(engine, self._feed_order(engine.required_inputs), plan, builder.graph)
        if kind == "train":
            runner.python_constraints = python_side
            runner.optimizer_name = self.optimizer._engine_kwargs()["optimizer"]
            self.optimizer._trainers.append(runner)
            pending = self.__dict__.pop("_pending_optimizer_state", None)
            if pending is not None:
                _restore_optimizer_state(runner, pending)
        cache[key] = runner
        return runner

    # -- saving ---------------------------------------------------------------------------------
    def _optimizer_state(self):
        """Keras's optimizer variables: iterations, learning rate, then each trainable
        variable's slots (Adam: m, v[, v_hat]; SGD: momentum; RMSprop: velocity[, momentum])."""
        runners = [r for (kind, _), r in self.__dict__.get("_runners", {}).items() if kind == "train"]
        if not runners:
            return None
        runner = runners[-1]
        state = [np.array(runner.iterations, dtype="int64")]
        if self.optimizer._schedule is None:  # Keras has no learning-rate variable for a schedule
            state.append(np.array(self.optimizer.learning_rate, dtype="float32"))
        for slots in runner.slots:
            state += [np.asarray(runner.engine.slot_tensor(v)).copy() for v in slots]
        if isinstance(self.optimizer, optimizers_module.Nadam):  # Keras's last variable: u_product
            state.append(np.array(runner.engine.u_product, dtype="float32"))
        return state

    def save(self, filepath, overwrite=True, include_optimizer=True, **kwargs):
        """Saves architecture, weights and (by default) optimizer state to a `.keras` file."""
        import os

        from ..saving.keras_file import save_model

        filepath = os.fspath(filepath)
        if filepath.endswith((".h5", ".hdf5")):  # Keras 3 still writes the legacy whole-model HDF5
            import warnings

            from ..saving.legacy_h5 import save_model_h5

            warnings.warn("You are saving your model as an HDF5 file via `model.save()`. This file format is "
                          "considered legacy. We recommend using instead the native Keras format, e.g. "
                          "`model.save('my_model.keras')`.")
            if not overwrite and os.path.exists(filepath):
                raise FileExistsError(f"{filepath} exists and overwrite=False")
            save_model_h5(self, filepath, include_optimizer=include_optimizer)
            return
        if not filepath.endswith(".keras"):
            raise ValueError(f"Invalid filepath extension for saving. Please add the `.keras` extension to the "
                             f"filepath. Received: filepath={filepath}")
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{filepath} exists and overwrite=False")
        save_model(self, filepath, include_optimizer=include_optimizer)

    def export_native(self, filepath) -> None:
        """Writes the lowered prediction graph (and, when compiled, the training graph with its
        losses, trainable parameters and optimizer) with the weights, for `dagnet-bench`."""
        import os

        from .. import _engine
        from ..saving.atomic import atomic_path

        programs = []
        builder = GraphBuilder(training=False)
        with builder.active():
            _, outputs = self._lower_outputs(builder)
        programs.append({"name": "predict", "graph": builder.graph, "fetches": [o.id for o in outputs]})
        if self.compiled:
            builder = GraphBuilder(training=True)
            with builder.active():
                _, outputs = self._lower_outputs(builder)
                specs = []
                for out, loss in zip(outputs, self._compiled.losses):
                    sparse = isinstance(loss, losses_module.SparseCategoricalCrossentropy)
                    specs.append((out.shape[:-1], "int64") if sparse else (out.shape, out.dtype))
                _, fetches, _ = self._lower_losses(builder, outputs, specs)
                params = [builder.param(v).id for v in self.trainable_weights]
            optimizer = {**self.optimizer._engine_kwargs(), "learning_rate": self.optimizer.learning_rate}
            extras = [k for k in ("centered", "clipnorm", "global_clipnorm", "clipvalue", "weight_decay")
                      if optimizer.pop(k, None)]
            if optimizer.pop("initial_accumulator_value", 0.1) != 0.1:
                extras.append("initial_accumulator_value")
            if self.optimizer._schedule is not None:
                extras.append("learning-rate schedule")
            if extras:
                raise ValueError(f"export_native: the native program format does not carry the optimizer "
                                 f"options {extras}")
            programs.append({"name": "train", "graph": builder.graph, "fetches": [fetches[0].id],
                             "loss": fetches[0].id, "params": params, "optimizer": optimizer})
        with atomic_path(os.fspath(filepath)) as tmp:
            _engine.write_programs(tmp, programs)

    def save_weights(self, filepath, overwrite=True):
        """`.weights.h5`: Keras 3's layout; `.h5`: tf.keras's layout."""
        import os

        from ..saving import weights_h5

        filepath = os.fspath(filepath)
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{filepath} exists and overwrite=False")
        if filepath.endswith(".weights.h5"):
            weights_h5.save_weights(self, filepath)
        elif filepath.endswith(".h5"):
            from ..saving.atomic import atomic_path
            from ..saving.legacy_h5 import save_legacy_weights

            with atomic_path(filepath) as tmp, weights_h5._h5py().File(tmp, "w") as f:
                save_legacy_weights(self, f)
        else:
            raise ValueError(f"The filename must end in `.weights.h5` (or `.h5` for the tf.keras layout). "
                             f"Received: filepath={filepath}")

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        import os

        from ..saving import weights_h5

        filepath = os.fspath(filepath)
        if not os.path.exists(filepath):
            raise FileNotFoundError(f"No such file: {filepath}")
        if filepath.endswith(".keras"):
            from ..saving.keras_file import load_weights_from_archive

            load_weights_from_archive(self, filepath)
        else:
            weights_h5.load_weights(self, filepath)

    # -- one batch -----------------------------------------------------------------------------
    def _train_step(self, x, y, w=None):
        """One native training step; returns (plan, fetched values) for a _LogAccumulator."""
        runner = self._runner("train", x, y, w)
        self.optimizer._before_step(runner)
        values = [_fetched(v) for v in runner.engine.step(runner.feeds(x, y, w))]
        for variable in runner.python_constraints:  # custom constraints; built-in ones ran natively
            variable.assign(variable.constraint(variable.value.copy()))
        return runner.plan, values

    def _train_steps(self, batches):
        """Several training steps (steps_per_execution): consecutive batches that share a
        lowered graph run in one native call, unless a learning-rate schedule or a Python
        constraint must act between steps. Returns [(plan, values)] per batch."""
        results, i = [], 0
        while i < len(batches):
            runner = self._runner("train", *batches[i])
            group = [batches[i]]
            while (i + len(group) < len(batches) and not runner.python_constraints
                   and self.optimizer._schedule is None
                   and self._runner("train", *batches[i + len(group)]) is runner):
                group.append(batches[i + len(group)])
            if len(group) == 1:
                results.append(self._train_step(*group[0]))
            else:
                self.optimizer._before_step(runner)
                for values in runner.engine.steps([runner.feeds(*b) for b in group]):
                    results.append((runner.plan, [_fetched(v) for v in values]))
            i += len(group)
        return results

    def _test_step(self, x, y, w=None):
        runner = self._runner("eval", x, y, w)
        return runner.plan, [_fetched(v) for v in runner.engine.run(runner.feeds(x, y, w))]

    def _predict_step(self, x):
        runner = self._runner("predict", x, None)
        return runner.engine.run(runner.feeds(x, None))

    def _structure_outputs(self, flat):
        model = self._graph_model()
        if isinstance(model._outputs_struct, dict):
            return dict(zip(self._output_keys(), flat))
        if len(flat) == 1:  # Keras 3 unpacks a one-output list or tuple too
            return flat[0]
        return list(flat)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        self._require_compiled("training")
        xs, ys = self._align_x(x), self._align_y(y)
        ws = self._align_weights(sample_weight, class_weight, ys)
        data_module.check_cardinality(xs, ys, ws)
        logs = _LogAccumulator().add(*self._train_step(xs, ys, ws), xs, ys, ws).result()
        return _sorted_logs(logs) if return_dict else _logs_result(logs, self._output_loss_names())

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._require_compiled("evaluation")
        xs, ys = self._align_x(x), self._align_y(y)
        ws = self._align_weights(sample_weight, None, ys)
        data_module.check_cardinality(xs, ys, ws)
        logs = _LogAccumulator().add(*self._test_step(xs, ys, ws), xs, ys, ws).result()
        return _sorted_logs(logs) if return_dict else _logs_result(logs, self._output_loss_names())

    def predict_on_batch(self, x):
        return self._structure_outputs(self._predict_step(self._align_x(x)))

    # -- loops ---------------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        from .. import callbacks as callbacks_module

        if data_module.is_batch_iterable(x):
            def align(batch):
                if isinstance(batch, tuple):  # (x,), (x, y) or (x, y, sample_weight): x only
                    batch = batch[0]
                return self._align_x(batch)

            iterator = _EpochIterator(x, align, steps_per_epoch=steps)
        else:
            xs = self._align_x(x)
            n = data_module.check_cardinality(xs, None)
            size = batch_size or 32

            def batches():
                for s in range(0, n, size):
                    yield data_module.take(xs, slice(s, s + size))

            iterator = _EpochIterator(batches, None, num_batches=math.ceil(n / size), steps_per_epoch=steps)
        if not isinstance(callbacks, callbacks_module.CallbackList):
            callbacks = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, verbose=verbose, epochs=1,
                                                      steps=iterator.num_batches, model=self)
        self.stop_predicting = False
        callbacks.on_predict_begin()
        pieces = []
        for step, bx in iterator.epoch():
            callbacks.on_predict_batch_begin(step)
            outputs = self._predict_step(bx)
            pieces.append(outputs)
            callbacks.on_predict_batch_end(step, {"outputs": self._structure_outputs(list(outputs))})
            if self.stop_predicting:
                break
        callbacks.on_predict_end()
        if not pieces:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). Please use "
                             "`Model.compile(..., run_eagerly=True)`, or `tf.config.run_functions_eagerly(True)` "
                             "for more information of where went wrong, or file a issue/bug to `keras`.")
        flat = [np.concatenate([p[k] for p in pieces], axis=0) for k in range(len(pieces[0]))]
        return self._structure_outputs(flat)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        self._require_compiled("evaluation")
        from .. import callbacks as callbacks_module

        iterator = kwargs.pop("_epoch_iterator", None)
        if kwargs:
            raise ValueError(f"Arguments not recognized: {kwargs}")
        if iterator is None:
            iterator = self._epoch_iterator(x, y, sample_weight, batch_size, steps, shuffle=False)
        if not isinstance(callbacks, callbacks_module.CallbackList):
            callbacks = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, verbose=verbose, epochs=1,
                                                      steps=iterator.num_batches, model=self)
        self.stop_evaluating = False
        callbacks.on_test_begin()
        means = _LogAccumulator()
        for step, (bx, by, bw) in iterator.epoch():
            callbacks.on_test_batch_begin(step)
            means.add(*self._test_step(bx, by, bw), bx, by, bw)
            callbacks.on_test_batch_end(step, means.result())
            if self.stop_evaluating:
                break
        logs = _sorted_logs(means.result())
        callbacks.on_test_end(logs)
        return logs if return_dict else _logs_result(logs, self._output_loss_names())

    def _epoch_iterator(self, x, y, sample_weight, batch_size, steps, shuffle, class_weight=None, warned=None):
        """Keras's EpochIterator over arrays (aligned once, batched per epoch) or over a batch
        iterable (a PyDataset/Sequence, a generator, any iterable of (x, y[, w]) batches)."""
        if data_module.is_batch_iterable(x):
            if class_weight is not None or sample_weight is not None:
                raise ValueError("`class_weight` and `sample_weight` are not supported for generator inputs; yield "
                                 "(x, y, sample_weight) batches instead.")
            if shuffle and not _is_indexable(x):
                warnings.warn("`shuffle=True` was passed, but will be ignored since the data `x` was provided as a "
                              "generator. The generator is expected to yield already-shuffled data.", stacklevel=3)
                shuffle = False
            return _EpochIterator(x, self._align_batch, steps_per_epoch=steps, shuffle=shuffle)
        if isinstance(x, _ListData):  # already aligned (a validation split)
            xs, ys, ws = list(x), list(y), None if sample_weight is None else list(sample_weight)
        else:
            xs, ys = self._align_x(x, warned), self._align_y(y, warned)
            ws = self._align_weights(sample_weight, class_weight, ys)
        if ys is None:
            raise ValueError("fit() and evaluate() need targets `y` (or a generator of (x, y) batches)")
        n = data_module.check_cardinality(xs, ys, ws)
        size = batch_size or 32

        def batches():
            order = np.random.permutation(n) if shuffle else np.arange(n)
            if shuffle == "batch":  # Keras: shuffle whole batches, then within each batch
                order = np.arange(n)
                starts = np.random.permutation(math.ceil(n / size)) * size
                order = np.concatenate([np.random.permutation(order[s:s + size]) for s in starts]) if n else order
            return self._batches(xs, ys, size, bool(shuffle), index=order, sample_weight=ws)

        return _EpochIterator(batches, None, num_batches=math.ceil(n / size), steps_per_epoch=steps)

    def _align_batch(self, batch):
        if not isinstance(batch, (tuple, list)) or len(batch) < 2:
            raise ValueError("A generator for fit/evaluate must yield (x, y) or (x, y, sample_weight) tuples")
        bx, by = self._align_x(batch[0]), self._align_y(batch[1])
        bw = self._align_weights(batch[2] if len(batch) > 2 else None, None, by)
        data_module.check_cardinality(bx, by, bw)
        return bx, by, bw

    def _batches(self, x, y, batch_size, shuffle, steps=None, index=None, sample_weight=None):
        """Yields aligned (x_list, y_list, weights_list_or_None) batches from arrays or a batch
        iterable. With `index`, x, y and sample_weight are already aligned lists."""
        if data_module.is_batch_iterable(x):
            for batch in _iterate(x, steps):
                yield self._align_batch(batch)
            return
        if index is not None:
            xs, ys, ws = x, y, sample_weight
        else:
            xs, ys = self._align_x(x), self._align_y(y)
            ws = self._align_weights(sample_weight, None, ys)
        n = data_module.check_cardinality(xs, ys, ws)
        order = index if index is not None else np.arange(n)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            if not shuffle and len(chunk) and chunk[-1] - chunk[0] == len(chunk) - 1:
                chunk = slice(int(chunk[0]), int(chunk[-1]) + 1)  # contiguous: views, no copies
            yield data_module.take(xs, chunk), data_module.take(ys, chunk), _take_weights(ws, chunk)

    def _align_weights(self, sample_weight, class_weight, ys):
        """Keras's sample weights, one float array (or None) per output, shaped like that
        output's per-sample losses; `class_weight` ({class: weight}) becomes sample weights
        from the targets of a single-output model."""
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
            if ys is None:
                raise ValueError("`class_weight` needs targets `y`")
            if len(ys) != 1:
                raise ValueError("`class_weight` is only supported for Models with a single output.")
            if not isinstance(class_weight, dict):
                raise ValueError(f"`class_weight` must be a dict mapping class indices to weights. "
                                 f"Received: class_weight={class_weight}")
            sample_weight = _class_weight_to_sample_weights(ys[0], class_weight)
        if sample_weight is None:
            return None
        if ys is None:
            raise ValueError("`sample_weight` needs targets `y`")
        names = self._output_keys()
        n = len(names)
        if isinstance(sample_weight, dict):
            unknown = [k for k in sample_weight if k not in names]
            if unknown:
                raise ValueError(f"Unknown entries in sample_weight dictionary: {unknown}. Only expected the "
                                 f"following keys: {names}")
            per_output = [sample_weight.get(k) for k in names]
        elif isinstance(sample_weight, (list, tuple)) and n > 1:
            if len(sample_weight) != n:
                raise ValueError(f"You should provide one `sample_weight` array per output in `y`: the model has "
                                 f"{n} outputs but received {len(sample_weight)} sample weight arrays.")
            per_output = list(sample_weight)
        else:
            if isinstance(sample_weight, (list, tuple)) and len(sample_weight) == 1 and \
                    np.ndim(sample_weight[0]) >= 1:
                sample_weight = sample_weight[0]
            array = np.asarray(sample_weight)
            if n > 1 and not (array.ndim == 1 or (array.ndim == 2 and array.shape[1] == 1)):
                raise ValueError("For a model with multiple outputs, when providing a single `sample_weight` array, "
                                 "it should only have one scalar score per sample (i.e. shape `(num_samples,)`). If "
                                 "you want to use non-scalar sample weights, pass a `sample_weight` argument with "
                                 "one array per model output.")
            per_output = [array] * n
        model = self._graph_model()
        outputs = [model._outputs_struct[k] for k in names] if isinstance(model._outputs_struct, dict) \
            else model.outputs
        result = []
        for w, out, y, loss in zip(per_output, outputs, ys, self._compiled.losses):
            if w is None or loss is None:
                result.append(None)
                continue
            rows = len(out.shape) - 1  # per-sample losses have y_pred.shape[:-1]
            w = np.asarray(w)
            if w.dtype == object or w.dtype.kind not in "biuf":
                raise ValueError(f"sample_weight must be numeric, got dtype {w.dtype}")
            if w.ndim == 0:
                raise ValueError("sample_weight must be an array with one weight per sample, not a scalar")
            y_rows = y.shape[:rows] if y.ndim >= rows else y.shape + (1,) * (rows - y.ndim)
            from ..losses import rows_weights

            result.append(rows_weights(w, y_rows, out.dtype))
        return result if any(w is not None for w in result) else None

    # tf.keras 2 spellings (Deep Learning with Python, 1st edition, trains with these).
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, validation_freq=1, class_weight=None,
                      max_queue_size=10, workers=1, use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Keras 2's generator training: `fit` on an iterable of batches."""
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data, validation_steps=validation_steps,
                        validation_freq=validation_freq, class_weight=class_weight,
                        shuffle=shuffle and _is_indexable(generator),
                        initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0):
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0):
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def reset_metrics(self):
        """Keras resets its metric accumulators; dagnet's live in each fit/evaluate call."""

    run_eagerly = False  # the step is always one native call

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1, **kwargs):
        self._require_compiled("training")
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword arguments: {sorted(kwargs)}")
        from .. import callbacks as callbacks_module

        warned: set = set()
        if validation_split and validation_data is None:
            if data_module.is_batch_iterable(x):
                raise ValueError("Argument `validation_split` is only supported for tensors or NumPy arrays."
                                 f"Found incompatible type in the input: {[type(x)]}")
            # The last fraction validates, before any shuffling, as in Keras.
            xs, ys = self._align_x(x, warned), self._align_y(y, warned)
            ws = self._align_weights(sample_weight, class_weight, ys)
            n = data_module.check_cardinality(xs, ys, ws)
            split_at = int(math.floor(n * (1.0 - validation_split)))
            if split_at == 0 or split_at == n:
                raise ValueError(f"Training data contains {n} samples, which is not sufficient to split it into a "
                                 f"validation and training set as specified by `validation_split={validation_split}`. "
                                 "Either provide more data, or a different value for the `validation_split` argument.")
            validation_data = (_ListData(data_module.take(xs, slice(split_at, n))),
                               _ListData(data_module.take(ys, slice(split_at, n))),
                               _list_data(_take_weights(ws, slice(split_at, n))))
            x, y = _ListData(data_module.take(xs, slice(0, split_at))), _ListData(data_module.take(ys, slice(0, split_at)))
            sample_weight, class_weight = _list_data(_take_weights(ws, slice(0, split_at))), None
        val_iterator = None
        if validation_data is not None:
            if data_module.is_batch_iterable(validation_data):
                val_args = (validation_data, None, None)
            else:
                if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (1, 2, 3):
                    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, "
                                     f"sample_weight)`, found: {validation_data}")
                val_args = tuple(validation_data) + (None,) * (3 - len(validation_data))
        iterator = self._epoch_iterator(x, y, sample_weight, batch_size, steps_per_epoch, shuffle, class_weight,
                                        warned)
        if not isinstance(callbacks, callbacks_module.CallbackList):
            callbacks = callbacks_module.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                                      verbose=verbose, epochs=epochs, steps=iterator.num_batches,
                                                      model=self)
        self.stop_training = False
        callbacks.on_train_begin()
        training_logs = None
        nan_reported = False
        interrupted = None
        initial_epoch = getattr(self, "_initial_epoch", None) or initial_epoch
        for epoch in range(initial_epoch, epochs):
            callbacks.on_epoch_begin(epoch)
            means, step = _LogAccumulator(), -1
            try:
                for first, group in _executions(iterator.epoch(), getattr(self, "steps_per_execution", 1)):
                    callbacks.on_train_batch_begin(first)  # Keras 3: once per execution, first and last step
                    for step, (plan, values), (bx, by, bw) in zip(range(first, first + len(group)),
                                                                  self._train_steps(group), group):
                        if not nan_reported and not math.isfinite(values[0]):
                            warnings.warn(f"The loss is {values[0]} at epoch {epoch + 1}, batch {step}. Check the "
                                          "data and the learning rate (TerminateOnNaN stops training when this "
                                          "happens).", stacklevel=2)
                            nan_reported = True
                        means.add(plan, values, bx, by, bw)
                    callbacks.on_train_batch_end(step, means.result())
                    if self.stop_training:
                        break
            except KeyboardInterrupt as exc:
                # The interrupted native step either finished or never started: weights are consistent.
                interrupted = (epoch, step, exc)
                self.stop_training = True
            epoch_logs = means.result()
            if interrupted is None and validation_data is not None and _should_eval(epoch, validation_freq):
                if val_iterator is None:  # built once and reused, as Keras caches it
                    val_iterator = self._epoch_iterator(*val_args, validation_batch_size or batch_size,
                                                        validation_steps, shuffle=False, warned=warned)
                val_logs = self.evaluate(callbacks=callbacks, return_dict=True, _epoch_iterator=val_iterator)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if self.stop_training:
                break
        callbacks.on_train_end(logs=training_logs)
        if interrupted is not None:
            epoch, step, _ = interrupted
            warnings.warn(f"Training interrupted (KeyboardInterrupt) during epoch {epoch + 1} after batch {step}; "
                          "the weights are those after the last completed step.", stacklevel=2)
        return self.history


class _ListData(list):
    """Data already aligned with the model's inputs/outputs (a validation split)."""


def _list_data(value):
    return None if value is None else _ListData(value)


def _should_eval(epoch, validation_freq):
    epoch = epoch + 1  # one-indexed, as users count epochs
    if isinstance(validation_freq, int):
        return epoch % validation_freq == 0
    if isinstance(validation_freq, list):
        return epoch in validation_freq
    raise ValueError("Expected `validation_freq` to be a list or int. Received: "
                     f"validation_freq={validation_freq} of the type {type(validation_freq)}.")


class _LogPlan:
    """How a lowered graph's fetched values become Keras's logs. Each log is built from
    accumulators: a fetched value times a per-batch multiplier, summed over batches.

    multipliers: ("batch",) batch size; ("outdim", j) output j's y.shape[1] (what Keras 3's
    per-output loss trackers weigh batches by: a constant for fixed-shape outputs, so a plain
    mean of the batches); ("rows", j, r) the positions of output j (product of y.shape[:r]);
    ("swsum", j) the sum of output j's fed sample weights; ("fetch", k) fetched value k;
    ("one",) 1 (a sum)."""

    def __init__(self):
        self.slots = []  # (fetch index or None for 1, multiplier)
        self.logs = []   # (name, slot indices, fn(sums) -> value)

    def _slot(self, index, multiplier):
        self.slots.append((index, multiplier))
        return len(self.slots) - 1

    def mean(self, name, index, multiplier, finalize=None):
        num, den = self._slot(index, multiplier), self._slot(None, multiplier)
        self.logs.append((name, (num, den), lambda s: _finalized(finalize, _F32(s[0]) / _F32(s[1]) if s[1] else 0.0)))

    def sums(self, name, indices, fn):
        self.logs.append((name, tuple(self._slot(i, ("one",)) for i in indices), lambda s: float(fn(s))))


_F32 = np.float32


def _fetched(value):
    """A fetched scalar as a float; a fetched vector (AUC's counts per threshold) as float32."""
    array = np.asarray(value)
    return float(array.reshape(())) if array.size == 1 else array.astype(np.float32)


def _finalized(fn, value):
    return float(value if fn is None else fn(value))


class _LogAccumulator:
    """Keras's stateful metrics over the batches of an epoch (or one *_on_batch call)."""

    def __init__(self):
        self.plan, self.sums = None, None

    def add(self, plan, values, bx, by, bw=None):
        if self.plan is not plan:
            if self.plan is not None and [n for n, _, _ in self.plan.logs] != [n for n, _, _ in plan.logs]:
                self.sums = None  # a different graph with different logs: start afresh
            self.plan = plan
            if self.sums is None or len(self.sums) != len(plan.slots):
                self.sums = [0.0] * len(plan.slots)
        # float32 throughout, as Keras's metric variables (total, count) are float32
        for k, (index, multiplier) in enumerate(plan.slots):
            value = _F32(1.0 if index is None else values[index])
            self.sums[k] = _F32(self.sums[k] + value * _F32(_multiplier(multiplier, values, bx, by, bw)))
        return self

    def result(self):
        if self.plan is None:
            return {}
        return {name: fn([self.sums[k] for k in slots]) for name, slots, fn in self.plan.logs}


def _multiplier(spec, values, bx, by, bw):
    kind = spec[0]
    if kind == "batch":
        return len(bx[0]) if bx else (len(by[0]) if by else 1)
    if kind == "outdim":
        y = by[spec[1]]
        return y.shape[1] if y.ndim >= 2 else 1
    if kind == "rows":
        y = by[spec[1]]
        return int(np.prod(y.shape[:spec[2]])) if spec[2] <= y.ndim else len(y)
    if kind == "swsum":
        return float(np.sum(bw[spec[1]]))
    if kind == "fetch":
        return values[spec[1]]
    return 1.0


def _metric_log_name(name, output, weighted, used):
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


def _target_specs(y):
    """(shape with every axis unknown but the last, dtype) of each target array."""
    return [(tuple([None] * (a.ndim - 1) + [a.shape[-1]]) if a.ndim else (), a.dtype.name) for a in y]


def _loose(spec):
    shape, dtype = spec
    return tuple([None] + list(shape[1:])), dtype


_RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your dataset or generator can "
            "generate at least `steps_per_epoch * epochs` batches. You may need to use the `.repeat()` function when "
            "building your dataset.")


def _is_indexable(source):
    return hasattr(source, "__getitem__") and hasattr(source, "__len__") and not hasattr(source, "__next__")


def _executions(batches, per_execution):
    """Groups an epoch's (step, batch) pairs into runs of per_execution batches: yields
    (first step, [batches])."""
    group, first = [], 0
    for step, batch in batches:
        if not group:
            first = step
        group.append(batch)
        if len(group) == per_execution:
            yield first, group
            group = []
    if group:
        yield first, group


class _EpochIterator:
    """Keras 3's EpochIterator: yields (step, batch) for one epoch at a time.

    `source` is a callable returning a fresh iterator of ready batches (arrays), or a batch
    iterable (PyDataset/Sequence, generator, iterable) whose items go through `align`.
    With `steps_per_epoch`, one iterator runs on across epochs and is only restarted once
    exhausted (warning when an epoch is cut short), as in Keras; without it each epoch
    walks the whole source.  A PyDataset gets on_epoch_begin/on_epoch_end calls."""

    def __init__(self, source, align, num_batches=None, steps_per_epoch=None, shuffle=False):
        self.source, self.align = source, align
        self.steps_per_epoch = steps_per_epoch
        self.shuffle = shuffle
        if num_batches is None and not callable(source):
            num_batches = _len_or_none(source) if _is_indexable(source) else None
            if num_batches is None and hasattr(source, "num_batches") and not callable(source.num_batches):
                num_batches = source.num_batches
        self._num_batches = num_batches
        self._current = None
        self._seen = 0
        self._hook("on_epoch_end")  # Keras resets the adapter (and so ends an epoch) first

    @property
    def num_batches(self):
        return self.steps_per_epoch or self._num_batches

    def _hook(self, name):
        if not callable(self.source):
            hook = getattr(self.source, name, None)
            if callable(hook):
                hook()

    def _fresh(self):
        if callable(self.source):
            return iter(self.source())
        if _is_indexable(self.source):
            indices = list(range(len(self.source)))
            if self.shuffle:
                np.random.shuffle(indices)
            return (self.source[i] for i in indices)
        return iter(self.source)

    def _next(self, iterator):
        batch = next(iterator)
        return batch if self.align is None else self.align(batch)

    def epoch(self):
        self._hook("on_epoch_begin")
        steps = self.steps_per_epoch or self._num_batches or -1
        if steps > 0:
            if self._current is None or self.steps_per_epoch is None:
                self._current, self._seen = self._fresh(), 0
            for step in range(steps):
                if self._num_batches and self._seen >= self._num_batches:
                    if self.steps_per_epoch:
                        warnings.warn(_RAN_OUT, stacklevel=3)
                    break
                self._seen += 1
                try:
                    batch = self._next(self._current)
                except StopIteration:
                    if self._num_batches is None:
                        self._num_batches = self._seen - 1
                    warnings.warn(_RAN_OUT, stacklevel=3)
                    self._current = None
                    break
                yield step, batch
            if self._num_batches and self._seen >= self._num_batches:
                self._current, self._seen = self._fresh(), 0
        else:
            iterator, step = self._fresh(), 0
            while True:
                try:
                    batch = self._next(iterator)
                except StopIteration:
                    if self._num_batches is None:
                        self._num_batches = step
                    warnings.warn(_RAN_OUT, stacklevel=3)
                    break
                yield step, batch
                step += 1
        self._hook("on_epoch_end")


def _iterate(source, steps):
    if hasattr(source, "__getitem__") and hasattr(source, "__len__") and not hasattr(source, "__next__"):
        count = len(source) if steps is None else min(steps, len(source))
        for i in range(count):
            yield source[i]
        return
    iterator = iter(source)
    produced = 0
    while steps is None or produced < steps:
        try:
            yield next(iterator)
        except StopIteration:
            return
        produced += 1


def _len_or_none(x):
    try:
        return len(x)
    except TypeError:
        return None


def _restore_optimizer_state(runner, state) -> None:
    slots = [v for per_param in runner.slots for v in per_param]
    state = list(state)
    if runner.optimizer_name == "nadam" and state:  # Keras's last variable: u_product
        runner.engine.u_product = float(state.pop())
    # [iterations, learning_rate, *slots], or [iterations, *slots] for a schedule (no rate variable).
    if len(state) - len(slots) not in (1, 2):
        raise ValueError(f"The saved optimizer state has {len(state) - 2} slot variables; this optimizer has "
                         f"{len(slots)} (was the model compiled with a different optimizer?)")
    runner.iterations = int(state[0])
    for value, slot in zip(state[len(state) - len(slots):], slots):
        np.asarray(runner.engine.slot_tensor(slot))[...] = value


def _keras_order(logs: dict, output_losses: list) -> list:
    """Keras 3's result order: the total loss, each output's loss (output order), then the
    other metrics sorted by name."""
    first = ["loss"] + [name for name in output_losses if name in logs]
    return first + sorted(k for k in logs if k not in first)


def _logs_result(logs: dict, output_losses: list):
    values = [logs[k] for k in _keras_order(logs, output_losses)]
    return values[0] if len(values) == 1 else values


def _sorted_logs(logs: dict) -> dict:
    return {k: logs[k] for k in sorted(logs)}


def _weight_ranks(w):
    return None if w is None else tuple(None if a is None else a.ndim for a in w)


def _take_weights(ws, index):
    if ws is None:
        return None
    return [None if w is None else (w[index] if isinstance(index, slice) else np.take(w, index, axis=0))
            for w in ws]


def _class_weight_to_sample_weights(y, class_weight):
    """Keras's conversion: the class of each sample is its (rounded) label, or the argmax of a
    one-hot target; classes missing from the dict weigh 1."""
    y = np.asarray(y)
    if y.ndim > 1:
        y = np.argmax(y, axis=-1) if y.shape[-1] != 1 else np.squeeze(y, axis=-1)
    if y.ndim != 1:
        raise ValueError("`class_weight` needs one class per sample (targets of shape (samples,), (samples, 1) or "
                         f"one-hot (samples, classes)); received targets of shape {np.shape(y)}")
    labels = np.round(y).astype("int32")
    return np.array([class_weight.get(int(c), 1.0) for c in labels], dtype="float32")
