"""Model: a graph of layer calls from inputs to outputs, itself a layer (callable,
nestable, shareable). Lowering runs each node's layer in depth order on traced tensors,
so nested and shared structure becomes one native graph with weights shared by identity."""

from __future__ import annotations

import inspect
import json
import os
import warnings
from typing import Any

from .. import _naming, _tree
from .._device import check_device, get_device
from .._tracing import GraphBuilder
from .._typing import TensorLike
from ..export import export_model
from ..keras_tensor import KerasTensor
from ..layers.input_layer import InputLayer
from ..layers.layer import Layer
from ..saving import saving_api
from ..saving.native_export import export_native
from ..serialization.serialization_lib import serialize_keras_object
from ..trainers.trainer import Trainer
from .graph_map import map_graph
from .model_config import functional_from_config, functional_get_config
from .summary import print_summary


class Model(Trainer, Layer):
    """``Model(inputs, outputs, name=None)``; subclass it and write ``call`` for a custom model."""

    _is_model = True

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_init_arguments(args, kwargs):
            return super().__new__(Functional)
        # The arguments make a subclass's auto-config (Keras 3 records the defaults here).
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for legacy in ("input", "output"):
            if legacy in kwargs:
                raise TypeError(f"Keyword argument not understood: '{legacy}' (use `{legacy}s=`)")
        if _functional_init_arguments(args, kwargs) and not isinstance(self, Functional):
            # A subclass calling super().__init__(inputs, outputs): Keras 3 makes it a
            # Functional subclass (Functional joins its bases) and builds the graph.
            _inject_functional(type(self))
            Functional.__init__(self, *args, **kwargs)  # type: ignore[arg-type]
            return
        if kwargs.get("name") is None:
            kwargs["name"] = _naming.auto_name(self)
        device = kwargs.pop("device", None)
        super().__init__(**kwargs)
        self.device = check_device(device) if device is not None else get_device()

    def build(self, input_shape: Any = None) -> None:
        """A subclassed model: builds its layers by tracing `call` on inputs of `input_shape`
        (a shape, or a list / dict of shapes), as tf.keras did and as Keras 3's
        build_from_config does. A model that writes its own build() runs that instead."""
        if input_shape is None:
            raise ValueError(
                f"Model '{self.name}': build() needs an `input_shape` (a shape, or a list or dict of shapes)."
            )
        builder = GraphBuilder(training=False)
        with builder.active():
            names = iter(range(1 << 30))
            inputs = _tree.map_shape_structure(lambda s: builder.input(f"x{next(names)}", s, "float32"), input_shape)
            self._traced_call(builder, (inputs,), {})

    build._default_build = True  # type: ignore[attr-defined]

    def _maybe_build(self, inputs: TensorLike) -> None:
        if not self.built and getattr(type(self).build, "_default_build", False):
            # A subclassed model's call builds its layers as it runs: record the shapes only.
            self._build_shapes = _tree.map_structure(lambda t: getattr(t, "shape", None), inputs)
            self.built = True
            return
        super()._maybe_build(inputs)

    def get_build_config(self) -> dict[str, Any] | None:
        if not self.built or self._build_shapes is None:
            return None
        return {"input_shape": _shape_lists(self._build_shapes)}

    def build_from_config(self, config: dict[str, Any]) -> None:
        if not config or self.built:
            return
        if "input_shape" in config:
            shapes = config["input_shape"]
            self.build(tuple(shapes) if _tree.is_shape(shapes) else shapes)
        elif "shapes_dict" in config:
            self.build(**config["shapes_dict"])

    def _saved_structure(self) -> tuple[list, dict]:
        # Keras 3 walks a subclassed model's attributes in sorted order; `layers` is one of them.
        return list(self._own_weights), self._saved_children(extra={"layers": self.layers})

    def _eager_result(self, result):
        # Keras 3 runs a model on arrays and unpacks a single-output list or tuple (a symbolic
        # call keeps the list).
        if isinstance(result, (list, tuple)) and len(result) == 1:
            return result[0]
        return result

    def to(self, device: str) -> Any:
        """Run this model on `device` ('cpu', 'cuda', 'cuda:0'): its weights and optimizer
        state move there (trained values kept) and its graphs run there. Returns the model."""
        name = check_device(device)
        if name != self.device or any(v.device != name for v in self.weights):
            self._move_to_device(name)
        self.device = name
        return self

    # Compile / fit / evaluate / predict live in the Trainer (dagnet.trainers.trainer).

    def save(
        self, filepath: str | os.PathLike[str], overwrite: bool = True, include_optimizer: bool = True, **kwargs: Any
    ) -> None:
        """Saves architecture, weights and (by default) optimizer state to a `.keras` file."""
        if not self.built:
            warnings.warn(
                "You are saving a model that has not yet been built. It might not contain any weights yet. "
                "Consider building the model first by calling it on some data.",
                stacklevel=2,
            )
        saving_api.save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer)

    def save_weights(self, filepath: str | os.PathLike[str], overwrite: bool = True) -> None:
        """`.weights.h5`: Keras 3's layout; `.h5`: tf.keras's layout."""
        self._require_built("You are saving a model that has not yet been built.")
        saving_api.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: str | os.PathLike[str], skip_mismatch: bool = False, **kwargs: Any) -> None:
        self._require_built("You are loading weights into a model that has not yet been built.")
        saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(f"{what} Try building the model first by calling it on some data or by using `build()`.")

    def export_native(self, filepath: str | os.PathLike[str]) -> None:
        """Writes the lowered prediction graph (and, when compiled, the training graph with its
        losses, trainable parameters and optimizer) with the weights, for `dagnet-bench`."""
        export_native(self, filepath)

    def export(
        self,
        filepath: str | os.PathLike[str],
        format: str = "tf_saved_model",
        verbose: bool | None = None,
        input_signature: Any = None,
        **kwargs: Any,
    ) -> None:
        """Exports the model for inference, as Keras 3's ``Model.export``.

        ``format="onnx"`` writes an ONNX model of the prediction graph (dynamic batch and
        other None axes kept; ``opset_version`` default 18; ``pip install "dagnet[onnx]"``);
        ``format="dgn"`` writes the native program file (``export_native``). Keras's other
        formats ("tf_saved_model", the default, "openvino", "litert", "torch") need their
        frameworks and raise a ValueError saying so; unknown formats raise Keras's error.
        ``input_signature`` (objects with ``.shape``, one per input) may fix sizes the
        model leaves as None.
        """
        export_model(self, filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs)

    def summary(
        self,
        line_length: int | None = None,
        positions: Any = None,
        print_fn: Any = None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range: Any = None,
    ) -> None:
        print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
            layer_range=layer_range,
        )

    def get_layer(self, name: str | None = None, index: int | None = None) -> Any:
        if name is not None and index is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has {len(self.layers)} layers."
                )
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: {[l.name for l in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    @property
    def layers(self) -> list[Layer]:
        return [layer for layer in self._tracked_layers()]

    @layers.setter
    def layers(self, _: Any) -> None:
        raise AttributeError("`Model.layers` attribute is reserved and should not be used. Please use another name.")

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
        """A functional config (layers, input_layers, output_layers) rebuilds the graph (for a
        class whose constructor takes inputs and outputs); any other config is passed to the
        constructor, as Keras 3 does."""
        functional_config = all(k in config for k in ("name", "layers", "input_layers", "output_layers"))
        if functional_config and (cls in (Model, Functional) or functional_like_constructor(cls)):
            return functional_from_config(cls if issubclass(cls, Functional) else Functional, config, custom_objects)
        try:
            return cls(**config)
        except TypeError as exc:
            raise TypeError(
                "Unable to revive model from config. When overriding the `get_config()` method, make sure "
                "that the returned config contains all items used as arguments in the constructor to "
                f"{cls}, which is the default behavior. You can override this default behavior by defining "
                "a `from_config(cls, config)` class method to specify how to create an instance of "
                f"{cls.__name__} from its config.\n\nReceived config={config}\n\nError encountered during "
                f"deserialization: {exc}"
            ) from exc

    def to_json(self, **kwargs: Any) -> str:
        """The model's architecture as JSON (Keras 3's format); see models.model_from_json."""
        return json.dumps(serialize_keras_object(self), **kwargs)


class Functional(Model):
    _is_graph_network = True
    _UNTRACKED_ATTRIBUTES = Model._UNTRACKED_ATTRIBUTES | {"_operations", "_operations_by_depth"}
    _assigned_output_names: list[str] | None = None  # what a script assigned to output_names

    def __init__(
        self, inputs: TensorLike, outputs: TensorLike, name: str | None = None, trainable: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(name=name, trainable=trainable, **kwargs)
        for what, structure in (("inputs", inputs), ("outputs", outputs)):
            flat = _tree.flatten(structure)
            if not flat:
                raise ValueError(f"`{what}` of a Functional model cannot be empty.")
            bad = [x for x in flat if not isinstance(x, KerasTensor)]
            if bad:
                raise ValueError(
                    f"All `{what}` values must be KerasTensors. Received: {what}={structure} "
                    f"including invalid value {bad[0]!r} of type {type(bad[0])}"
                )
        if isinstance(inputs, dict):
            for key, tensor in inputs.items():
                if key != tensor.name:
                    warnings.warn(
                        "When providing `inputs` as a dict, all keys in the dict must match the names of "
                        f"the corresponding tensors. Received key '{key}' mapping to value {tensor} which "
                        f"has name '{tensor.name}'. Change the tensor name to '{key}' (via "
                        f"`Input(..., name='{key}')`)",
                        stacklevel=2,
                    )
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self.inputs = _tree.flatten(inputs)
        self.outputs = _tree.flatten(outputs)
        if len({id(x) for x in self.inputs}) != len(self.inputs):
            raise ValueError(
                f"The list of inputs passed to the model is redundant. All inputs should only appear "
                f"once. Received: inputs={inputs}"
            )
        for x in self.inputs:
            operation = x._keras_history.operation
            if not isinstance(operation, InputLayer):
                raise ValueError(
                    f"Model inputs must come from `Input` (a tensor produced by an `InputLayer`). "
                    f"Received {x}, produced by layer '{getattr(operation, 'name', None)}'. To build "
                    "a model on an intermediate tensor, start the sub-model with a new `Input`."
                )
        self._network_nodes, self._nodes_by_depth, self._operations, self._operations_by_depth = map_graph(
            self.inputs, self.outputs
        )
        self.built = True
        self.supports_masking = True

    # -- structure ------------------------------------------------------------------------
    @property
    def operations(self) -> list:
        return list(self._operations)

    def _tracked_layers(self) -> list[Layer]:
        return [op for op in self._operations if not getattr(op, "_is_raw_operation", False)]

    @property
    def input(self) -> Any:
        return self._inputs_struct

    @property
    def output(self) -> Any:
        return self._outputs_struct

    @property
    def input_shape(self) -> Any:
        shapes = _tree.map_structure(lambda x: x.shape, self._inputs_struct)
        return shapes[0] if isinstance(shapes, list) and len(shapes) == 1 else shapes

    @property
    def output_shape(self) -> Any:
        shapes = _tree.map_structure(lambda x: x.shape, self._outputs_struct)
        return shapes[0] if isinstance(shapes, list) and len(shapes) == 1 else shapes

    @property
    def input_names(self) -> list[str]:
        return [x._keras_history.operation.name for x in self.inputs]

    @property
    def output_names(self) -> list[str]:
        # As Keras 3: the output layers' names, in the order of the flattened outputs (a dict's
        # sorted keys), repeats kept; scripts may assign their own list.
        if self._assigned_output_names is not None:
            return list(self._assigned_output_names)
        return [x._keras_history.operation.name for x in self.outputs]

    @output_names.setter
    def output_names(self, names: list[str]) -> None:
        self._assigned_output_names = list(names)

    def build(self, input_shape: Any = None) -> None:
        self.built = True

    def _eager_input_specs(self, arrays: Any) -> list:
        # Trace with the model's own input specs (None dims unknown) when the arrays fit
        # them, so every batch size and sequence length shares one graph and only plans.
        if len(arrays) == len(self.inputs) and all(a.ndim == len(t.shape) for a, t in zip(arrays, self.inputs)):
            return [((None,) + tuple(t.shape[1:]) if t.shape else (), t.dtype) for t in self.inputs]  # any batch
        return super()._eager_input_specs(arrays)

    def compute_mask(self, inputs: TensorLike, mask: TensorLike | None = None) -> None:
        return None  # the inner layers already attached masks to the traced outputs

    def get_build_config(self) -> dict[str, Any] | None:
        return {"input_shape": None}  # Keras 3 builds a functional model once, with no shape

    def build_from_config(self, config: dict[str, Any]) -> None:
        pass

    def get_config(self) -> dict:
        if not functional_like_constructor(type(self)):
            # A subclass with its own constructor: Keras 3 writes the base layer config (the
            # subclass writes get_config for its arguments).
            return Layer.get_config(self)
        return functional_get_config(self)

    def _saved_structure(self) -> tuple[list, dict]:
        # Keras 3: layers/<snake_case class>[_N] first, then a subclass's own attributes.
        return [], {"layers": list(self.layers), **self._saved_children()}

    def _config_module_and_name(self) -> tuple[str | None, str | None]:
        if type(self) is not Functional:  # a subclass: named as a user's class
            return super()._config_module_and_name()
        return "keras.src.models.functional", "Functional"  # as Keras 3 writes it

    # -- running ------------------------------------------------------------------------
    def _flatten_inputs(self, inputs: TensorLike) -> list:
        """The call's inputs, one per model input, by position or by name (never by sorted keys)."""
        if isinstance(inputs, dict):
            if isinstance(self._inputs_struct, dict):
                keys = list(self._inputs_struct)
                names = keys
            else:
                keys = [x.name for x in self.inputs]
                names = self.input_names
            missing = [k for k, n in zip(keys, names) if k not in inputs and n not in inputs]
            if missing:
                raise ValueError(
                    f'Model "{self.name}": missing data for input(s) {missing}. Received keys: {sorted(inputs)}'
                )
            values = [inputs[k] if k in inputs else inputs[n] for k, n in zip(keys, names)]
            if isinstance(self._inputs_struct, dict):
                by_key = dict(zip(keys, values))
                return [by_key[k] for k in self._input_keys_in_flat_order()]
            return values
        flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(self.inputs):
            raise ValueError(
                f'Model "{self.name}" expects {len(self.inputs)} input(s), but it received {len(flat)} input tensors.'
            )
        return flat

    def _input_keys_in_flat_order(self) -> list:
        return sorted(self._inputs_struct)

    def call(self, inputs: TensorLike, training: bool | None = None, mask: TensorLike | None = None) -> Any:
        values = {id(x): v for x, v in zip(self.inputs, self._flatten_inputs(inputs))}
        for depth in sorted(self._nodes_by_depth, reverse=True):
            for node in self._nodes_by_depth[depth]:
                if node.is_input or any(id(x) not in values for x in node.input_tensors):
                    continue
                args, kwargs = _tree.map_structure(
                    lambda x: values[id(x)] if isinstance(x, KerasTensor) else x, (node.call_args, node.call_kwargs)
                )
                if training is not None and getattr(node.operation, "_call_takes_training", False):
                    kwargs = {**kwargs, "training": training}  # Keras 3: the model's call overrides the node's
                outputs = node.operation(*args, **kwargs)
                for x, y in zip(node.outputs, _tree.flatten(outputs)):
                    values[id(x)] = y
        missing = [x for x in self.outputs if id(x) not in values]
        if missing:
            raise ValueError(f"Output {missing[0]} is not connected to `inputs` of model '{self.name}'")
        return _tree.pack_sequence_as(self._outputs_struct, [values[id(x)] for x in self.outputs])


def _functional_init_arguments(args: tuple, kwargs: dict) -> bool:
    """Keras 3: Model(inputs, outputs) / Model(inputs, outputs=...) / Model(inputs=..., outputs=...)."""
    return len(args) == 2 or (len(args) == 1 and "outputs" in kwargs) or ("inputs" in kwargs and "outputs" in kwargs)


def _inject_functional(cls: type) -> type:
    """Keras 3's inject_functional_model_class: Functional replaces Model in the bases."""
    if cls is Model:
        return Functional
    if cls is object or cls is Functional or not issubclass(cls, Model):
        return cls
    cls.__bases__ = tuple(_inject_functional(base) for base in cls.__bases__)
    return cls


def functional_like_constructor(cls: type) -> bool:
    """Keras 3: a constructor taking (inputs, outputs, ...) like Functional's, or *args and **kwargs."""
    spec = inspect.getfullargspec(cls.__init__)  # type: ignore[misc]  # the class's own constructor
    if spec.args[1:] == inspect.getfullargspec(Functional.__init__).args[1:]:
        return True
    return spec.varargs is not None and spec.varkw is not None


def _shape_lists(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _shape_lists(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_shape_lists(v) for v in x]
    return x
