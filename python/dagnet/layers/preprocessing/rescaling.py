"""Rescaling: x * scale + offset (Keras 3's layer; scale and offset may be arrays that
broadcast over the channels)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._typing import TensorLike
from ...ops import math, shape_ops
from ...serialization import serialization_lib
from ..layer import Layer


class Rescaling(Layer):
    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs: TensorLike) -> Any:
        dtype = self.dtype
        scale = np.asarray(self.scale, dtype=dtype)
        offset = np.asarray(self.offset, dtype=dtype)
        x = inputs if inputs.dtype == dtype else shape_ops.cast(inputs, dtype)
        return math.add(math.multiply(x, scale), offset)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "scale": serialization_lib.serialize_keras_object(self.scale),
            "offset": serialization_lib.serialize_keras_object(self.offset),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Rescaling:
        config = dict(config)
        config["scale"] = serialization_lib.deserialize_keras_object(config["scale"], custom_objects)
        config["offset"] = serialization_lib.deserialize_keras_object(config["offset"], custom_objects)
        return cls(**serialization_lib.clean_layer_config(cls, config))
