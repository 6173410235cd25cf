"""Scaled dot-product attention: ``ops.dot_product_attention`` (Keras 3's signature) and the
lowering the attention layers share, both one native ``attention`` node (a fused masked
softmax with dropout between two GEMMs; see csrc/ops/attention.cpp)."""

from __future__ import annotations

import math
from typing import Any

from .._tracing import GraphBuilder, GraphTensor
from .._typing import TensorLike
from ._dispatch import as_values, lowering, op
from .array_ops import repeat

__all__ = ["dot_product_attention"]


def mask_operand(builder: GraphBuilder, mask: TensorLike, dtype: str) -> GraphTensor:
    """A mask (any dtype, nonzero = attend, NumPy broadcasting against (B, N, T, S)) as
    the op's operand: the query's dtype, rank 4."""
    (m,) = as_values(builder, mask)
    if m.dtype != dtype:
        m = builder.node("cast", [m], {"dtype": dtype})[0]
    if m.ndim > 4:
        raise ValueError(f"attention: the mask has rank {m.ndim} (shape {m.shape}); it must broadcast to rank 4")
    while m.ndim < 4:
        m = builder.node("expand_dims", [m], {"axis": 0})[0]
    return m


def fused_attention(
    builder: GraphBuilder,
    query: GraphTensor,
    key: GraphTensor,
    value: GraphTensor,
    *,
    scale: float,
    mask: GraphTensor | None = None,
    causal: bool = False,
    zero_masked_rows: bool = False,
    dropout: float = 0.0,
    seed: int = 0,
    rng_state: Any = None,
    name: str | None = None,
) -> tuple[GraphTensor, GraphTensor]:
    """(out (B, T, N, Hv), probabilities (B, N, T, S)) of query (B, T, N, H), key (B, S, N, H),
    value (B, S, N, Hv). `mask` is a rank-4 operand (mask_operand); with dropout > 0,
    `rng_state` is the layer's int64 counter variable, advanced once per call."""
    inputs = [query, key, value]
    attrs: dict[str, Any] = {
        "scale": float(scale),
        "causal": int(bool(causal)),
        "zero_masked_rows": int(zero_masked_rows),
    }
    if dropout > 0:
        (counter,) = builder.node("rng_draw", [builder.param(rng_state)])
        inputs.append(counter)
        attrs.update(dropout=float(dropout), seed=int(seed))
    if mask is not None:
        inputs.append(mask)
        attrs["has_mask"] = 1
    out, probs = builder.node("attention", inputs, attrs, name)
    return out, probs


@op
def dot_product_attention(
    builder: GraphBuilder,
    query: TensorLike,
    key: TensorLike,
    value: TensorLike,
    bias: TensorLike | None = None,
    mask: TensorLike | None = None,
    scale: float | None = None,
    is_causal: bool = False,
    flash_attention: bool | None = None,
    attn_logits_soft_cap: float | None = None,
) -> Any:
    """Keras 3's ``ops.dot_product_attention`` on (B, T, N, H) tensors: softmax(scale * q k^T
    masked) v, a fully masked row averaging the values as Keras's does; fewer key/value
    heads than query heads are repeated (grouped-query attention)."""
    if bias is not None:
        raise NotImplementedError("dot_product_attention: an additive `bias` is not supported by dagnet")
    if attn_logits_soft_cap is not None:
        raise NotImplementedError("dot_product_attention: `attn_logits_soft_cap` is not supported by dagnet")
    q, k, v = as_values(builder, query, key, value)
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(
            "`dot_product_attention` only supports 4D inputs. "
            f"Received: query.shape={q.shape}, key.shape={k.shape}, value.shape={v.shape}."
        )
    heads, kv_heads = q.shape[2], k.shape[2]
    if heads is not None and kv_heads is not None and heads > kv_heads > 1:
        if heads % kv_heads:
            raise ValueError(f"dot_product_attention: {heads} query heads are not a multiple of {kv_heads} key heads")
        k = lowering(repeat)(builder, k, heads // kv_heads, axis=2)
        v = lowering(repeat)(builder, v, heads // kv_heads, axis=2)
    if scale is None:
        scale = 1.0 / math.sqrt(k.shape[-1])
    operand = None if mask is None else mask_operand(builder, mask, q.dtype)
    out, _ = fused_attention(builder, q, k, v, scale=scale, mask=operand, causal=bool(is_causal))
    return out
