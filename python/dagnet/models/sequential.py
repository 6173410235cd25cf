"""Sequential: a plain stack of layers. With a known input shape (an Input first, or
input_shape= on the first layer) it is a functional model at once; otherwise it builds
itself on its first call, build(input_shape), fit, evaluate or predict, leaving the batch
axis (and any axis the weights allow) free."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _naming, _tree
from .._free_dims import free_input_shapes
from .._tracing import GraphBuilder
from .._typing import TensorLike
from ..keras_tensor import KerasTensor
from ..layers.input_layer import InputLayer
from ..layers.layer import Layer, name_scope
from ..serialization.serialization_lib import deserialize_keras_object, serialize_keras_object
from .functional import Functional, Model


class Sequential(Model):
    _UNTRACKED_ATTRIBUTES = Model._UNTRACKED_ATTRIBUTES | {"_stack", "_functional", "_deferred_input"}

    def __init__(
        self, layers: Any = None, trainable: bool = True, name: str | None = None, device: str | None = None
    ) -> None:
        super().__init__(name=name or _naming.auto_name("Sequential"), trainable=trainable, device=device)
        self._stack: list[Layer] = []
        self._functional: Functional | None = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer: Any, rebuild: bool = True) -> None:
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history.operation, InputLayer):
            layer = layer._keras_history.operation
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Only instances of `Layer` can be added to a Sequential model. Received: {layer} "
                f"(of type {type(layer)})"
            )
        if isinstance(layer, InputLayer) and self._stack and isinstance(self._stack[0], InputLayer):
            raise ValueError(
                f"Sequential model '{self.name}' has already been configured to use input shape "
                f"{self._stack[0].batch_shape}. You cannot add a different Input layer to it."
            )
        if not self._stack and getattr(layer, "_batch_input_shape", None) is not None:
            # Legacy input_shape= on the first layer: an InputLayer made once, as Keras 3 does.
            self._stack.append(InputLayer(batch_shape=layer._batch_input_shape, dtype=layer.dtype))
        names = {l.name for l in self._stack}
        if layer.name in names:
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. Name "
                f"'{layer.name}' is already the name of a layer in this model."
            )
        self._stack.append(layer)
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild: bool = True) -> Layer:
        layer = self._stack.pop()
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self) -> None:
        self.built = False
        self._functional = None
        if not self._stack:
            return
        first = self._stack[0]
        if first is self.__dict__.get("_deferred_input"):
            # Built from data or build(): rebuild from that shape, as Keras 3 rebuilds from it.
            self._stack.pop(0)
            if self._stack:
                self._build_deferred(self._build_input_shape, first.dtype)
        elif isinstance(first, InputLayer) and len(self._stack) > 1:
            self._build_graph(first.batch_shape, first.dtype)

    def _build_graph(self, batch_shape: Any, dtype: Any) -> None:
        first = self._stack[0]
        if not isinstance(first, InputLayer):
            # Built from a call or build(): the InputLayer joins the stack for good (Keras 3).
            first = InputLayer(batch_shape=batch_shape, dtype=dtype)
            self._stack.insert(0, first)
        inputs = first._output_tensor
        x = inputs
        with name_scope(self):  # Keras builds inside the Sequential's scope: 'sequential/dense/kernel'
            for layer in self.layers:
                x = layer(x)
                # Each (re)build calls the layers anew, as in Keras 3; those nodes are the model's
                # own, so they do not make a layer "shared" for layer.input / layer.output.
                layer._inbound_nodes[-1]._sequential_build = True
        self._functional = Functional(inputs, x)  # auto-named: each build takes a "functional" name, as in Keras 3
        self.built = True

    def _build_deferred(self, input_shape: tuple, dtype: str) -> None:
        """Builds a Sequential that has no Input from the shape of its first data (or of
        build()): the layers get their weights from that shape, then the model's Input leaves
        the batch axis and every axis the weights do not fix unknown (a sequence length
        before global pooling), so any batch size and such length runs on the same graph."""
        shape = (None,) + tuple(input_shape[1:])
        builder = GraphBuilder(training=False)
        with builder.active(), name_scope(self):
            self._call_layers(builder.input("x", shape, dtype))
        free = free_input_shapes(lambda b, inputs: [self._call_layers(inputs[0])], [(shape, dtype)])[0]
        self._build_input_shape = shape
        self._build_graph(free, dtype)
        self._deferred_input = self._stack[0]

    def _call_layers(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def build(self, input_shape: Any = None) -> None:
        if self._functional is not None:
            return
        if input_shape is None:  # Keras 3 builds nothing without a shape
            return
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
            raise ValueError("Sequential model inputs must be a single tensor")
        if not self.layers:
            raise ValueError(
                f"Sequential model {self.name} cannot be built because it has no layers. Call `model.add(layer)`."
            )
        self._build_deferred(tuple(input_shape), self._stack[0].dtype)

    def _maybe_build(self, inputs: TensorLike) -> None:
        if self._functional is None:
            self.build(inputs.shape)

    def _build_for_data(self, x: Any) -> None:
        """fit / evaluate / predict on a Sequential without an Input: build from the data."""
        if self._functional is not None or x is None:
            return
        flat = _tree.flatten(x)
        if len(flat) != 1:
            raise ValueError(
                f"Sequential model '{self.name}' takes a single input, but the data holds {len(flat)} arrays."
            )
        self.build(np.shape(flat[0]))

    def call(self, inputs: TensorLike, training: bool | None = None, mask: TensorLike | None = None) -> Any:
        return self._require_graph().call(inputs, training=training, mask=mask)

    def compute_mask(self, inputs: TensorLike, mask: TensorLike | None = None) -> None:
        return None

    @property  # type: ignore[misc]  # read-only, like Model.layers (whose setter only refuses)
    def layers(self) -> list[Layer]:
        return [layer for layer in self._stack if not isinstance(layer, InputLayer)]

    def _tracked_layers(self) -> list[Layer]:
        return self.layers

    def _require_graph(self) -> Functional:
        if self._functional is None:
            raise AttributeError(
                f"Sequential model '{self.name}' has no defined inputs yet: it builds on its first "
                "call, `build(input_shape)`, fit, evaluate or predict (or start it with an `Input`)."
            )
        return self._functional

    @property
    def inputs(self) -> Any:
        return self._require_graph().inputs

    @property
    def outputs(self) -> Any:
        return self._require_graph().outputs

    @property
    def input(self) -> Any:
        return self._require_graph().input

    @property
    def output(self) -> Any:
        return self._require_graph().output

    @property
    def input_shape(self) -> Any:
        return self._require_graph().input_shape

    @property
    def output_shape(self) -> Any:
        return self._require_graph().output_shape

    @property
    def input_names(self) -> Any:
        return self._require_graph().input_names

    @property
    def output_names(self) -> Any:
        return self._require_graph().output_names

    @property
    def _nodes_by_depth(self):
        return self._require_graph()._nodes_by_depth

    def _flatten_inputs(self, inputs):
        return self._require_graph()._flatten_inputs(inputs)

    def get_config(self) -> dict:
        config = super().get_config()  # name, trainable, dtype as Keras 3's Sequential writes them
        config["layers"] = [serialize_keras_object(layer) for layer in self._stack]
        if self._functional is not None:
            config["build_input_shape"] = list(self._built_input_shape())
        return config

    def _saved_structure(self) -> tuple[list, dict]:
        # Keras 3: layers/<snake_case class>[_N] (no InputLayer) first, then a subclass's own
        # attributes.
        return [], {"layers": list(self.layers), **self._saved_children()}

    def _config_module_and_name(self) -> tuple[str | None, str | None]:
        module, registered = super()._config_module_and_name()
        if type(self) is Sequential:
            module = "keras"  # Keras 3 cannot find 'keras.layers.Sequential'
        return module, registered

    def get_build_config(self) -> dict[str, Any] | None:
        if self._functional is None:
            return None
        return {"input_shape": list(self._built_input_shape())}

    def _built_input_shape(self) -> tuple:
        """The shape it was built for: its Input's, or the first data's (batch axis unknown)."""
        return self.__dict__.get("_build_input_shape") or self._require_graph().inputs[0].shape

    def build_from_config(self, config: dict[str, Any]) -> None:
        if config and config.get("input_shape") and self._functional is None:
            self.build(tuple(config["input_shape"]))

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Sequential:
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config["layers"]:
            model.add(deserialize_keras_object(layer_config, custom_objects), rebuild=False)
        model._maybe_rebuild()
        if model._functional is None and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model
