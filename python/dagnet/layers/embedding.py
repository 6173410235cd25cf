"""Embedding: integer indices -> rows of a (input_dim, output_dim) table; mask_zero makes
index 0 a padding value whose positions are masked for the layers downstream."""

from __future__ import annotations

import warnings
from typing import Any

from .. import constraints, initializers, ops, regularizers
from .._typing import TensorLike
from ..ops._dispatch import emit
from .core import _constraint
from .layer import Layer


class Embedding(Layer):
    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        input_length: Any = None,
        weights: Any = None,
        lora_rank: Any = None,
        lora_alpha: Any = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        if input_length is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.")
            if "input_shape" not in kwargs:  # Keras 2 scripts relied on it to set the input shape
                kwargs["input_shape"] = (input_length,)
        if lora_rank is not None or quantization_config is not None:
            raise ValueError("Embedding: LoRA (lora_rank) and quantization_config are not supported by dagnet")
        super().__init__(weights=weights, **kwargs)
        if not isinstance(input_dim, int) or input_dim <= 0 or not isinstance(output_dim, int) or output_dim <= 0:
            raise ValueError(
                f"Both `input_dim` and `output_dim` should be positive integers. Received "
                f"input_dim={input_dim} and output_dim={output_dim}"
            )
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = _constraint(self, embeddings_constraint, "embeddings_constraint")
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.input_length = input_length

    def build(self, input_shape: Any) -> None:
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
            name="embeddings",
        )

    def call(self, inputs: TensorLike) -> Any:
        b = inputs.builder
        if not inputs.dtype.startswith("int"):
            inputs = ops.cast(inputs, "int64")
        return emit(b, "embedding", [inputs, b.param(self.embeddings)])

    def compute_mask(self, inputs: TensorLike, mask: TensorLike | None = None) -> Any:
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        }
