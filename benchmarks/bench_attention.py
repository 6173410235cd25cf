"""Fused scaled dot-product attention, forward and forward+backward, float32: dagnet's
attention op (Keras's (B, T, N, H) layouts, read in place) vs
torch.nn.functional.scaled_dot_product_attention (its (B, N, T, H) layout), same run and
thread count, with a key-padding mask and with a causal mask. Needs `pip install torch==2.13.0`.

    python benchmarks/bench_attention.py [--threads N]
"""

import numpy as np
from _timing import best_ms as best, print_table, torch_peer_setup

from dagnet.engine import Executor, Graph, gradients

SHAPES = [(32, 200, 2, 32), (8, 512, 8, 64)]  # (batch, length, heads, head size)


def dagnet_runs(q, k, v, mask, causal):
    g = Graph()
    ids = [g.input(n, list(a.shape)) for n, a in zip("qkv", (q, k, v))]
    attrs = {"scale": 1.0 / np.sqrt(q.shape[-1]), "causal": int(causal)}
    feeds = [q, k, v]
    if mask is not None:
        ids.append(g.input("mask", list(mask.shape)))
        feeds.append(mask)
        attrs["has_mask"] = 1
    out, _ = g.node("attention", ids, attrs)
    (loss,) = g.node("reduce", [out], {"kind": "sum"})
    forward = Executor(g, [out])
    backward = Executor(g, [loss] + gradients(g, loss, ids[:3]))
    return (lambda: forward.run(feeds)), (lambda: backward.run(feeds))


def torch_runs(torch, q, k, v, mask, causal):
    tq, tk, tv = (torch.from_numpy(a.transpose(0, 2, 1, 3).copy()).requires_grad_(True) for a in (q, k, v))
    tmask = None if mask is None else torch.from_numpy(mask != 0)
    sdpa = torch.nn.functional.scaled_dot_product_attention

    def forward():
        with torch.no_grad():
            sdpa(tq, tk, tv, attn_mask=tmask, is_causal=causal)

    def backward():
        for t in (tq, tk, tv):
            t.grad = None
        sdpa(tq, tk, tv, attn_mask=tmask, is_causal=causal).sum().backward()

    return forward, backward


def main():
    args, torch, threads = torch_peer_setup(default_repeats=5)
    rng = np.random.default_rng(0)
    rows = []
    for batch, length, heads, size in SHAPES:
        q, k, v = (rng.standard_normal((batch, length, heads, size)).astype(np.float32) for _ in range(3))
        padding = np.ones((batch, 1, 1, length), np.float32)
        padding[:, :, :, length * 3 // 4 :] = 0  # the last quarter of every sequence is padding
        for label, mask, causal in [("padding mask", padding, False), ("causal", None, True)]:
            d_fwd, d_bwd = dagnet_runs(q, k, v, mask, causal)
            t_fwd, t_bwd = torch_runs(torch, q, k, v, mask, causal)
            name = f"{batch}x{length}x{heads}x{size} {label}"
            rows.append((name + " fwd", best(d_fwd, args.repeats), best(t_fwd, args.repeats)))
            rows.append((name + " f+b", best(d_bwd, args.repeats), best(t_bwd, args.repeats)))
    print_table(f"attention (batch x length x heads x head size), threads {threads}, torch {torch.__version__}", rows)


if __name__ == "__main__":
    main()
