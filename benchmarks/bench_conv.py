"""conv2d 3x3 'same', 32x32x128 -> 128 filters, batch 16, float32: forward and
forward+backward (d input, d kernel, d bias), dagnet (NHWC, its default) vs PyTorch
(NCHW, its default) in the same run and thread count. Needs `pip install torch==2.13.0`.

    python benchmarks/bench_conv.py [--threads N]
"""

import numpy as np
from _timing import best_ms as best, print_table, torch_peer_setup

from dagnet.engine import Executor, Graph, gradients


def main():
    args, torch, threads = torch_peer_setup()
    n, h, w, c, f = 16, 32, 32, 128, 128
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, h, w, c)).astype(np.float32)
    k = (rng.standard_normal((3, 3, c, f)) * 0.05).astype(np.float32)
    bias = np.zeros(f, np.float32)

    g = Graph()
    xi = g.input("x", [n, h, w, c])
    ki, bi = g.param("k", k), g.param("b", bias)
    (y,) = g.node("conv2d", [xi, ki, bi], {"padding": "same"})
    (loss,) = g.node("reduce", [y], {"kind": "sum"})
    forward = Executor(g, [y])
    backward = Executor(g, [loss] + gradients(g, loss, [xi, ki, bi]))
    d_fwd = best(lambda: forward.run([x]), args.repeats)
    d_bwd = best(lambda: backward.run([x]), args.repeats)

    conv = torch.nn.Conv2d(c, f, 3, padding=1)
    tx = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()).requires_grad_(True)

    def torch_forward():
        with torch.no_grad():
            conv(tx)

    def torch_backward():
        tx.grad = None
        conv.zero_grad(set_to_none=True)
        conv(tx).sum().backward()

    t_fwd = best(torch_forward, args.repeats)
    t_bwd = best(torch_backward, args.repeats)
    print_table(
        f"conv2d 3x3 same, {n}x{h}x{w}x{c} -> {f}, threads {threads}, torch {torch.__version__}",
        [("forward", d_fwd, t_fwd), ("forward+backward", d_bwd, t_bwd)],
    )


if __name__ == "__main__":
    main()
