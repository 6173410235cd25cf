"""Wrapper (Keras 3's keras.layers.Wrapper): the base class of layers that take another layer
and augment it (SpectralNormalization here; Keras's TimeDistributed and Bidirectional derive
from it too). It holds `layer`, builds it with its own input shape, and serializes it under
the config key "layer"."""

from __future__ import annotations

from typing import Any

from ..serialization.serialization_lib import clean_layer_config, deserialize_keras_object, serialize_keras_object
from .layer import Layer


class Wrapper(Layer):
    """Abstract base of layers wrapping another layer; subclass it and write `call`."""

    def __init__(self, layer: Any, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Layer {layer} supplied to Wrapper isn't a supported layer type. Please ensure wrapped layer "
                "is a valid Keras layer."
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape: Any = None) -> None:
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "layer": serialize_keras_object(self.layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
        config = dict(config)
        layer = deserialize_keras_object(config.pop("layer"), custom_objects)
        return cls(layer, **clean_layer_config(cls, config))
