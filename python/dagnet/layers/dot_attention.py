"""Attention (Luong-style: dot or concat scores) and AdditiveAttention (Bahdanau-style),
Keras 3's layers on [query, value] or [query, value, key] inputs. Lowered with the ops
Keras writes them with (batched GEMMs, broadcast tanh sums, a where on the padding mask,
softmax, native dropout), so masks behave exactly as in Keras: padded values get a score
lowered by 1e9 and padded queries a zero output."""

from __future__ import annotations

from typing import Any

from .. import _random, ops
from .._typing import TensorLike
from .layer import Layer


class Attention(Layer):
    def __init__(
        self,
        use_scale: bool = False,
        score_mode: str = "dot",
        dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if self.score_mode not in ["dot", "concat"]:
            raise ValueError(
                "Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                f"Received: score_mode={score_mode}"
            )
        self.supports_masking = True

    def _build_rng(self) -> None:
        # Dropout's step counter (state, not a weight) and seed.
        self._rng_state = self.add_weight(
            shape=(), initializer="zeros", dtype="int64", trainable=False, name="seed_generator_state"
        )
        self._seed = int(self.seed) if self.seed is not None else _random.draw_seed()

    def build(self, input_shape: Any) -> None:
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones", trainable=True)
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones", trainable=True
            )
        self._build_rng()

    @property
    def weights(self) -> Any:
        return [w for w in super().weights if w is not getattr(self, "_rng_state", None)]

    def _calculate_scores(self, query: TensorLike, key: TensorLike) -> Any:
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        q, k = ops.expand_dims(query, -2), ops.expand_dims(key, -3)
        summed = q + k if self.scale is None else ops.multiply(self.scale, q + k)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(summed), axis=-1))

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        if scores_mask is not None:
            if len(scores_mask.shape) == 2:
                scores_mask = ops.expand_dims(scores_mask, -2)
            scores = ops.where(scores_mask, scores, ops.subtract(scores, 1.0e9))
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            b = weights.builder
            weights, _ = b.node(
                "dropout", [weights, b.param(self._rng_state)], {"rate": float(self.dropout), "seed": self._seed}
            )
        return ops.matmul(weights, value), weights

    def _calculate_score_mask(self, scores, v_mask, use_causal_mask):
        if use_causal_mask:
            tq, tv = scores.shape[-2], scores.shape[-1]
            if tq is None or tv is None:
                raise ValueError(
                    f'Layer "{self.name}": use_causal_mask needs the query and value lengths when the model is '
                    f"built (scores shape {scores.shape})"
                )
            causal = ops.tril(ops.ones((tq, tv), dtype=scores.dtype))[None]
            if v_mask is not None:
                return ops.logical_and(ops.expand_dims(ops.cast(v_mask, scores.dtype), -2), causal)
            return causal
        return None if v_mask is None else ops.cast(ops.not_equal(v_mask, 0), scores.dtype)

    def call(
        self,
        inputs: Any,
        mask: Any = None,
        training: bool | None = False,
        return_attention_scores: bool = False,
        use_causal_mask: bool = False,
    ) -> Any:
        self._validate_inputs(inputs=inputs, mask=mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._calculate_scores(query=q, key=k)
        scores_mask = self._calculate_score_mask(scores, v_mask, use_causal_mask)
        output, attention_scores = self._apply_scores(scores, v, scores_mask, training)
        if q_mask is not None:
            output = ops.where(ops.expand_dims(ops.cast(q_mask, output.dtype), -1), output, 0.0)
        self._returns_scores = bool(return_attention_scores)
        return (output, attention_scores) if return_attention_scores else output

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        self._validate_inputs(inputs=inputs, mask=mask)
        query_mask = None if mask is None else mask[0]
        return [query_mask, None] if getattr(self, "_returns_scores", False) and query_mask is not None else query_mask

    def _validate_inputs(self, inputs: Any, mask: Any = None) -> None:
        name = type(self).__name__
        if not isinstance(inputs, list):
            raise ValueError(
                f"{name} layer must be called on a list of inputs, namely [query, value] or [query, value, key]. "
                f"Received: inputs={inputs}."
            )
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(
                f"{name} layer accepts inputs list of length 2 or 3, namely [query, value] or [query, value, key]. "
                f"Received length: {len(inputs)}."
            )
        if mask is not None:
            if not isinstance(mask, list):
                raise ValueError(
                    f"{name} layer mask must be a list, namely [query_mask, value_mask]. Received: mask={mask}."
                )
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(
                    f"{name} layer accepts mask list of length 2 or 3. Received: inputs={inputs}, mask={mask}."
                )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "use_scale": self.use_scale,
            "score_mode": self.score_mode,
            "dropout": self.dropout,
            "seed": self.seed,
        }


class AdditiveAttention(Attention):
    """Scores sum(scale * tanh(query + key)) over the features, scale a trainable vector."""

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs: Any) -> None:
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape: Any) -> None:
        self._validate_inputs(input_shape)
        dim = input_shape[0][-1]
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=[dim], initializer="glorot_uniform", trainable=True)
        self._build_rng()

    def _calculate_scores(self, query: TensorLike, key: TensorLike) -> Any:
        q, k = ops.expand_dims(query, -2), ops.expand_dims(key, -3)
        scale = self.scale if self.use_scale else 1.0
        return ops.sum(ops.multiply(scale, ops.tanh(q + k)), axis=-1)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["score_mode"]
        return config
