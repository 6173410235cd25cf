"""Keras 3's Bidirectional wrapper: a forward copy and a backward (go_backwards) copy of a
recurrent layer, their outputs merged (concat, sum, mul, ave, or both returned). Each copy
lowers to its own native node; they share no data, so the executor runs them in parallel."""

from __future__ import annotations

import copy
from typing import Any

from .. import ops
from .._typing import TensorLike
from ..serialization.serialization_lib import (
    clean_layer_config,
    deserialize_keras_object,
    serialize_keras_object,
)
from .layer import Layer, name_scope
from .rnn import flip_time

MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _removeprefix(name: str, prefix: str) -> str:
    return name[len(prefix) :] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Runs `layer` forwards and a copy (or `backward_layer`) backwards and merges the results."""

    def __init__(
        self,
        layer: Any,
        merge_mode: str | None = "concat",
        weights: Any = None,
        backward_layer: Any = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. Received: {layer}"
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"`backward_layer` need to be a `keras.layers.Layer` instance. Received: {backward_layer}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}'
            )
        super().__init__(**kwargs)
        # Fresh copies from the layer's config, so they carry no state of the original.
        config = serialize_keras_object(layer)
        config["config"]["name"] = f"forward_{_removeprefix(layer.name, 'forward_')}"
        self.forward_layer = deserialize_keras_object(config)
        if backward_layer is None:
            config = serialize_keras_object(layer)
            config["config"]["go_backwards"] = True
            config["config"]["name"] = f"backward_{_removeprefix(layer.name, 'backward_')}"
            self.backward_layer = deserialize_keras_object(config)
        else:
            self.backward_layer = backward_layer
        if hasattr(layer, "use_cudnn"):
            self.forward_layer.use_cudnn = layer.use_cudnn
            self.backward_layer.use_cudnn = layer.use_cudnn
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):  # Keras: zeros at masked steps of sequences
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self._pending_weights = list(weights) if weights else None
        recurrent: Any = layer  # an RNN (Keras asks for these attributes of any wrapped layer)
        self.stateful = recurrent.stateful
        self.return_sequences = recurrent.return_sequences
        self.return_state = recurrent.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify_layer_config(self) -> None:
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value. Received: "
                f"forward_layer.go_backwards {forward.go_backwards}, backward_layer.go_backwards="
                f"{backward.go_backwards}"
            )
        for attribute in ("stateful", "return_sequences", "return_state"):
            f, b = getattr(forward, attribute), getattr(backward, attribute)
            if f != b:
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same value for attribute "
                    f'"{attribute}", got "{f}" for forward layer and "{b}" for backward layer'
                )

    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        with name_scope(self):
            for sub in (self.forward_layer, self.backward_layer):
                if not sub.built:
                    sub.build(sequences_shape)
        if self._pending_weights is not None:  # Keras's `weights`: the forward half, then the backward half
            half = len(self._pending_weights) // 2
            self.forward_layer.set_weights(self._pending_weights[:half])
            self.backward_layer.set_weights(self._pending_weights[half:])
            self._pending_weights = None

    def call(
        self,
        sequences: TensorLike,
        initial_state: Any = None,
        mask: Any = None,
        training: bool | None = None,
    ) -> Any:
        kwargs: dict[str, Any] = {}
        if self.forward_layer._call_takes_training:
            kwargs["training"] = training
        if self.forward_layer._call_takes_mask:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states: list = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = flip_time(y_rev)  # the backward layer's outputs come in processing order
        if self.merge_mode == "concat":
            output: Any = ops.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]
        if self.return_state:
            return (output if self.merge_mode is None else [output]) + states
        return output

    def compute_mask(self, inputs: TensorLike, mask: Any = None) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            count = getattr(self.forward_layer, "returned_state_count", 0)
            return masks + [None] * (2 * count)
        return masks if self.merge_mode is None else output_mask

    @property
    def states(self) -> tuple | None:
        if self.forward_layer.states and self.backward_layer.states:
            return tuple(self.forward_layer.states + self.backward_layer.states)
        return None

    def reset_states(self) -> None:
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    reset_state = reset_states

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "merge_mode": self.merge_mode,
            "layer": serialize_keras_object(self.forward_layer),
            "backward_layer": serialize_keras_object(self.backward_layer),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Bidirectional:
        config = copy.deepcopy(config)
        config["layer"] = deserialize_keras_object(config["layer"], custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = deserialize_keras_object(backward, custom_objects)
        return cls(**clean_layer_config(cls, config))
