"""LSTM(64) over input (32, 140, 256) float32, forward and forward+backward: dagnet's
lstm op vs torch.nn.LSTM(256, 64, batch_first=True), same run and thread count.
Needs `pip install torch==2.13.0`.

    python benchmarks/bench_lstm.py [--threads N]
"""

import numpy as np
from _timing import best_ms as best, print_table, torch_peer_setup

from dagnet.engine import Executor, Graph, gradients


def main():
    args, torch, threads = torch_peer_setup()
    batch, steps, features, units = 32, 140, 256, 64
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, steps, features)).astype(np.float32)
    w = (rng.standard_normal((features, 4 * units)) * 0.05).astype(np.float32)
    u = (rng.standard_normal((units, 4 * units)) * 0.05).astype(np.float32)
    b = np.zeros(4 * units, np.float32)

    g = Graph()
    xi = g.input("x", [batch, steps, features])
    params = [g.param("w", w), g.param("u", u), g.param("b", b)]
    out, *_ = g.node("lstm", [xi] + params)
    (loss,) = g.node("reduce", [out], {"kind": "sum"})
    forward = Executor(g, [out])
    backward = Executor(g, [loss] + gradients(g, loss, [xi] + params))
    d_fwd = best(lambda: forward.run([x]), args.repeats)
    d_bwd = best(lambda: backward.run([x]), args.repeats)

    lstm = torch.nn.LSTM(features, units, batch_first=True)
    tx = torch.from_numpy(x).requires_grad_(True)

    def torch_forward():
        with torch.no_grad():
            lstm(tx)

    def torch_backward():
        tx.grad = None
        lstm.zero_grad(set_to_none=True)
        lstm(tx)[0][:, -1].sum().backward()

    t_fwd = best(torch_forward, args.repeats)
    t_bwd = best(torch_backward, args.repeats)
    print_table(
        f"LSTM({units}) over ({batch}, {steps}, {features}), threads {threads}, torch {torch.__version__}",
        [("forward", d_fwd, t_fwd), ("forward+backward", d_bwd, t_bwd)],
    )


if __name__ == "__main__":
    main()
