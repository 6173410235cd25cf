"""GRU(64) and SimpleRNN(64) over input (32, 140, 256) float32, forward and
forward+backward: dagnet's gru op (reset_after, torch's convention) vs
torch.nn.GRU(256, 64, batch_first=True), and simple_rnn vs torch.nn.RNN, same run and
thread count. Needs `pip install torch==2.13.0`.

    python benchmarks/bench_gru.py [--threads N]
"""

import numpy as np
from _timing import best_ms as best, print_table, torch_peer_setup

from dagnet.engine import Executor, Graph, gradients


def dagnet_times(op, x, weights, repeats):
    g = Graph()
    xi = g.input("x", list(x.shape))
    params = [g.param(name, value) for name, value in zip("wub", weights)]
    out, *_ = g.node(op, [xi] + params)
    (loss,) = g.node("reduce", [out], {"kind": "sum"})
    forward = Executor(g, [out])
    backward = Executor(g, [loss] + gradients(g, loss, [xi] + params))
    return best(lambda: forward.run([x]), repeats), best(lambda: backward.run([x]), repeats)


def torch_times(torch, module, x, repeats):
    tx = torch.from_numpy(x).requires_grad_(True)

    def forward():
        with torch.no_grad():
            module(tx)

    def backward():
        tx.grad = None
        module.zero_grad(set_to_none=True)
        module(tx)[0][:, -1].sum().backward()

    return best(forward, repeats), best(backward, repeats)


def main():
    args, torch, threads = torch_peer_setup()
    batch, steps, features, units = 32, 140, 256, 64
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, steps, features)).astype(np.float32)

    def weights(gates, bias_shape):
        return (
            (rng.standard_normal((features, gates * units)) * 0.05).astype(np.float32),
            (rng.standard_normal((units, gates * units)) * 0.05).astype(np.float32),
            np.zeros(bias_shape, np.float32),
        )

    gru_d = dagnet_times("gru", x, weights(3, (2, 3 * units)), args.repeats)
    gru_t = torch_times(torch, torch.nn.GRU(features, units, batch_first=True), x, args.repeats)
    rnn_d = dagnet_times("simple_rnn", x, weights(1, (units,)), args.repeats)
    rnn_t = torch_times(torch, torch.nn.RNN(features, units, batch_first=True), x, args.repeats)
    print_table(
        f"GRU({units}) / SimpleRNN({units}) over ({batch}, {steps}, {features}), threads {threads}, "
        f"torch {torch.__version__}",
        [
            ("gru forward", gru_d[0], gru_t[0]),
            ("gru forward+backward", gru_d[1], gru_t[1]),
            ("rnn forward", rnn_d[0], rnn_t[0]),
            ("rnn forward+backward", rnn_d[1], rnn_t[1]),
        ],
    )


if __name__ == "__main__":
    main()
