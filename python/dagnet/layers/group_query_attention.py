"""GroupQueryAttention (Keras 3's GroupedQueryAttention, exported as
keras.layers.GroupQueryAttention): multi-head attention where num_query_heads query heads
share num_key_value_heads key / value heads, each key / value head repeated
num_query_heads // num_key_value_heads times. Built from MultiHeadAttention's pieces: the
EinsumDense projections query (dim, Hq, head_dim), key and value (dim, Hkv, head_dim), the
optional sigmoid gate, attention_output (Hq, head_dim, dim), and the one fused native
attention node between them (masks, causal mask, sliding window and dropout as there).
flash_attention is accepted and ignored (the fused node is the one path), except that, as in
Keras, it refuses dropout and returned scores."""

from __future__ import annotations

import math
from typing import Any

from .. import constraints, initializers, ops, regularizers
from .activation_layers import Softmax
from .core import Dropout
from .einsum_dense import EinsumDense
from .multi_head_attention import MultiHeadAttention


class GroupQueryAttention(MultiHeadAttention):
    """Keras's class is GroupedQueryAttention but its files name it GroupQueryAttention (the
    exported name); dagnet's class carries the file's name, GroupedQueryAttention is an alias.
    Its weights group in a .weights.h5 is still named after the Python class."""

    _weights_class_name = "GroupedQueryAttention"  # saving/weights_h5.py names the group by it

    def __init__(
        self,
        head_dim: int,
        num_query_heads: int,
        num_key_value_heads: int,
        dropout: float = 0.0,
        use_bias: bool = True,
        sliding_window: int | None = None,
        flash_attention: bool | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        use_gate: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        for arg, value in (
            ("head_dim", head_dim),
            ("num_query_heads", num_query_heads),
            ("num_key_value_heads", num_key_value_heads),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"Received an invalid value for argument `{arg}`, expected a positive integer. "
                    f"Received: {arg}={value}"
                )
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError(
                "`num_query_heads` must be divisible by `num_key_value_heads`. Received: "
                f"num_query_heads={num_query_heads}, num_key_value_heads={num_key_value_heads}"
            )
        super().__init__(
            num_heads=num_query_heads,
            key_dim=head_dim,
            dropout=dropout,
            use_bias=use_bias,
            sliding_window=sliding_window,
            flash_attention=flash_attention,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            use_gate=use_gate,
            seed=seed,
            **kwargs,
        )
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))

    def get_config(self) -> dict[str, Any]:
        base = super().get_config()
        for key in ("num_heads", "key_dim", "value_dim", "output_shape", "attention_axes"):
            base.pop(key)
        return {
            **base,
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "sliding_window": self._sliding_window,
            "dropout": self._dropout,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        }

    def build(self, query_shape: Any, value_shape: Any, key_shape: Any = None) -> None:  # type: ignore[override]
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        for name, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise ValueError(
                    f'Layer "{self.name}" (GroupQueryAttention): the {name} must have shape (batch, length, dim); '
                    f"received {name}_shape={shape}"
                )
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                "The last dimension of `query_shape` and `value_shape` must be equal, but are "
                f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, value_shape={value_shape}"
            )
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. Received: "
                f"value_shape={value_shape} and key_shape={key_shape}"
            )
        heads, kv_heads, dim = self.num_query_heads, self.num_key_value_heads, self.head_dim
        # Keras's equations, names and build order (the weights' order): query, key, gate,
        # value, output.
        self._query_dense = self._grouped_projection("bqm,muh->bquh", heads, "uh", "query", query_shape)
        self._key_dense = self._grouped_projection("bkm,mvh->bkvh", kv_heads, "vh", "key", key_shape)
        if self._use_gate:
            self._gate_dense = self._grouped_projection(
                "bqm,muh->bquh", heads, "uh", "gate", query_shape, activation="sigmoid"
            )
        self._value_dense = self._grouped_projection("bkm,mvh->bkvh", kv_heads, "vh", "value", value_shape)
        self._attention_axes = (1,)
        self._softmax = Softmax(axis=-1, dtype=self.dtype)
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype, seed=self.seed)
        self._dropout_layer.build(None)  # its seed and step counter drive the fused dropout
        self._output_dense = EinsumDense(
            "bquh,uhm->bqm",
            output_shape=(None, query_shape[-1]),
            bias_axes="m" if self._use_bias else None,
            name="attention_output",
            **self._sublayer_kwargs(),
        )
        self._output_dense.build((None, None, heads, dim))
        self.built = True

    def _grouped_projection(
        self, equation: str, heads: int, bias_axes: str, name: str, shape: tuple, activation: Any = None
    ) -> EinsumDense:
        layer = EinsumDense(
            equation,
            output_shape=(None, heads, self.head_dim),
            bias_axes=bias_axes if self._use_bias else None,
            activation=activation,
            name=name,
            **self._sublayer_kwargs(),
        )
        layer.build(shape)
        return layer

    def _saved_structure(self) -> tuple[list, dict]:
        """Keras 3's weight-file groups for this layer: its private sublayer attributes."""
        children: dict[str, Any] = {"_dropout_layer": self._dropout_layer}
        if self._use_gate:
            children["_gate_dense"] = self._gate_dense
        children.update(
            _key_dense=self._key_dense,
            _output_dense=self._output_dense,
            _query_dense=self._query_dense,
            _softmax=self._softmax,
            _value_dense=self._value_dense,
        )
        return [], children

    def _attend(self, q, k, v, mask, training, return_scores, causal):
        # Each key / value head serves num_repeats consecutive query heads (Keras's ops.repeat).
        if self.num_repeats > 1:
            k = ops.repeat(k, self.num_repeats, axis=2)
            v = ops.repeat(v, self.num_repeats, axis=2)
        return super()._attend(q, k, v, mask, training, return_scores, causal)


GroupedQueryAttention = GroupQueryAttention
