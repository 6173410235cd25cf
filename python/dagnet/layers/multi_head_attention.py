"""MultiHeadAttention (Keras 3): EinsumDense projections named query / key / value /
attention_output with Keras's einsum weight shapes (kernel (dim, heads, key_dim), ...),
and between them one fused native attention node (csrc/ops/attention.cpp) that reads the
projections in their (batch, length, heads, dim) layout: masked softmax, dropout and both
GEMMs, forward and backward.

Masks: the query's Keras mask, the value's and key's (or value_mask / key_mask), an
explicit attention_mask and use_causal_mask combine as in Keras; the output carries the
query's mask. A query row with no visible key gives what Keras gives on the path it takes:
a uniform average (its dot_product_attention path: no dropout, no returned scores) or
zeros (its softmax path)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import constraints, initializers, ops, regularizers
from .._typing import TensorLike
from ..ops.attention import fused_attention, mask_operand
from .activation_layers import Softmax
from .core import Dropout
from .einsum_dense import EinsumDense
from .layer import Layer

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _projection_equation(free_dims: int, bound_dims: int, output_dims: int) -> tuple[str, str, int]:
    """Keras's _build_proj_equation: (equation, bias axes, output rank)."""
    free = _LETTERS[:free_dims]
    bound = _LETTERS[free_dims : free_dims + bound_dims]
    out = _LETTERS[free_dims + bound_dims : free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out, free_dims + output_dims


def _output_shape(output_rank: int, known_last_dims: list) -> list:
    return [None] * (output_rank - len(known_last_dims)) + list(known_last_dims)


class MultiHeadAttention(Layer):
    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape: Any = None,
        attention_axes: Any = None,
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
        if not isinstance(num_heads, int) or num_heads <= 0:
            raise ValueError(
                "Received an invalid value for argument `num_heads`, expected a positive integer. "
                f"Received: num_heads={num_heads}"
            )
        if not isinstance(key_dim, int) or key_dim <= 0:
            raise ValueError(
                "Received an invalid value for argument `key_dim`, expected a positive integer. "
                f"Received: key_dim={key_dim}"
            )
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError(
                "Received an invalid value for argument `value_dim`, expected a positive integer or `None`. "
                f"Received: value_dim={value_dim}"
            )
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(output_shape)
            except TypeError as e:
                raise ValueError(
                    f"Invalid `output_shape`: {output_shape}. When specified, the `output_shape` should be of "
                    "type tuple, list, or int."
                ) from e
        self._output_shape = output_shape
        self._flash_attention = bool(flash_attention)
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(
                f"`attention_axes` must be an int, list, or tuple.Received: attention_axes={attention_axes}"
            )
        self._attention_axes = attention_axes
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError(
                f"`sliding_window` must be `None` or a positive integer. Received: sliding_window={sliding_window}"
            )
        self._sliding_window = sliding_window
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))
        if self._flash_attention and self._dropout > 0.0:
            raise ValueError(
                "Dropout is not supported when flash attention is enabled. Please set dropout to 0.0 to use "
                "flash attention."
            )
        self._build_shapes_dict: dict | None = None
        self._returns_scores = False

    @property
    def num_heads(self) -> int:
        return self._num_heads

    @property
    def key_dim(self) -> int:
        return self._key_dim

    @property
    def value_dim(self) -> int:
        return self._value_dim

    @property
    def dropout(self) -> float:
        return self._dropout

    @property
    def use_bias(self) -> bool:
        return self._use_bias

    @property
    def attention_axes(self) -> Any:
        return self._attention_axes

    @property
    def query_dense(self) -> EinsumDense:
        return self._query_dense

    @property
    def key_dense(self) -> EinsumDense:
        return self._key_dense

    @property
    def value_dense(self) -> EinsumDense:
        return self._value_dense

    @property
    def output_dense(self) -> EinsumDense:
        return self._output_dense

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        }

    # -- building -------------------------------------------------------------------
    def _sublayer_kwargs(self) -> dict[str, Any]:
        # Fresh initializer objects per sublayer (Keras clones them, so unseeded ones differ).
        return {
            "kernel_initializer": type(self._kernel_initializer).from_config(self._kernel_initializer.get_config()),
            "bias_initializer": type(self._bias_initializer).from_config(self._bias_initializer.get_config()),
            "kernel_regularizer": self._kernel_regularizer,
            "bias_regularizer": self._bias_regularizer,
            "activity_regularizer": self._activity_regularizer,
            "kernel_constraint": self._kernel_constraint,
            "bias_constraint": self._bias_constraint,
            "dtype": self.dtype,
        }

    def _projection(self, shape: Any, dims: list, name: str, activation: Any = None) -> EinsumDense:
        equation, bias_axes, rank = _projection_equation(len(shape) - 1, 1, 2)
        layer = EinsumDense(
            equation,
            output_shape=_output_shape(rank - 1, dims),
            bias_axes=bias_axes if self._use_bias else None,
            activation=activation,
            name=name,
            **self._sublayer_kwargs(),
        )
        layer.build(tuple(shape))
        return layer

    def build(self, query_shape: Any, value_shape: Any, key_shape: Any = None) -> None:  # type: ignore[override]
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. Received: "
                f"value_shape={value_shape} and key_shape={key_shape}"
            )
        self._query_dense = self._projection(query_shape, [self._num_heads, self._key_dim], "query")
        self._key_dense = self._projection(key_shape, [self._num_heads, self._key_dim], "key")
        if self._use_gate:
            self._gate_dense = self._projection(query_shape, [self._num_heads, self._value_dim], "gate", "sigmoid")
        self._value_dense = self._projection(value_shape, [self._num_heads, self._value_dim], "value")
        rank = len(query_shape) + 1  # of the projections
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else (rank - 1) + a for a in self._attention_axes)
        scores_rank = rank - 1 - len(self._attention_axes) + 2 * len(self._attention_axes)
        norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
        self._softmax = Softmax(axis=norm_axes, dtype=self.dtype)
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype, seed=self.seed)
        self._dropout_layer.build(None)  # its seed and step counter drive the fused dropout
        output = list(self._output_shape) if self._output_shape else [query_shape[-1]]
        equation, bias_axes, out_rank = _projection_equation(len(query_shape) - 1, 2, len(output))
        self._output_dense = EinsumDense(
            equation,
            output_shape=_output_shape(out_rank - 1, output),
            bias_axes=bias_axes if self._use_bias else None,
            name="attention_output",
            **self._sublayer_kwargs(),
        )
        projected = list(self._query_dense.compute_output_shape(query_shape))
        projected[-1] = self._value_dim
        self._output_dense.build(tuple(projected))
        self.built = True

    def _maybe_build(self, inputs: TensorLike) -> None:
        pass  # built in call, from the query's, value's and key's shapes (Keras's shapes_dict)

    def get_build_config(self) -> dict[str, Any] | None:
        if not self.built or self._build_shapes_dict is None:
            return None
        return {"shapes_dict": {k: list(v) for k, v in self._build_shapes_dict.items()}}

    def build_from_config(self, config: dict[str, Any]) -> None:
        if config and "shapes_dict" in config and not self.built:
            shapes = {k: tuple(v) for k, v in config["shapes_dict"].items()}
            self._build_shapes_dict = shapes
            self.build(**shapes)

    def _saved_structure(self) -> tuple[list, dict]:
        """Keras 3's weight-file groups for this layer (no variables of its own)."""
        children: dict[str, Any] = {"_dropout_layer": self._dropout_layer, "_softmax": self._softmax}
        if self._use_gate:
            children["_gate_dense"] = self._gate_dense
        children.update(
            key_dense=self._key_dense,
            output_dense=self._output_dense,
            query_dense=self._query_dense,
            value_dense=self._value_dense,
        )
        return [], children

    # -- calling ----------------------------------------------------------------------
    def compute_mask(self, inputs: TensorLike, mask: TensorLike | None = None) -> Any:
        # The output carries the query's mask; returned attention scores carry none.
        return [mask, None] if self._returns_scores and mask is not None else mask

    def call(
        self,
        query: TensorLike,
        value: TensorLike,
        key: TensorLike | None = None,
        query_mask: TensorLike | None = None,
        value_mask: TensorLike | None = None,
        key_mask: TensorLike | None = None,
        attention_mask: TensorLike | None = None,
        return_attention_scores: bool = False,
        training: bool | None = None,
        use_causal_mask: bool = False,
    ) -> Any:
        b = query.builder
        if not self.built:
            shapes = {"query_shape": tuple(query.shape), "value_shape": tuple(value.shape)}
            if key is not None:
                shapes["key_shape"] = tuple(key.shape)
            self._build_shapes_dict = shapes
            self.build(**shapes)
        if self._flash_attention and return_attention_scores:
            raise ValueError(
                "Returning attention scores is not supported when flash attention is enabled. Please disable "
                "flash attention to access attention scores."
            )
        # Keras: the query's own mask always; value / key masks from the tensors unless given.
        query_mask = b.masks.get(query.id)
        if value_mask is None:
            value_mask = b.masks.get(value.id)
        if key is not None and key_mask is None:
            key_mask = b.masks.get(key.id)
        if key is None:
            key = value
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask, attention_mask)
        gate = self._gate_dense(query) if self._use_gate else None
        q, k, v = self._query_dense(query), self._key_dense(key), self._value_dense(value)
        output, scores = self._attend(q, k, v, mask, bool(training), bool(return_attention_scores), use_causal_mask)
        if gate is not None:
            output = ops.multiply(output, gate)
        output = self._output_dense(output)
        self._returns_scores = bool(return_attention_scores)
        return (output, scores) if return_attention_scores else output

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask):
        """The combined (batch, T, S)-broadcastable 0/1 mask in the query's dtype, or None
        (the causal mask is an attribute of the fused op, not materialised)."""
        dtype = query.dtype

        def flag(m):
            return ops.cast(ops.not_equal(m, 0), dtype)

        combined = None
        for m, axis in ((query_mask, -1), (value_mask, -2), (key_mask, -2)):
            if m is not None:
                m = ops.expand_dims(flag(m), axis)
                combined = m if combined is None else ops.multiply(combined, m)
        if self._sliding_window is not None:
            band = self._sliding_window_mask(query, query.shape[1], value.shape[1], dtype)
            combined = band if combined is None else ops.multiply(combined, band)
        if attention_mask is not None:
            explicit = flag(attention_mask)
            combined = explicit if combined is None else ops.multiply(explicit, combined)
        return combined

    def _sliding_window_mask(self, query, t, s, dtype):
        if t is None or s is None:
            raise ValueError(
                f'Layer "{self.name}": sliding_window needs the query and key lengths when the model is built '
                f"(query shape {query.shape})"
            )
        rows, cols = np.arange(t)[:, None], np.arange(s)[None, :]
        return (np.abs(rows - cols) < self._sliding_window).astype(dtype)[None]

    def _attend(self, q, k, v, mask, training, return_scores, causal):
        """(output (B, *T, N, Hv), scores or None) of the projected q, k, v."""
        b = q.builder
        rank = q.ndim
        # Keras takes its dot_product_attention path (fully masked rows average the values)
        # for rank-4 projections without dropout or returned scores, else its softmax path
        # (fully masked rows are zeros).
        zero_rows = self._dropout > 0 or return_scores or rank != 4
        attention_dims = list(self._attention_axes)
        batch_dims = [d for d in range(rank - 2) if d not in attention_dims]
        default_layout = batch_dims == [0] and attention_dims == [1]
        q_shape, k_shape = q.shape, k.shape
        if not default_layout:
            if causal or mask is not None:
                raise NotImplementedError(
                    f'Layer "{self.name}": masks and use_causal_mask with attention_axes={self._attention_axes} '
                    f"on inputs of rank {rank - 1} are not supported by dagnet"
                )
            q, k, v = (self._flatten_attention(t, batch_dims, attention_dims) for t in (q, k, v))
        operand = None
        if mask is not None:
            operand = mask_operand(b, ops.expand_dims(mask, -3) if mask.ndim == 3 else mask, q.dtype)
        use_dropout = training and self._dropout > 0
        out, probs = fused_attention(
            b,
            q,
            k,
            v,
            scale=self._inverse_sqrt_key_dim,
            mask=operand,
            causal=causal,
            zero_masked_rows=zero_rows,
            dropout=self._dropout if use_dropout else 0.0,
            seed=self._dropout_layer._seed,
            rng_state=self._dropout_layer._rng_state if use_dropout else None,
        )
        if not default_layout:
            # Back to Keras's layouts: output (batch dims.., attention dims.., N, Hv) in the
            # query's axis order; scores (batch dims.., N, query attention dims.., key's ..).
            lead = [q_shape[d] for d in batch_dims[1:]]
            q_attention = [q_shape[d] for d in attention_dims]
            k_attention = [k_shape[d] for d in attention_dims]
            heads = self._num_heads
            out = ops.reshape(out, [-1] + lead + q_attention + [heads, self._value_dim])
            order = batch_dims + attention_dims + [rank - 2, rank - 1]
            out = ops.transpose(out, [order.index(d) for d in range(rank)])
            probs = ops.reshape(probs, [-1] + lead + [heads] + q_attention + k_attention)
        return out, (probs if return_scores else None)

    def _flatten_attention(self, t, batch_dims, attention_dims):
        """(.., N, H) with the batch axes first, then the attention axes, merged into
        (prod batch, prod attention, N, H)."""
        rank = t.ndim
        moved = ops.transpose(t, batch_dims + attention_dims + [rank - 2, rank - 1])
        sizes = [t.shape[d] for d in attention_dims] + [t.shape[d] for d in batch_dims[1:]]
        if any(size is None for size in sizes):
            raise ValueError(
                f'Layer "{self.name}": attention_axes={self._attention_axes} need known sizes on every axis '
                f"but the batch (projected shape {t.shape})"
            )
        length = int(np.prod([t.shape[d] for d in attention_dims]))
        return ops.reshape(moved, [-1, length, t.shape[-2], t.shape[-1]])
