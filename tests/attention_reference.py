"""NumPy references for the attention and random ops: scaled dot-product attention in
Keras's MultiHeadAttention layouts, and the engine's counter-based random numbers
(ops/counter_rng.h), so dropout masks and noise are checked value for value."""

import numpy as np

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix64(z):
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def rng_stream(seed, counter):
    return splitmix64(np.uint64(seed & 0xFFFFFFFFFFFFFFFF) ^ splitmix64(np.uint64(counter)))


def rng_uniform(stream, index):
    with np.errstate(over="ignore"):
        bits = splitmix64(np.uint64(stream) + np.asarray(index, dtype=np.uint64))
    return (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53


def rng_normal(stream, index):
    index = np.asarray(index, dtype=np.uint64)
    u1 = 1.0 - rng_uniform(stream, np.uint64(2) * index)
    u2 = rng_uniform(stream, np.uint64(2) * index + np.uint64(1))
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(6.283185307179586 * u2)


def visible(shape, mask=None, causal=False):
    """(B, N, T, S) booleans: which keys each query may attend to."""
    b, n, t, s = shape
    keep = np.ones(shape, bool)
    if mask is not None:
        keep &= np.broadcast_to(mask != 0, shape)
    if causal:
        keep &= np.arange(s)[None, :] <= np.arange(t)[:, None]
    return keep


def attention(q, k, v, mask=None, causal=False, scale=None, zero_masked_rows=False, dropout=0.0, seed=0, counter=0):
    """q (B, T, N, H), k (B, S, N, H), v (B, S, N, Hv) -> out (B, T, N, Hv), probs (B, N, T, S)."""
    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    logits = np.einsum("btnh,bsnh->bnts", q.astype(np.float64), k.astype(np.float64)) * scale
    keep = visible(logits.shape, mask, causal)
    shifted = np.where(keep, logits, -np.inf)
    m = shifted.max(-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.where(keep, np.exp(shifted - m), 0.0)
    total = e.sum(-1, keepdims=True)
    empty = total == 0
    s_len = logits.shape[-1]
    fill = 0.0 if zero_masked_rows else 1.0 / s_len
    probs = np.where(empty, fill, e / np.where(empty, 1.0, total))
    dropped = probs
    if dropout > 0:
        index = np.arange(probs.size, dtype=np.uint64).reshape(probs.shape)
        kept = rng_uniform(rng_stream(seed, counter), index) >= dropout
        dropped = np.where(kept, probs / (1.0 - dropout), 0.0)
    out = np.einsum("bnts,bsnh->btnh", dropped, v.astype(np.float64))
    return out.astype(q.dtype), probs.astype(q.dtype)
