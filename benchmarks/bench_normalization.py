"""Normalizations, float32, dagnet's fused ops vs torch's CPU kernels in the same run and
thread count: batch norm in training (channels_last and channels_first) and inference,
layer norm, group norm; forward, and forward + backward (dx, dgamma, dbeta from a given
dy). Needs `pip install torch==2.13.0`.

    python benchmarks/bench_normalization.py [--threads N]
"""

import time

import numpy as np
from _timing import print_table, torch_peer_setup

from dagnet.engine import Executor, Graph


def interleaved(ours, theirs, repeats):
    """Best-of-N milliseconds of each, alternating calls so both see the same machine load
    (other processes share these cores)."""
    ours(), theirs()
    best_ours = best_theirs = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        ours()
        middle = time.perf_counter()
        theirs()
        end = time.perf_counter()
        best_ours, best_theirs = min(best_ours, middle - start), min(best_theirs, end - middle)
    return best_ours * 1e3, best_theirs * 1e3


def dagnet_pair(x, gamma, beta, attrs):
    """(forward executor, forward+backward executor) of normalize over attrs, fed [x, dy]."""
    g = Graph()
    xi = g.input("x", list(x.shape))
    dyi = g.input("dy", list(x.shape))
    gi, bi = g.param("gamma", gamma), g.param("beta", beta)
    full = {**attrs, "scale": 1, "center": 1}
    y, mean, var = g.node("normalize", [xi, gi, bi], full)
    grads = g.node("normalize_grad", [dyi, xi, mean, var, gi], {**full, "center": 0})
    return Executor(g, [y]), Executor(g, [y] + grads)


def main():
    args, torch, threads = torch_peer_setup()
    F = torch.nn.functional
    rng = np.random.default_rng(0)
    rows = []

    def case(name, x_np, gamma, beta, attrs, torch_fn, to_torch):
        dy = rng.standard_normal(x_np.shape).astype(np.float32)
        forward, both = dagnet_pair(x_np, gamma, beta, attrs)
        tx = to_torch(x_np).requires_grad_(True)
        tg = torch.from_numpy(gamma).requires_grad_(True)
        tb = torch.from_numpy(beta).requires_grad_(True)
        tdy = to_torch(dy)

        def t_forward():
            with torch.no_grad():
                torch_fn(tx, tg, tb)

        def t_both():
            tx.grad = tg.grad = tb.grad = None
            torch_fn(tx, tg, tb).backward(tdy)

        fwd = interleaved(lambda: forward.run({"x": x_np}), t_forward, args.repeats)
        both_ms = interleaved(lambda: both.run({"x": x_np, "dy": dy}), t_both, args.repeats)
        rows.append((f"{name} fwd", *fwd))
        rows.append((f"{name} fwd+bwd", *both_ms))

    n, h, w, c = 32, 56, 56, 64
    x = (rng.standard_normal((n, h, w, c)) * 2 + 1).astype(np.float32)
    gamma, beta = rng.standard_normal(c).astype(np.float32), rng.standard_normal(c).astype(np.float32)
    running = [torch.zeros(c), torch.ones(c)]

    def channels_last(a):
        return torch.from_numpy(a).permute(0, 3, 1, 2)  # NCHW view of NHWC memory: torch's channels_last

    def bn_train(t, g, b):
        return F.batch_norm(t, running[0], running[1], g, b, training=True, momentum=0.01, eps=1e-3)

    case("BN train NHWC", x, gamma, beta, {"axes": [0, 1, 2], "param_axes": [3]}, bn_train, channels_last)
    x_cf = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    case("BN train NCHW", x_cf, gamma, beta, {"axes": [0, 2, 3], "param_axes": [1]}, bn_train, torch.from_numpy)

    # Inference: given statistics.
    g = Graph()
    xi = g.input("x", list(x.shape))
    mean, var = rng.standard_normal(c).astype(np.float32), (rng.random(c) + 0.5).astype(np.float32)
    stats = [g.param(k, v) for k, v in (("mean", mean), ("var", var), ("gamma", gamma), ("beta", beta))]
    (y,) = g.node(
        "normalize_with_stats",
        [xi] + stats,
        {"axes": [0, 1, 2], "param_axes": [3], "scale": 1, "center": 1, "fixed_stats": 1},
    )
    infer = Executor(g, [y])
    tx = channels_last(x)
    tm, tv, tg, tb = (torch.from_numpy(a) for a in (mean, var, gamma, beta))

    def torch_infer():
        with torch.no_grad():
            F.batch_norm(tx, tm, tv, tg, tb, training=False, eps=1e-3)

    rows.append(("BN inference NHWC", *interleaved(lambda: infer.run({"x": x}), torch_infer, args.repeats)))

    d = 768
    xl = rng.standard_normal((8192, d)).astype(np.float32)
    gl, bl = rng.standard_normal(d).astype(np.float32), rng.standard_normal(d).astype(np.float32)
    case(
        "LayerNorm (8192, 768)",
        xl,
        gl,
        bl,
        {"axes": [1], "param_axes": [1]},
        lambda t, g_, b_: F.layer_norm(t, (d,), g_, b_, eps=1e-3),
        torch.from_numpy,
    )

    xg = rng.standard_normal((16, 32, 32, 64)).astype(np.float32)
    gg, bg = rng.standard_normal(64).astype(np.float32), rng.standard_normal(64).astype(np.float32)
    case(
        "GroupNorm(32) NHWC",
        xg,
        gg,
        bg,
        {"axes": [1, 2], "param_axes": [3], "groups": 32, "group_axis": 3},
        lambda t, g_, b_: F.group_norm(t, 32, g_, b_, eps=1e-3),
        channels_last,
    )
    print_table(f"Normalizations, float32, threads {threads}, torch {torch.__version__}", rows)


if __name__ == "__main__":
    main()
