"""The Layer base class: callable on symbolic tensors (adds a node), on NumPy arrays
(runs at once in the engine) and on traced tensors (emits native nodes while a model is
being lowered). Weights are created in ``build`` from the first input shape."""

from __future__ import annotations

import contextlib
import functools
import inspect
from typing import Any

import numpy as np

from .. import (
    _naming,
    _tree,
    constraints as constraints_module,
    initializers as initializers_module,
    ops,
    regularizers as regularizers_module,
    variables as variables_module,
)
from .._tracing import GraphBuilder, GraphTensor, current_builder, engine_array
from .._typing import TensorLike
from ..engine import Executor
from ..keras_tensor import KerasTensor
from ..node import Node
from ..serialization import auto_config
from ..serialization.keras_saveable import KerasSaveable
from ..serialization.object_registration import registered_name_of
from ..serialization.serialization_lib import clean_layer_config, dtype_policy
from ..variables import Variable
from .input_spec import InputSpec, check_input_spec

_BASE_KWARGS = {
    "trainable",
    "name",
    "dtype",
    "input_shape",
    "batch_input_shape",
    "batch_size",
    "input_dim",
    "weights",
    "activity_regularizer",
    "autocast",
}


_NAME_SCOPES: list = []  # (name, owner) pairs, as Keras's backend name scopes


@contextlib.contextmanager
def name_scope(owner: Any) -> Any:
    """Open `owner`'s name scope (a layer, or a plain string); a layer already at the top
    is not pushed again (Keras's name_scope(caller=...))."""
    name = owner if isinstance(owner, str) else owner.name
    push = not (_NAME_SCOPES and not isinstance(owner, str) and _NAME_SCOPES[-1][1] is owner)
    if push:
        _NAME_SCOPES.append((name, owner))
    try:
        yield
    finally:
        if push:
            _NAME_SCOPES.pop()


def _weight_path(layer: Any, name: str) -> str:
    """Keras 3's variable.path: the open name scopes, the layer's own, then the weight name
    ('sequential/dense/kernel' for a layer first built inside a Sequential's build)."""
    scopes = [n for n, _ in _NAME_SCOPES]
    if not (_NAME_SCOPES and _NAME_SCOPES[-1][1] is layer):
        scopes.append(layer.name)
    return "/".join(scopes + [name])


def _training_default(layer):
    default = inspect.signature(layer.call).parameters["training"].default
    return None if default is inspect.Parameter.empty else default


class Layer(KerasSaveable):
    """Base class of all layers; subclass it and write ``build`` and ``call``."""

    # What kind of layer this is, for code below dagnet.models (summary, configs, saving):
    # a Model, and a functional one (a graph of layer calls). Models set them.
    _is_model = False
    _is_graph_network = False
    _auto_config: dict | str | None = None  # the constructor's arguments (serialization.auto_config)
    # Attributes of dagnet's own machinery: never sublayers, never saved as children.
    _UNTRACKED_ATTRIBUTES: frozenset[str] = frozenset(
        {"_inbound_nodes", "_outbound_nodes", "_eager_runs", "_losses", "_auto_config"}
    )
    name: str

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        original = cls.__dict__.get("build")
        if original is None or getattr(original, "_marks_built", False):
            return

        @functools.wraps(original)
        def build(self, *args, **kw):
            # As Keras's build wrapper: a layer built by hand is built (a later call keeps
            # its weights) and remembers the shape it was built for.
            result = original(self, *args, **kw)
            if not self.built and self._build_shapes is None and args and not self._is_model:
                self._build_shapes = args[0]
            self.built = True
            return result

        build._marks_built = True  # type: ignore[attr-defined]
        cls.build = build  # type: ignore[method-assign]

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        instance: Layer = super().__new__(cls)
        # Keras 3's auto-config: the constructor's arguments, when all are plain values, are
        # the config of a subclass that does not write get_config.
        instance._auto_config = auto_config.constructor_config(cls, args, kwargs)
        return instance

    def __init__(self, *, trainable: bool = True, name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        unknown = set(kwargs) - _BASE_KWARGS
        if unknown:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                f"{ {k: kwargs[k] for k in sorted(unknown)} }"
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(f"A layer name must be a string, got {name!r}")
        self.name = name or _naming.auto_name(self)
        self._trainable = bool(trainable)
        self.dtype = _standard_dtype(dtype)
        self.built = False
        self.supports_masking = False
        self.input_spec: InputSpec | list | None = None
        self._inbound_nodes: list[Node] = []
        self._outbound_nodes: list[Node] = []
        self._own_weights: list[Variable] = []
        self._losses: list[np.ndarray] = []  # add_loss values of the last eager call
        self._build_shapes = None
        self._eager_runs: dict = {}
        self._initial_weights = kwargs.get("weights")
        self.activity_regularizer = regularizers_module.get(kwargs.get("activity_regularizer"))
        # Keras lets the first layer of a Sequential carry the model's input shape.
        batch_size = kwargs.get("batch_size")
        if kwargs.get("batch_input_shape") is not None:
            self._batch_input_shape = tuple(kwargs["batch_input_shape"])
        elif kwargs.get("input_shape") is not None:
            self._batch_input_shape = (batch_size,) + tuple(kwargs["input_shape"])
        elif kwargs.get("input_dim") is not None:
            self._batch_input_shape = (batch_size, kwargs["input_dim"])
        signature = inspect.signature(self.call).parameters
        self._call_takes_training = "training" in signature
        self._call_takes_mask = "mask" in signature

    # -- what subclasses write ----------------------------------------------------
    def build(self, input_shape: Any) -> None:
        self.built = True

    def call(self, inputs: TensorLike, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call()")

    def compute_mask(self, inputs: TensorLike, mask: TensorLike | None = None) -> Any:
        """The mask of the output; layers that support masking pass it through."""
        return mask if self.supports_masking else None

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Output shape(s) for an input shape, found by tracing call in the engine."""
        structure = _shape_structure_to_tensors(input_shape, self.dtype)
        outputs = self(structure)
        return _tree.map_structure(lambda t: t.shape, outputs)

    def get_config(self) -> dict:
        config: dict[str, Any] = {"name": self.name}
        if _writes_no_config(self):
            config = auto_config.with_constructor_config(self, config)
        config.update({"trainable": self.trainable, "dtype": dtype_policy(self.dtype)})
        if getattr(self, "activity_regularizer", None) is not None:
            config["activity_regularizer"] = regularizers_module.serialize(self.activity_regularizer)
        return config

    def get_build_config(self) -> dict[str, Any] | None:
        """Keras 3: the input shape the layer was built with, or None (layers Keras builds in
        __init__, such as Dropout or pooling, have none)."""
        if getattr(type(self), "_keras_built_at_init", False) or not self.built or self._build_shapes is None:
            return None
        return {"input_shape": _shape_lists(self._build_shapes)}

    def _config_module_and_name(self) -> tuple[str | None, str | None]:
        """(module, registered_name) as Keras 3 writes them: a built-in layer's public module; a
        user's class its registered name, or its class name when unregistered."""
        registered = registered_name_of(self)
        if registered:
            return None, registered
        if type(self).__module__.split(".")[0] == "dagnet":
            return "keras.layers", None
        return None, type(self).__name__

    def build_from_config(self, config: dict[str, Any]) -> None:
        if config and "input_shape" in config and not self.built:
            shapes = _shape_tuples(config["input_shape"])
            self._build_shapes = shapes
            self.build(shapes)
            self.built = True
        elif config and "shapes_dict" in config and not self.built:
            self.build(**config["shapes_dict"])
            self.built = True

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        return cls(**clean_layer_config(cls, config))

    # -- weights ----------------------------------------------------------------------
    def add_weight(
        self,
        *args: Any,
        shape: Any = None,
        initializer: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> Variable:
        """Creates a weight (Keras 3 order: shape first; a leading str is Keras 2's name)."""
        if args and isinstance(args[0], str):
            name, args = args[0], args[1:]
        if args:
            shape, args = args[0], args[1:]
        if args:
            initializer = args[0]
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = _standard_dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.startswith("float") else "zeros"
        init = initializers_module.get(initializer)
        name = name or f"variable_{len(self._own_weights)}"
        variables_module.charge(shape, dtype, _weight_path(self, name))
        value = init(shape, dtype=dtype)
        variable = Variable(value, name=name, trainable=trainable, dtype=dtype, path=_weight_path(self, name))
        variable.regularizer = regularizers_module.get(regularizer)
        variable.constraint = constraints_module.get(constraint)
        self._own_weights.append(variable)
        return variable

    def _tracked_layers(self) -> list[Layer]:
        """The layers this one holds in its attributes, directly or in lists, tuples and dicts
        (Keras's tracker), in the order they were assigned."""
        found: list[Layer] = []
        seen: set[int] = set()
        for key, value in vars(self).items():
            if key not in self._UNTRACKED_ATTRIBUTES:
                for layer in _layers_in(value):
                    if layer is not self and id(layer) not in seen:
                        seen.add(id(layer))
                        found.append(layer)
        return found

    def _flatten_layers(self) -> list[Layer]:
        """This layer and every layer under it, depth first (Keras's _flatten_layers)."""
        found, seen, stack = [], set(), [self]
        while stack:
            layer = stack.pop(0)
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            found.append(layer)
            stack = list(layer._tracked_layers()) + stack
        return found

    def _saved_structure(self) -> tuple[list[Variable], dict]:
        """This layer in Keras 3's weight files: its own variables, and its children by the
        attribute that holds them (a layer, or a list / tuple / dict of them), in the order
        Keras 3 walks them (sorted names, private ones last). LSTM and wrappers say otherwise."""
        own = list(self.weights) if not self._tracked_layers() else [w for w in self._own_weights if w in self.weights]
        return own, self._saved_children()

    def _saved_children(self, extra: dict | None = None) -> dict:
        attributes = {k: v for k, v in vars(self).items() if k not in self._UNTRACKED_ATTRIBUTES}
        attributes.update(extra or {})
        children: dict[str, Any] = {}
        for name in sorted(attributes, key=lambda n: "~" + n if n.startswith("_") else n):
            value = attributes[name]
            if isinstance(value, Layer) and value is not self:
                children[name] = value
            elif isinstance(value, (list, tuple, dict)) and any(l is not self for l in _layers_in(value)):
                children[name] = list(value.values()) if isinstance(value, dict) else list(value)
        return children

    def _all_weights(self) -> list[Variable]:
        weights, seen = [], set()
        for w in [w for w in self._own_weights if w.trainable] + [w for w in self._own_weights if not w.trainable]:
            if id(w) not in seen:
                seen.add(id(w))
                weights.append(w)
        for layer in self._tracked_layers():
            for w in layer.weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    weights.append(w)
        return weights

    @property
    def weights(self) -> list[Variable]:
        return self._all_weights()

    @property
    def variables(self) -> list[Variable]:
        return self.weights

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        own = [w for w in self._own_weights if w.trainable]
        seen = {id(w) for w in own}
        for layer in self._tracked_layers():
            for w in layer.trainable_weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    own.append(w)
        return own

    @property
    def non_trainable_weights(self) -> list[Variable]:
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._tracked_layers():
            layer.trainable = value

    def get_weights(self) -> list[np.ndarray]:
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights: Any) -> None:
        params = self.weights
        weights = list(weights)
        if len(weights) != len(params):
            raise ValueError(
                f'You called `set_weights(weights)` on layer "{self.name}" with a weight list of '
                f"length {len(weights)}, but the layer was expecting {len(params)} weights."
            )
        for variable, value in zip(params, weights):
            value = np.asarray(value)
            if tuple(value.shape) != variable.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {variable.shape} is not compatible with "
                    f"provided weight shape {tuple(value.shape)}."
                )
        for variable, value in zip(params, weights):
            variable.assign(value)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                "built. You can build it manually via: `layer.build(input_shape)`."
            )
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    def add_loss(self, loss: TensorLike) -> None:
        """Adds a loss term (Keras's add_loss), usually from inside `call`: while a model is
        lowered the term joins the training and evaluation loss of that graph; after an
        eager call it is in `losses`."""
        builder = loss.builder if isinstance(loss, GraphTensor) else current_builder()
        if builder is not None:
            with builder.active():
                builder.added_losses.append((self, builder.as_value(loss)))
        else:
            self._losses.append(np.asarray(loss, dtype="float32"))

    @property
    def losses(self) -> list:
        """Keras's losses: the `add_loss` terms of this layer and the layers under it, then the
        trainable weights' regularizer penalties. While a model is lowered these are graph values (the
        terms met so far in that trace); otherwise NumPy values (the last eager call's terms
        and the penalties of the current weights)."""
        layers = self._flatten_layers()
        regularized = [w for w in self.trainable_weights if w.regularizer is not None]  # Keras: trainable only
        builder = current_builder()
        if builder is not None:
            mine = {id(layer) for layer in layers}
            with builder.active():
                penalties = [builder.as_value(w.regularizer(builder.param(w))) for w in regularized]
            return [value for layer, value in builder.added_losses if id(layer) in mine] + penalties
        added = [value for layer in layers for value in layer._losses]
        return added + [np.asarray(w.regularizer(w.numpy()), dtype="float32") for w in regularized]

    # -- calling ------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        flat = _tree.flatten((args, kwargs))
        if any(isinstance(x, KerasTensor) for x in flat):
            return self._symbolic_call(args, kwargs)
        if any(isinstance(x, GraphTensor) for x in flat):
            builder = next(x.builder for x in flat if isinstance(x, GraphTensor))
            return self._traced_call(builder, args, kwargs)
        active = current_builder()
        if active is not None and not any(isinstance(x, np.ndarray) for x in flat):
            return self._traced_call(active, args, kwargs)
        return self._eager_call(args, kwargs)

    def _symbolic_call(self, args, kwargs):
        builder = GraphBuilder()
        values = {}
        with builder.active():
            for i, tensor in enumerate(x for x in _tree.flatten((args, kwargs)) if isinstance(x, KerasTensor)):
                if id(tensor) in values:
                    continue
                traced = builder.input(f"{self.name}_input_{i}", tensor.shape, tensor.dtype)
                mask = tensor._keras_mask
                if mask is not None:
                    builder.masks[traced.id] = builder.input(f"{self.name}_mask_{i}", mask.shape, mask.dtype)
                values[id(tensor)] = traced
            traced_args, traced_kwargs = _tree.map_structure(
                lambda x: values[id(x)] if isinstance(x, KerasTensor) else x, (args, kwargs)
            )
            outputs = self._traced_call(builder, traced_args, traced_kwargs)
        symbolic = _tree.map_structure(lambda t: _to_keras_tensor(builder, t), outputs)
        Node(self, args, self._recorded_call_kwargs(args, kwargs), symbolic)
        return symbolic

    def _recorded_call_kwargs(self, args: Any, kwargs: Any) -> dict:
        """The call's keyword arguments as Keras 3 records them on the node: with `mask` (the
        input's mask, or None) when the call has a `mask` argument and one tensor argument,
        and with `training` set to the call signature's default when that is not None.
        Keras adds those to the recorded arguments only on its fast path (one tensor passed
        positionally in the layer's dtype, no keyword arguments); otherwise it records the
        caller's keyword arguments as given (a layer called on a list, such as Attention)."""
        kwargs = dict(kwargs)
        first = args[0] if len(args) == 1 else None
        fast_path = not kwargs and isinstance(first, KerasTensor) and first.dtype == self.dtype
        if not (fast_path or self._is_model):
            return kwargs
        params = inspect.signature(self.call).parameters
        if self._call_takes_mask and kwargs.get("mask") is None:
            tensor_args = [
                a
                for a in list(args) + [v for k, v in kwargs.items() if k != "mask"]
                if any(isinstance(x, KerasTensor) for x in _tree.flatten(a))
            ]
            if len(tensor_args) == 1:
                # dagnet's masks are not graph tensors, so the recorded mask is None (on
                # loading, Keras and dagnet both take the input's own mask in its place)
                kwargs["mask"] = _tree.map_structure(lambda x: None, tensor_args[0])
        if self._call_takes_training and kwargs.get("training") is None:
            default = params["training"].default
            if default is not inspect.Parameter.empty and default is not None:
                kwargs["training"] = default
        return kwargs

    def _traced_call(self, builder: GraphBuilder, args: Any, kwargs: Any) -> Any:
        inputs = args[0] if args else kwargs.get("inputs")
        rest = args[1:] if args else ()
        if not args and "inputs" in kwargs:
            kwargs = {k: v for k, v in kwargs.items() if k != "inputs"}
        with builder.active():
            inputs = _tree.map_structure(
                lambda x: (
                    x
                    if isinstance(x, GraphTensor)
                    else builder.as_value(x)
                    if isinstance(x, (np.ndarray, Variable))
                    else x
                ),
                inputs,
            )
            if self.input_spec is not None:
                check_input_spec(self, inputs)
            with name_scope(self):
                self._maybe_build(inputs)
            call_kwargs = dict(kwargs)
            if self._call_takes_training and call_kwargs.get("training") is None:
                # Keras 3: the explicit argument, else the outer call's (None: no outer
                # context, as in a plain eager call), else the signature's default.
                call_kwargs["training"] = builder.training if builder.training is not None else _training_default(self)
            masks = _tree.map_structure(
                lambda t: builder.masks.get(t.id) if isinstance(t, GraphTensor) else None, inputs
            )
            has_mask = any(m is not None for m in _tree.flatten(masks))
            # A recorded mask of Nones (a node saved from a list input) is no mask given.
            given = call_kwargs.get("mask")
            if self._call_takes_mask and has_mask and all(m is None for m in _tree.flatten(given)):
                call_kwargs["mask"] = masks
            with builder.scope(self.name), name_scope(self):
                outputs = self.call(inputs, *rest, **call_kwargs)
                outputs = _tree.map_structure(
                    lambda x: x if isinstance(x, GraphTensor) or x is None else builder.as_value(x), outputs
                )
                out_masks = self.compute_mask(inputs, masks if has_mask else None)
                if self.activity_regularizer is not None:
                    self._record_activity_losses(builder, outputs)
        if out_masks is not None:
            flat_out, flat_masks = _tree.flatten(outputs), _tree.flatten(out_masks)
            if len(flat_masks) == 1 and len(flat_out) > 1:
                flat_masks = flat_masks * len(flat_out)
            for out, mask in zip(flat_out, flat_masks):
                if mask is not None and isinstance(out, GraphTensor):
                    builder.masks[out.id] = builder.as_value(mask)
        return outputs

    def _record_activity_losses(self, builder: GraphBuilder, outputs: TensorLike) -> None:
        """Keras 3: the regularizer's penalty on each output, divided by the batch size, added
        with add_loss."""
        for out in _tree.flatten(outputs):
            if not isinstance(out, GraphTensor):
                continue
            loss = self.activity_regularizer(out)
            if out.ndim > 0:  # the batch size, counted at run time (it may be None here)
                rows = out[(slice(None),) + (0,) * (out.ndim - 1)] if out.ndim > 1 else out  # one value per row
                loss = ops.divide(loss, ops.sum(ops.ones_like(rows)))
            self.add_loss(loss)

    def _maybe_build(self, inputs: TensorLike) -> None:
        if self.built:
            return
        shapes = _tree.map_structure(lambda t: t.shape if hasattr(t, "shape") else None, inputs)
        self._build_shapes = shapes
        self.build(shapes)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _eager_input_specs(self, arrays: Any) -> list:
        """(shape, dtype) to trace an eager call with: the arrays' own (models override)."""
        return [(a.shape, a.dtype.name) for a in arrays]

    def _eager_call(self, args, kwargs):
        arrays = [engine_array(x) for x in _tree.flatten((args, kwargs)) if _is_array_like(x)]
        specs = self._eager_input_specs(arrays)
        arrays = [a if a.dtype.name == dtype else a.astype(dtype) for a, (_, dtype) in zip(arrays, specs)]
        training = kwargs.get("training")
        training = None if training is None else bool(training)
        static = tuple((k, v) for k, v in sorted(kwargs.items()) if isinstance(v, (int, float, str, bool, type(None))))
        key = (tuple((tuple(shape), dtype) for shape, dtype in specs), training, static, self.trainable)
        run = self._eager_runs.get(key)
        if run is None:
            device = self._eager_device()
            builder = GraphBuilder(training=training, device=device, place=hasattr(self, "_place_weights"))
            with builder.active():
                traced = iter([builder.input(f"x{i}", shape, dtype) for i, (shape, dtype) in enumerate(specs)])
                traced_args, traced_kwargs = _tree.map_structure(
                    lambda x: next(traced) if _is_array_like(x) else x, (args, kwargs)
                )
                outputs = self._traced_call(builder, traced_args, traced_kwargs)
            flat = _tree.flatten(outputs)
            added = list(builder.added_losses)
            fetches = [t.id for t in flat] + [value.id for _, value in added]
            run = (Executor(builder.graph, fetches, builder.state_updates, device=device), outputs, builder, added)
            self._eager_runs[key] = run
        executor, outputs, _, added = run
        # By name: an input the outputs do not depend on is not part of the lowered graph.
        results = executor.run({name: arrays[int(name[1:])] for name in executor.required_inputs})
        outputs_count = len(results) - len(added)
        for layer in self._flatten_layers():  # Keras clears every add_loss term at an outermost call
            layer._losses = []
        for (layer, _), value in zip(added, results[outputs_count:]):
            layer._losses.append(np.asarray(value))
        return self._eager_result(_tree.pack_sequence_as(outputs, results[:outputs_count]))

    def _eager_device(self) -> str:
        """Where an eager call runs: a model's device (its weights are placed there first),
        else where this layer's weights live (a layer of a model on a GPU runs there)."""
        device = getattr(self, "device", None)
        if isinstance(device, str) and hasattr(self, "_place_weights"):
            return str(self._place_weights())
        return next((v.device for v in self.weights), "cpu")

    def _eager_result(self, result):
        """What an eager call returns (models unpack a one-output list, as Keras 3 does)."""
        return result

    # -- the node API -------------------------------------------------------------------
    def _node_attribute(self, index: int, attribute: str, what: str) -> Any:
        if not self._inbound_nodes:
            raise RuntimeError(f"The layer {self.name} has never been called and thus has no defined {what}.")
        if not 0 <= index < len(self._inbound_nodes):
            raise ValueError(
                f"Asked to get {what} at node {index}, but the layer has only {len(self._inbound_nodes)} inbound nodes."
            )
        values = getattr(self._inbound_nodes[index], attribute)
        return values[0] if isinstance(values, list) and len(values) == 1 else values

    def _single_node_attribute(self, attribute: str, what: str, accessor: str) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no defined {what}.")
        # Keras 3 answers with the first node; a layer the user called several times is refused
        # (the Keras 2 contract). Nodes from Sequential (re)builds do not count as calls.
        calls = [n for n in self._inbound_nodes if not getattr(n, "_sequential_build", False)]
        if len(calls) > 1:
            raise AttributeError(
                f"Layer {self.name} has multiple inbound nodes, hence the notion of "
                f'"layer {what}" is ill-defined. Use `{accessor}(node_index)` instead.'
            )
        return self._node_attribute(0, attribute, what)

    @property
    def input(self) -> Any:
        return self._single_node_attribute("input_tensors", "input", "get_input_at")

    @property
    def output(self) -> Any:
        return self._single_node_attribute("output_tensors", "output", "get_output_at")

    def _shape_over_nodes(self, attribute: str, what: str, accessor: str) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no defined {what}.")
        shapes = {repr(getattr(node, attribute)) for node in self._inbound_nodes}
        if len(shapes) > 1:
            raise AttributeError(
                f'The layer "{self.name}" has multiple inbound nodes, with different {what}s. '
                f'Hence the notion of "{what}" is ill-defined for the layer. Use '
                f"`{accessor}(node_index)` instead."
            )
        return getattr(self._inbound_nodes[0], attribute)

    @property
    def input_shape(self) -> Any:
        return self._shape_over_nodes("input_shapes", "input shape", "get_input_shape_at")

    @property
    def output_shape(self) -> Any:
        return self._shape_over_nodes("output_shapes", "output shape", "get_output_shape_at")

    def get_input_at(self, node_index: int) -> Any:
        return self._node_attribute(node_index, "input_tensors", "input")

    def get_output_at(self, node_index: int) -> Any:
        return self._node_attribute(node_index, "output_tensors", "output")

    def get_input_shape_at(self, node_index: int) -> Any:
        return self._node_attribute(node_index, "input_shapes", "input shape")

    def get_output_shape_at(self, node_index: int) -> Any:
        return self._node_attribute(node_index, "output_shapes", "output shape")

    def get_input_mask_at(self, node_index: int) -> Any:
        tensors = self._node_attribute(node_index, "input_tensors", "input")
        return _tree.map_structure(lambda t: t._keras_mask, tensors)

    def get_output_mask_at(self, node_index: int) -> Any:
        tensors = self._node_attribute(node_index, "output_tensors", "output")
        return _tree.map_structure(lambda t: t._keras_mask, tensors)

    @property
    def inbound_nodes(self) -> list[Node]:
        return self._inbound_nodes

    @property
    def outbound_nodes(self) -> list[Node]:
        return self._outbound_nodes

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _writes_no_config(layer: Layer) -> bool:
    return type(layer).get_config is Layer.get_config


def _layers_in(value: Any, seen: set[int] | None = None) -> list[Layer]:
    """The layers in an attribute's value: itself, or those in a list, tuple or dict (values,
    in order), nested containers included."""
    if isinstance(value, Layer):
        return [value]
    if not isinstance(value, (list, tuple, dict)):
        return []
    seen = set() if seen is None else seen
    if id(value) in seen:
        return []
    seen.add(id(value))
    items = value.values() if isinstance(value, dict) else value
    return [layer for item in items for layer in _layers_in(item, seen)]


def _standard_dtype(dtype: Any) -> str:
    if dtype is None:
        return "float32"
    if isinstance(dtype, dict):  # a Keras 3 DTypePolicy config
        dtype = dtype.get("config", {}).get("name", "float32")
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        return "float32"
    return np.dtype(getattr(dtype, "name", dtype)).name


def _is_array_like(x: TensorLike) -> bool:
    return isinstance(x, (np.ndarray, np.generic))


def _to_keras_tensor(builder: GraphBuilder, value: TensorLike) -> KerasTensor | None:
    if value is None:
        return None
    tensor = KerasTensor(value.shape, value.dtype)
    mask = builder.masks.get(value.id)
    if mask is not None:
        tensor._keras_mask = KerasTensor(mask.shape, mask.dtype)
    return tensor


def _shape_structure_to_tensors(shape, dtype):
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return [KerasTensor(s, dtype) for s in shape]
    return KerasTensor(shape, dtype)


def _shape_lists(x):
    if isinstance(x, (list, tuple)):
        return [_shape_lists(v) for v in x]
    return x


def _shape_tuples(x):
    """A JSON shape (lists) back to tuples: one shape, or a list of shapes."""
    if isinstance(x, (list, tuple)) and any(isinstance(v, (list, tuple)) for v in x):
        return [_shape_tuples(v) for v in x]
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return x
