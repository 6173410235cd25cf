"""Embedding: integer indices -> rows of a (input_dim, output_dim) table; mask_zero makes
index 0 a padding value whose positions are masked for the layers downstream."""
from __future__ import annotations

from .. import initializers, ops, regularizers
from ..ops._dispatch import emit
from .layer import Layer


class Embedding(Layer):
    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None, **kwargs):
        if input_length is not None and "input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(**kwargs)
        if not isinstance(input_dim, int) or input_dim <= 0 or not isinstance(output_dim, int) or output_dim <= 0:
            raise ValueError(f"Both `input_dim` and `output_dim` should be positive integers. Received "
                             f"input_dim={input_dim} and output_dim={output_dim}")
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer, name="embeddings")

    def call(self, inputs):
        b = inputs.builder
        if not inputs.dtype.startswith("int"):
            inputs = ops.cast(inputs, "int64")
        return emit(b, "embedding", [inputs, b.param(self.embeddings)])

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": None, "activity_regularizer": None, "embeddings_constraint": None,
                "mask_zero": self.mask_zero}
