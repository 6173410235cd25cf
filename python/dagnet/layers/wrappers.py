"""TimeDistributed: applies a layer (or a whole model) to every time step by folding time
into the batch axis: (B, T, ...) -> (B*T, ...) -> layer -> (B, T, ...)."""

from __future__ import annotations

from typing import Any

from .. import _tree
from .._typing import TensorLike
from ..ops._dispatch import emit
from ..serialization.serialization_lib import clean_layer_config, deserialize_keras_object, serialize_keras_object
from .input_spec import InputSpec
from .layer import Layer


class TimeDistributed(Layer):
    def __init__(self, layer: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. Received: {layer}"
            )
        self.layer = layer
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)

    def build(self, input_shape: Any) -> None:
        if len(input_shape) < 3:
            raise ValueError(
                f"`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                f"dimensions, received: {input_shape}"
            )

    def call(self, inputs: TensorLike, training: bool | None = None, mask: TensorLike | None = None) -> Any:
        b = inputs.builder
        folded = emit(b, "merge_leading_axes", [inputs])
        kwargs = {"training": training} if self.layer._call_takes_training else {}
        outputs = self.layer(folded, **kwargs)
        return _tree.map_structure(lambda y: emit(b, "split_leading_axes", [y, inputs]), outputs)

    def compute_mask(self, inputs: TensorLike, mask: TensorLike | None = None) -> Any:
        return mask

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "layer": serialize_keras_object(self.layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> TimeDistributed:
        config = dict(config)
        layer = deserialize_keras_object(config.pop("layer"), custom_objects)
        return cls(layer, **clean_layer_config(cls, config))
