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


def torch_module(torch, module, kernel, recurrent, order):
    """`module` with the same weights as dagnet's Keras-layout (in, G*u) / (u, G*u) kernels;
    `order` lists Keras's gate blocks in torch's gate order (GRU: r, z, n = Keras's 1, 0, 2)."""
    units = recurrent.shape[0]

    def torch_layout(w):
        return np.concatenate([w[:, g * units : (g + 1) * units] for g in order], 1).T.copy()

    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.from_numpy(torch_layout(kernel)))
        module.weight_hh_l0.copy_(torch.from_numpy(torch_layout(recurrent)))
        module.bias_ih_l0.zero_()
        module.bias_hh_l0.zero_()
    return module


def main():
    args, torch, threads = torch_peer_setup()
    batch, steps, features, units = 32, 140, 256, 64
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, steps, features)).astype(np.float32)

    def weights(gates, bias_shape):
        # Keras's initializers (glorot_uniform kernel, orthogonal recurrent kernel): gradients
        # then stay in the normal float range through the 140 steps, as in a trained model
        # (tiny random recurrent weights send both libraries through denormal arithmetic).
        limit = np.sqrt(6 / (features + gates * units))
        recurrent = np.concatenate([np.linalg.qr(rng.standard_normal((units, units)))[0] for _ in range(gates)], 1)
        return (
            rng.uniform(-limit, limit, (features, gates * units)).astype(np.float32),
            recurrent.astype(np.float32),
            np.zeros(bias_shape, np.float32),
        )

    gru_w = weights(3, (2, 3 * units))
    rnn_w = weights(1, (units,))
    gru = torch_module(torch, torch.nn.GRU(features, units, batch_first=True), *gru_w[:2], (1, 0, 2))
    rnn = torch_module(torch, torch.nn.RNN(features, units, batch_first=True), *rnn_w[:2], (0,))
    gru_d = dagnet_times("gru", x, gru_w, args.repeats)
    gru_t = torch_times(torch, gru, x, args.repeats)
    rnn_d = dagnet_times("simple_rnn", x, rnn_w, args.repeats)
    rnn_t = torch_times(torch, rnn, x, args.repeats)
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
