"""Keras 3's Trainer, mixed into Model: compile, fit / evaluate / predict and the
*_on_batch calls. The model is lowered once per input signature into a native graph
holding the forward pass, every loss and metric, the regularisers, the backward pass and
the optimizer updates (a Runner); each batch is one native call."""

from __future__ import annotations

import inspect
import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _device, _tree, callbacks as callbacks_module, config, optimizers as optimizers_module
from .._tracing import GraphBuilder
from .._typing import TensorLike
from ..distribution import _training as data_parallel
from ..engine import Executor, Trainer as NativeTrainer
from . import (
    arguments,
    compile_utils,
    data,
    epoch_iterator,
    logs as logs_module,
    predict_fast_path,
    runner as runner_module,
    signature as signature_module,
)
from .data import unpack_x_y_sample_weight

if TYPE_CHECKING:
    from ..variables import Variable


class Trainer:
    """Mixed into Model: compiling, the training / evaluation / prediction loops and the steps."""

    compiled = False
    optimizer: Any = None  # an optimizers.Optimizer once compiled
    stop_training = False

    if TYPE_CHECKING:  # what the Layer side of Model provides
        name: str
        history: Any
        _functional: Any

        @property
        def output_names(self) -> list[str]: ...

        @property
        def weights(self) -> list[Variable]: ...

        @property
        def trainable_weights(self) -> list[Variable]: ...

        @property
        def losses(self) -> list: ...

        def _traced_call(self, builder: GraphBuilder, args: Any, kwargs: Any) -> Any: ...

    # -- compile ------------------------------------------------------------------------------
    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        loss_weights: Any = None,
        metrics: Any = None,
        weighted_metrics: Any = None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile: bool | str = "auto",
        auto_scale_loss: bool = True,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword arguments: {sorted(kwargs)}")
        if isinstance(steps_per_execution, bool) or not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError(f"steps_per_execution must be a positive integer, got {steps_per_execution!r}")
        self.steps_per_execution = steps_per_execution  # training batches per native call
        self.optimizer = optimizers_module.get(optimizer)
        self._compile_spec = (loss, loss_weights, metrics, weighted_metrics)
        # Resolved against the model's outputs: now when they are known (errors show here),
        # else on the first data (a Sequential without an Input, a subclassed model).
        self._resolved_compile = None
        if self._current_io() is not None:
            self._resolved_compile = compile_utils.ResolvedCompile(self, loss, loss_weights, metrics, weighted_metrics)
        self._compile_args = {"loss_weights": loss_weights, "metrics": metrics, "weighted_metrics": weighted_metrics}
        self.loss = loss
        self.compiled = True
        # lowered graphs, per kind and signature; recompiling starts afresh
        self._runners: dict[tuple, runner_module.Runner] = {}
        self.stop_training = False

    def get_compile_config(self) -> dict:
        """Keras 3: what `compile` was given (serialized); {} when the model is not compiled."""
        return compile_utils.compile_config(self)

    def compile_from_config(self, config: dict[str, Any]) -> None:
        if config:
            compile_utils.compile_from_config(self, config)

    @property
    def _compiled(self) -> compile_utils.ResolvedCompile:
        """What compile() resolved against the model's outputs (resolved on first use)."""
        resolved = self.__dict__.get("_resolved_compile")
        if resolved is None:
            self._require_compiled("training")
            resolved = compile_utils.ResolvedCompile(self, *self._compile_spec)
            self._resolved_compile = resolved
        return resolved

    def _output_loss_names(self) -> list:
        c = self.__dict__.get("_resolved_compile")
        if c is None or len(c.names) < 2:
            return []
        named = getattr(self._graph_model(), "named_outputs", True)
        return [f"{name if named else loss.name}_loss" for name, loss in zip(c.names, c.losses) if loss is not None]

    def _metric_order(self) -> list:
        c = self.__dict__.get("_resolved_compile")
        return [] if c is None else c.metric_order

    @property
    def metrics_names(self) -> list:
        """Keras 3's names: 'loss', 'compile_metrics' when metrics were compiled, then each
        output's loss for a multi-output model."""
        if not self.compiled:
            return []
        has_metrics = (
            self._compile_args.get("metrics") is not None or self._compile_args.get("weighted_metrics") is not None
        )
        return ["loss"] + (["compile_metrics"] if has_metrics else []) + self._output_loss_names()

    def _require_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"You must call `compile()` before using the model for {what}.")

    def _output_keys(self) -> list[str]:
        io = self._graph_model()
        struct = io._outputs_struct
        return list(struct) if isinstance(struct, dict) else io.output_names

    def _current_io(self) -> Any:
        """What the trainer feeds and lowers the model by: its functional graph (a Sequential's
        once built), or a subclassed model's TracedSignature of the data it last saw; None
        before either exists."""
        model = getattr(self, "_functional", None) or self
        if hasattr(model, "_outputs_struct"):
            return model
        return self.__dict__.get("_io")

    def _graph_model(self) -> Any:
        io = self._current_io()
        if io is None:
            raise ValueError(
                f"Model '{self.name}' has not seen any data yet: its inputs and outputs are known once it is "
                "called on data, built, or given data by fit / evaluate / predict."
            )
        return io

    def _io_for(self, x: TensorLike) -> Any:
        """The model's inputs and outputs for data `x`: its graph (a Sequential without an Input
        builds from `x` first), or for a subclassed model the signature of x's structure."""
        self._build_for_data(x)
        model = getattr(self, "_functional", None) or self
        if hasattr(model, "_outputs_struct"):
            return model
        self._io = signature_module.TracedSignature.for_data(self, x)
        return self._io

    def _build_for_data(self, x: TensorLike) -> None:
        """A Sequential without an Input builds from its first data; other models are built."""

    # -- lowering ---------------------------------------------------------------------------------
    def _lower_forward(self, builder: GraphBuilder) -> tuple[Any, Any, list]:
        """Traces the model on the graph's inputs x<i>: (x as the model takes it, y_pred as
        `call` returns it, the flat outputs in output-key order)."""
        io = self._graph_model()
        # Keras never binds the batch size, even of an Input(batch_shape=...): it stays unknown.
        inputs = [builder.input(f"x{i}", _any_batch(t.shape), t.dtype) for i, t in enumerate(io.inputs)]
        x = _tree.pack_sequence_as(io._inputs_struct, inputs)
        y_pred = self._traced_call(builder, (x,), {})
        if isinstance(io._outputs_struct, dict):
            flat = [y_pred[k] for k in self._output_keys()]
        else:
            flat = _tree.flatten(y_pred)
        return x, y_pred, flat

    def _lower_outputs(self, builder: GraphBuilder) -> tuple[list, list]:
        x, _, flat = self._lower_forward(builder)
        return _tree.flatten(x), flat

    def _lower_step(
        self, builder: GraphBuilder, forward: tuple, y_specs: Any, w_ranks: Any, training: bool
    ) -> tuple[list, logs_module.LogSpec]:
        """The loss and metrics of a training or evaluation graph, as Keras 3's train_step /
        test_step compute them: compute_loss(x, y, y_pred, sample_weight, training), then
        compute_metrics(x, y, y_pred, sample_weight) (a subclass's overrides, written with
        dagnet.ops, are traced like `call`). Returns the fetched values (the total loss first)
        and the LogSpec."""
        x, y_pred, outputs = forward
        io = self._graph_model()
        lowering = compile_utils.StepLowering(
            builder,
            self._compiled,
            outputs,
            self._output_keys(),
            y_specs,
            w_ranks,
            getattr(io, "named_outputs", True),
        )
        with lowering:
            y = None if lowering.targets is None else self._pack_outputs(lowering.targets)
            weights = lowering.sample_weights
            sample_weight = None if all(w is None for w in weights) else self._pack_outputs(weights)
            if "training" in inspect.signature(self.compute_loss).parameters:
                total = self.compute_loss(x, y, y_pred, sample_weight, training=training)
            else:  # a compute_loss written before Keras 3.3 added `training`
                total = self.compute_loss(x, y, y_pred, sample_weight)
            lowering.keep_logs(self.compute_metrics(x, y, y_pred, sample_weight))
        return lowering.finish(total)

    def _pack_outputs(self, flat: list) -> Any:
        """Per-output values in the structure of the model's outputs."""
        struct = self._graph_model()._outputs_struct
        if isinstance(struct, dict):
            return dict(zip(self._output_keys(), flat))
        return _tree.pack_sequence_as(struct, flat)

    def compute_loss(
        self,
        x: Any = None,
        y: Any = None,
        y_pred: Any = None,
        sample_weight: Any = None,
        training: bool = True,
    ) -> Any:
        """Keras 3's compute_loss: the compiled losses on (y, y_pred) plus `self.losses`
        (add_loss terms and weight regularizers). It runs while dagnet lowers a training or
        evaluation step, on graph values; override it (with dagnet.ops) to define the loss,
        calling super().compute_loss(...) for the compiled part if wanted."""
        lowering = compile_utils.active_lowering()
        if lowering is None:
            raise RuntimeError(
                "Model.compute_loss builds the loss of dagnet's native training and evaluation steps: it "
                "runs inside fit / evaluate / train_on_batch / test_on_batch, on graph values."
            )
        terms = [lowering.compiled_loss(y, y_pred, sample_weight)]
        terms += compile_utils.additional_losses(lowering.builder, self.losses)
        total = compile_utils.sum_terms(lowering.builder, terms)
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None) -> dict:
        """Keras 3's compute_metrics: lowers the compiled metrics and returns the logs (the
        loss, each output's loss, each metric). An override returns its own dict: entries of
        super().compute_metrics(...) keep their epoch means, other values (written with
        dagnet.ops) are reported per batch."""
        lowering = compile_utils.active_lowering()
        if lowering is None:
            raise RuntimeError(
                "Model.compute_metrics builds the logs of dagnet's native training and evaluation steps: it "
                "runs inside fit / evaluate / train_on_batch / test_on_batch, on graph values."
            )
        lowering.compiled_metrics(y, y_pred, sample_weight)
        return lowering.logged()

    def _check_native_steps(self, *names: str) -> None:
        """A Python train_step / test_step / predict_step cannot run inside a native step."""
        for name in names:
            if getattr(type(self), name) is getattr(Trainer, name):
                continue
            if name == "predict_step":
                advice = "Put the computation in `call` (written with dagnet.ops): dagnet lowers it natively."
            else:
                advice = (
                    "Override `compute_loss(x, y, y_pred, sample_weight, training)` to define the loss (and "
                    "`compute_metrics(x, y, y_pred, sample_weight)` for the logs), written with dagnet.ops: "
                    "dagnet lowers them into the native step."
                )
            raise NotImplementedError(
                f"{type(self).__name__} overrides `{name}`. dagnet runs each step as one native call (the "
                "forward pass and, in training, the loss, backward pass and optimizer update lowered "
                f"together), so a Python `{name}` (one that takes gradients with tf.GradientTape, jax.grad "
                f"or torch autograd, or runs other Python per batch) cannot run. {advice}"
            )

    def train_step(self, data: Any) -> dict:
        """One training step on a batch `data` ((x,), (x, y) or (x, y, sample_weight)): one
        native call; returns the batch's logs. Override compute_loss, not this."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        return self.train_on_batch(x, y, sample_weight, return_dict=True)

    def test_step(self, data: Any) -> dict:
        """One evaluation step on a batch `data`: one native call; returns the batch's logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        return self.test_on_batch(x, y, sample_weight, return_dict=True)

    def predict_step(self, data: Any) -> Any:
        """The predictions for a batch `data` ((x,) or x): one native call."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self.predict_on_batch(x)

    def _signature(self, x, y, w=None):
        # The graph is lowered from the model's symbolic inputs (None dims stay unknown), so
        # a new batch size or sequence length is only a new engine plan, not a new graph.
        # Targets contribute rank, dtype and last dim (which picks the accuracy variant);
        # sample weights their rank per output; a subclassed model its input structure.
        return (
            self._graph_identity(),
            tuple((a.ndim, a.dtype.str) for a in x),
            None if y is None else tuple((a.ndim, a.dtype.str, a.shape[-1] if a.ndim else None) for a in y),
            runner_module.weight_ranks(w),
        )

    def _graph_identity(self) -> Any:
        """What the lowered graphs were lowered from: a subclassed model's traced signature
        key, else the functional graph itself (a Sequential that gains or loses a layer is
        a new Functional, whose graphs must not be the old ones)."""
        io = self._current_io()
        key = getattr(io, "key", None)
        return io if key is None else key

    @staticmethod
    def _feed_order(required):
        """Engine inputs are named x<i> / y<j> / w<j>; map each to the batch list it comes from
        (a data-parallel step's gradient_weight: ("n", 0), the batch's rows)."""
        return [("n", 0) if name == "gradient_weight" else (name[0], int(name[1:])) for name in required]

    def _runner(self, kind: str, x: TensorLike, y: TensorLike, w: Any = None) -> Any:
        """The lowered graph for this signature: 'train' (one native step with updates),
        'eval' (losses and metrics) or 'predict' (outputs), built on first use."""
        cache = self.__dict__.setdefault("_runners", {})
        # Data-parallel training reduces gradients inside the step: a graph of its own.
        allreduce = kind == "train" and data_parallel.active() is not None
        key = (kind, self._signature(x, y, w)) + (("allreduce",) if allreduce else ())
        runner = cache.get(key)
        if runner is not None:
            return runner
        device = self._place_weights()
        builder = GraphBuilder(training=kind == "train", device=device, place=True)
        builder.fold_inference = kind != "train"
        with builder.active():
            forward = self._lower_forward(builder)
            outputs = forward[2]
            log_spec = None
            if kind != "predict":
                y_specs = None if y is None else compile_utils.target_specs(y)
                fetches, log_spec = self._lower_step(
                    builder, forward, y_specs, runner_module.weight_ranks(w), training=kind == "train"
                )
            params = [builder.param(v).id for v in self.trainable_weights] if kind == "train" else []
        if kind == "train":
            if not params:
                warnings.warn("The model has no trainable weights; fit only computes the loss.", stacklevel=4)
            native, python_side = runner_module.constraints_of(self.trainable_weights)
            engine = NativeTrainer(
                builder.graph,
                fetches[0].id,
                params,
                fetches=[f.id for f in fetches[1:]],
                constraints=native,
                state_updates=builder.state_updates,
                allreduce_gradients=allreduce,
                bucket_bytes=data_parallel.BUCKET_BYTES,
                device=device,
                **self.optimizer._native_config(),
            )
        else:
            engine = Executor(
                builder.graph,
                [t.id for t in (outputs if kind == "predict" else fetches)],
                builder.state_updates,
                device=device,
            )
        runner = runner_module.Runner(engine, self._feed_order(engine.required_inputs), log_spec, builder.graph)
        if kind == "train":
            runner.allreduce = allreduce
            runner.python_constraints = python_side
            runner.optimizer_name = self.optimizer._kind
            self.optimizer._trainers.append(runner)
            pending = self.__dict__.pop("_pending_optimizer_state", None)
            if pending is not None:
                runner_module.restore_optimizer_state(runner, pending)
        cache[key] = runner
        return runner

    def _place_weights(self) -> str:
        """The model's device, with every weight moved there (a layer built after the model
        was placed starts on the CPU)."""
        device = getattr(self, "device", "cpu")
        for layer in getattr(self, "_flatten_layers", list)():
            # A model nested in this one runs where this one does (its own eager calls too).
            if layer is not self and hasattr(layer, "_move_to_device") and getattr(layer, "device", device) != device:
                layer._move_to_device(device)
                layer.device = device
        if device != "cpu":
            _device.place(self.weights, device)
        return device

    def _move_to_device(self, device: str) -> None:
        """Moves the weights and the optimizer state to `device`: the lowered graphs bound
        the old tensors, so they are dropped and the optimizer's slots restored into the
        graphs made next (as after loading a saved model)."""
        state = self._optimizer_state()
        runners = self.__dict__.get("_runners", {})
        if runners:
            optimizer = getattr(self, "optimizer", None)
            if optimizer is not None:
                dropped = {id(r) for r in runners.values()}
                optimizer._trainers = [t for t in optimizer._trainers if id(t) not in dropped]
                if state is not None:
                    optimizer._restored_iterations = int(state[0])
            runners.clear()
        if state is not None:
            self._pending_optimizer_state = state
        _device.place(self.weights, device)
        for layer in [self, *getattr(self, "_flatten_layers", list)()]:
            layer.__dict__.get("_eager_runs", {}).clear()

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
            state += [np.array(runner.engine.slot_tensor(v).numpy(), copy=True) for v in slots]
        if isinstance(self.optimizer, optimizers_module.Nadam):  # Keras's last variable: u_product
            state.append(np.array(runner.engine.u_product, dtype="float32"))
        return state

    # -- one batch -----------------------------------------------------------------------------
    def _train_step(
        self,
        x: list[np.ndarray],
        y: list[np.ndarray] | None,
        w: list[np.ndarray | None] | None = None,
        rows: int | None = None,
    ) -> tuple[logs_module.LogSpec, list[Any]]:
        """One native training step; returns (log spec, fetched values) for a LogAccumulator.
        `rows`: a data-parallel process's real rows in it (default: the batch's)."""
        runner = self._runner("train", x, y, w)
        self._sync_replicas(runner)
        self.optimizer._before_step(runner)
        values = [logs_module.fetched(v) for v in runner.engine.step(runner.feeds(x, y, w, rows))]
        for variable in runner.python_constraints:  # custom constraints; built-in ones ran natively
            variable.assign(variable.constraint(variable.value.copy()))
        return runner.log_spec, values

    def _train_steps(self, batches: list[tuple]) -> list[tuple[logs_module.LogSpec, list[Any]]]:
        """Several training steps (steps_per_execution): consecutive batches that share a
        lowered graph run in one native call, unless a learning-rate schedule or a Python
        constraint must act between steps. Returns [(log spec, values)] per batch."""
        results: list[tuple[logs_module.LogSpec, list[Any]]] = []
        i = 0
        while i < len(batches):
            runner = self._runner("train", *batches[i])
            group = [batches[i]]
            while (
                i + len(group) < len(batches)
                and not runner.python_constraints
                and self.optimizer._schedule is None
                and self._runner("train", *batches[i + len(group)]) is runner
            ):
                group.append(batches[i + len(group)])
            if len(group) == 1:
                bx, by, bw = group[0]
                results.append(self._train_step(bx, by, bw, rows=data_parallel.rows_of(group[0])))
            else:
                self._sync_replicas(runner)
                self.optimizer._before_step(runner)
                feeds = [runner.feeds(*b, rows=data_parallel.rows_of(b)) for b in group]
                for values in runner.engine.steps(feeds):
                    results.append((runner.log_spec, [logs_module.fetched(v) for v in values]))
            i += len(group)
        return results

    def _sync_replicas(self, runner: Any) -> None:
        """Data-parallel: before a training graph's first step in each fit (or its first step
        at all), every process checks that it built the same model and takes process 0's
        weights and this graph's optimizer state."""
        if not runner.allreduce:
            return
        generation = self.__dict__.get("_sync_generation", 0)
        if runner.synced_generation != generation:
            data_parallel.sync_model(self, runner)
            runner.synced_generation = generation

    def _callback_list(self, callbacks: Any, verbose: Any, epochs: int, steps: Any, add_history: bool = False) -> Any:
        """The CallbackList a loop calls (as given, when it already is one). In a data-parallel
        job, processes other than 0 drop the callbacks that print or write files."""
        if isinstance(callbacks, callbacks_module.CallbackList):
            return callbacks
        return callbacks_module.CallbackList(
            data_parallel.callbacks_for_this_process(callbacks),
            add_history=add_history,
            add_progbar=verbose != 0 and data_parallel.is_chief(),
            verbose=verbose,
            epochs=epochs,
            steps=steps,
            model=self,
        )

    def _job_logs(self, means: logs_module.LogAccumulator) -> dict:
        """An accumulator's logs; in a data-parallel job, the whole job's."""
        return means.result(data_parallel.reduce_sums if data_parallel.active() is not None else None)

    def _test_step(
        self, x: list[np.ndarray], y: list[np.ndarray] | None, w: list[np.ndarray | None] | None = None
    ) -> tuple[logs_module.LogSpec, list[Any]]:
        runner = self._runner("eval", x, y, w)
        return runner.log_spec, [logs_module.fetched(v) for v in runner.engine.run(runner.feeds(x, y, w))]

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

    def train_on_batch(
        self,
        x: TensorLike,
        y: TensorLike = None,
        sample_weight: Any = None,
        class_weight: Any = None,
        return_dict: bool = False,
    ) -> Any:
        self._require_compiled("training")
        self._check_native_steps("train_step")
        xs, ys = data.align_x(self, x), data.align_y(self, y)
        ws = data.align_weights(self, sample_weight, class_weight, ys)
        data.check_cardinality(xs, ys, ws)
        xs, ys, ws, rows = self._this_process_part(xs, ys, ws)
        logs = self._job_logs(
            logs_module.LogAccumulator().add(*self._train_step(xs, ys, ws, rows), xs, ys, ws, include=rows != 0)
        )
        return (
            logs_module.sorted_logs(logs)
            if return_dict
            else logs_module.logs_result(logs, self._output_loss_names(), self._metric_order())
        )

    def test_on_batch(
        self, x: TensorLike, y: TensorLike = None, sample_weight: Any = None, return_dict: bool = False
    ) -> Any:
        self._require_compiled("evaluation")
        self._check_native_steps("test_step")
        xs, ys = data.align_x(self, x), data.align_y(self, y)
        ws = data.align_weights(self, sample_weight, None, ys)
        data.check_cardinality(xs, ys, ws)
        xs, ys, ws, rows = self._this_process_part(xs, ys, ws)
        logs = self._job_logs(
            logs_module.LogAccumulator().add(*self._test_step(xs, ys, ws), xs, ys, ws, include=rows != 0)
        )
        return (
            logs_module.sorted_logs(logs)
            if return_dict
            else logs_module.logs_result(logs, self._output_loss_names(), self._metric_order())
        )

    @staticmethod
    def _this_process_part(xs: Any, ys: Any, ws: Any) -> tuple[Any, Any, Any, int]:
        """A batch given to *_on_batch: in a data-parallel job that shards data, this
        process's share of it (the same global batch is given on every process), with its
        real rows."""
        batch = (xs, ys, ws)
        where = data_parallel.shard()
        if where is not None:
            part, rows = data_parallel.local_part(data_parallel.rows_of(batch), where)
            return data.take(xs, part), data.take(ys, part), data.take_weights(ws, part), rows
        return xs, ys, ws, data_parallel.rows_of(batch)

    def predict_on_batch(self, x: TensorLike) -> Any:
        self._check_native_steps("predict_step")
        fast = self.__dict__.get("_runners", {}).get(predict_fast_path.KEY)
        if fast is not None and fast.graph_key == self._graph_identity():
            feeds = fast.arrays_for(x)
            if feeds is not None:
                return self._structure_outputs(fast.runner.engine.run(feeds))
        xs = data.align_x(self, x)
        runner = self._runner("predict", xs, None)
        outputs = runner.engine.run(runner.feeds(xs, None))
        predict_fast_path.remember(self, runner, xs)
        return self._structure_outputs(outputs)

    # -- loops ---------------------------------------------------------------------------------
    def fit(
        self,
        x: TensorLike = None,
        y: TensorLike = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: int | str = "auto",
        callbacks: Any = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: Any = True,
        class_weight: Any = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: Any = 1,
        **kwargs: Any,
    ) -> Any:
        self._require_compiled("training")
        self._check_native_steps("train_step")
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword arguments: {sorted(kwargs)}")
        arguments.check_fit(
            batch_size,
            epochs,
            validation_split,
            initial_epoch,
            steps_per_epoch,
            validation_steps,
            validation_batch_size,
            validation_freq,
        )
        cap = config.max_epochs()  # a debugging cap (KERAS_MAX_EPOCHS), as Keras
        if cap and cap < epochs:
            warnings.warn(f"Limiting epochs to {cap}", stacklevel=2)
            epochs = cap

        warned: set = set()
        if validation_split and validation_data is None:
            if data.is_batch_iterable(x):
                raise ValueError(
                    "Argument `validation_split` is only supported for tensors or NumPy arrays."
                    f"Found incompatible type in the input: {[type(x)]}"
                )
            # The last fraction validates, before any shuffling, as in Keras.
            xs, ys = data.align_x(self, x, warned), data.align_y(self, y, warned)
            ws = data.align_weights(self, sample_weight, class_weight, ys)
            n = data.check_cardinality(xs, ys, ws)
            split_at = int(math.floor(n * (1.0 - validation_split)))
            if split_at == 0 or split_at == n:
                raise ValueError(
                    f"Training data contains {n} samples, which is not sufficient to split it into a "
                    f"validation and training set as specified by `validation_split={validation_split}`. "
                    "Either provide more data, or a different value for the `validation_split` argument."
                )
            validation_data = (
                data.ListData(data.take(xs, slice(split_at, n))),
                data.list_data(data.take(ys, slice(split_at, n))),
                data.list_data(data.take_weights(ws, slice(split_at, n))),
            )
            x, y = data.ListData(data.take(xs, slice(0, split_at))), data.list_data(data.take(ys, slice(0, split_at)))
            sample_weight, class_weight = data.list_data(data.take_weights(ws, slice(0, split_at))), None
        val_iterator = None
        if validation_data is not None:
            if data.is_batch_iterable(validation_data):
                val_args = (validation_data, None, None)
            else:
                if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (1, 2, 3):
                    raise ValueError(
                        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, "
                        f"sample_weight)`, found: {validation_data}"
                    )
                val_args = tuple(validation_data) + (None,) * (3 - len(validation_data))
        shard = data_parallel.shard()  # data-parallel: this process's share of each global batch
        iterator = epoch_iterator.for_data(
            self, x, y, sample_weight, batch_size, steps_per_epoch, shuffle, class_weight, warned, shard
        )
        callbacks = self._callback_list(callbacks, verbose, epochs, iterator.num_batches, add_history=True)
        self.stop_training = False
        distributed = data_parallel.active() is not None
        self._sync_generation = self.__dict__.get("_sync_generation", 0) + 1  # replicas sync at the first step
        callbacks.on_train_begin()
        training_logs = None
        nan_reported = False
        interrupted = None
        initial_epoch = getattr(self, "_initial_epoch", None) or initial_epoch
        if distributed:  # process 0's BackupAndRestore decides where training resumes
            initial_epoch = data_parallel.broadcast_int(initial_epoch)
        for epoch in range(initial_epoch, epochs):
            callbacks.on_epoch_begin(epoch)
            means, step = logs_module.LogAccumulator(), -1
            try:
                per_execution = getattr(self, "steps_per_execution", 1)
                for first, group in epoch_iterator.executions(iterator.epoch(), per_execution):
                    callbacks.on_train_batch_begin(first)  # Keras 3: once per execution (first, last step)
                    steps = range(first, first + len(group))
                    for step, (spec, values), batch in zip(steps, self._train_steps(group), group):
                        if not nan_reported and not math.isfinite(values[0]):
                            warnings.warn(
                                f"The loss is {values[0]} at epoch {epoch + 1}, batch {step}. Check the data "
                                "and the learning rate (TerminateOnNaN stops training when this happens).",
                                stacklevel=2,
                            )
                            nan_reported = True
                        bx, by, bw = batch
                        means.add(spec, values, bx, by, bw, include=data_parallel.counts(batch))
                    callbacks.on_train_batch_end(step, self._job_logs(means))
                    if distributed:  # a stop on any process stops them all, at the same step
                        self.stop_training = data_parallel.agree(self.stop_training)
                    if self.stop_training:
                        break
            except KeyboardInterrupt as exc:
                # The interrupted native step either finished or never started: weights are consistent.
                interrupted = (epoch, step, exc)
                self.stop_training = True
            if distributed and interrupted is None:  # every replica validates the same statistics
                data_parallel.average_moving_statistics(self)
            epoch_logs = self._job_logs(means)
            if interrupted is None and validation_data is not None and _should_eval(epoch, validation_freq):
                if val_iterator is None:  # built once and reused, as Keras caches it
                    val_iterator = epoch_iterator.for_data(
                        self,
                        *val_args,
                        validation_batch_size or batch_size,
                        validation_steps,
                        shuffle=False,
                        warned=warned,
                        shard=shard,
                    )
                val_logs = self.evaluate(callbacks=callbacks, return_dict=True, _epoch_iterator=val_iterator)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if distributed:
                self.stop_training = data_parallel.agree(self.stop_training)
            if self.stop_training:
                break
        callbacks.on_train_end(logs=training_logs)
        if interrupted is not None:
            epoch, step, _ = interrupted
            warnings.warn(
                f"Training interrupted (KeyboardInterrupt) during epoch {epoch + 1} after batch {step}; "
                "the weights are those after the last completed step.",
                stacklevel=2,
            )
        return self.history

    def predict(
        self,
        x: TensorLike,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        steps: int | None = None,
        callbacks: Any = None,
    ) -> Any:
        self._check_native_steps("predict_step")
        arguments.check_evaluate_or_predict(batch_size, steps)
        iterator = epoch_iterator.for_prediction(self, x, batch_size, steps)  # every process predicts it all
        callbacks = self._callback_list(callbacks, verbose, 1, iterator.num_batches)
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
            raise ValueError(
                "Unexpected result of `predict_function` (Empty batch_outputs). Please use "
                "`Model.compile(..., run_eagerly=True)`, or `tf.config.run_functions_eagerly(True)` "
                "for more information of where went wrong, or file a issue/bug to `keras`."
            )
        flat = [np.concatenate([p[k] for p in pieces], axis=0) for k in range(len(pieces[0]))]
        return self._structure_outputs(flat)

    def evaluate(
        self,
        x: TensorLike = None,
        y: TensorLike = None,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: Any = None,
        return_dict: bool = False,
        **kwargs: Any,
    ) -> Any:
        self._require_compiled("evaluation")
        self._check_native_steps("test_step")
        iterator = kwargs.pop("_epoch_iterator", None)
        if kwargs:
            raise ValueError(f"Arguments not recognized: {kwargs}")
        if iterator is None:  # data-parallel: each process evaluates its share, the logs are the job's
            arguments.check_evaluate_or_predict(batch_size, steps)
            iterator = epoch_iterator.for_data(
                self, x, y, sample_weight, batch_size, steps, shuffle=False, shard=data_parallel.shard()
            )
        callbacks = self._callback_list(callbacks, verbose, 1, iterator.num_batches)
        self.stop_evaluating = False
        distributed = data_parallel.active() is not None
        callbacks.on_test_begin()
        means, step = logs_module.LogAccumulator(), -1
        for step, batch in iterator.epoch():
            callbacks.on_test_batch_begin(step)
            bx, by, bw = batch
            means.add(*self._test_step(bx, by, bw), bx, by, bw, include=data_parallel.counts(batch))
            callbacks.on_test_batch_end(step, self._job_logs(means))
            if distributed:
                self.stop_evaluating = data_parallel.agree(self.stop_evaluating)
            if self.stop_evaluating:
                break
        if step < 0:
            raise ValueError("evaluate() received no data: the inputs hold 0 samples (or the generator yields none)")
        logs = logs_module.sorted_logs(self._job_logs(means))
        callbacks.on_test_end(logs)
        return logs if return_dict else logs_module.logs_result(logs, self._output_loss_names(), self._metric_order())

    # tf.keras 2 spellings (Deep Learning with Python, 1st edition, trains with these).
    def fit_generator(
        self,
        generator: Any,
        steps_per_epoch: int | None = None,
        epochs: int = 1,
        verbose: int | str = 1,
        callbacks: Any = None,
        validation_data: Any = None,
        validation_steps: int | None = None,
        validation_freq: Any = 1,
        class_weight: Any = None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
        shuffle: Any = True,
        initial_epoch: int = 0,
    ) -> Any:
        """Keras 2's generator training: `fit` on an iterable of batches."""
        return self.fit(
            generator,
            steps_per_epoch=steps_per_epoch,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            validation_data=validation_data,
            validation_steps=validation_steps,
            validation_freq=validation_freq,
            class_weight=class_weight,
            shuffle=shuffle and epoch_iterator.is_indexable(generator),
            initial_epoch=initial_epoch,
        )

    def evaluate_generator(
        self,
        generator: Any,
        steps: int | None = None,
        callbacks: Any = None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
        verbose: int | str = 0,
    ) -> Any:
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_generator(
        self,
        generator: Any,
        steps: int | None = None,
        callbacks: Any = None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
        verbose: int | str = 0,
    ) -> Any:
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def reset_metrics(self) -> None:
        """Keras resets its metric accumulators; dagnet's live in each fit/evaluate call."""

    run_eagerly = False  # the step is always one native call


def _any_batch(shape: tuple) -> tuple:
    return (None,) + tuple(shape[1:]) if shape else ()


def _should_eval(epoch, validation_freq):
    epoch = epoch + 1  # one-indexed, as users count epochs
    if isinstance(validation_freq, int):
        return epoch % validation_freq == 0
    if isinstance(validation_freq, list):
        return epoch in validation_freq
    raise ValueError(
        "Expected `validation_freq` to be a list or int. Received: "
        f"validation_freq={validation_freq} of the type {type(validation_freq)}."
    )
