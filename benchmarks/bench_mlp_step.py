"""Training-step and prediction time of a two-input MLP: dagnet vs PyTorch (CPU), same run.

Both frameworks get identical shapes, float32, SGD, the same thread count. Reported as
median milliseconds per step and the ratio torch/dagnet (> 1 means dagnet is faster).

    python benchmarks/bench_mlp_step.py [--threads N] [--batch B] [--hidden H]
"""

import argparse
import statistics
import time

import numpy as np

import dagnet
from dagnet.engine import Executor, Graph, Trainer, set_num_threads


def timed(fn, repeats, warmup=3):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1e3


def dagnet_model(weights, in_a, in_b):
    g = Graph()
    a, b, y = g.input("a", [-1, in_a]), g.input("b", [-1, in_b]), g.input("y", [-1, weights["wo"].shape[1]])
    p = {k: g.param(k, v) for k, v in weights.items()}
    (ha,) = g.node("dense", [a, p["wa"], p["ba"]], {"activation": "relu"})
    (hb,) = g.node("dense", [b, p["wb"], p["bb"]], {"activation": "relu"})
    (merged,) = g.node("concatenate", [ha, hb])
    (probs,) = g.node("dense", [merged, p["wo"], p["bo"]], {"activation": "softmax"})
    (loss,) = g.node("categorical_crossentropy", [probs, y])
    return Trainer(g, loss, list(p.values()), learning_rate=0.01), Executor(g, [probs])


def torch_model(torch, weights):
    nn = torch.nn

    class TwoInput(nn.Module):
        def __init__(self):
            super().__init__()
            self.fa = nn.Linear(*weights["wa"].shape)
            self.fb = nn.Linear(*weights["wb"].shape)
            self.fo = nn.Linear(*weights["wo"].shape)

        def forward(self, a, b):
            h = torch.cat([torch.relu(self.fa(a)), torch.relu(self.fb(b))], dim=-1)
            return torch.log_softmax(self.fo(h), dim=-1)

    return TwoInput()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    import torch

    if args.threads:
        set_num_threads(args.threads)
        torch.set_num_threads(args.threads)
    threads = dagnet.info()["threads"]
    torch.set_num_threads(threads)
    rng = np.random.default_rng(0)
    in_a, in_b, hidden, classes, n = 256, 128, args.hidden, 10, args.batch
    weights = {
        "wa": rng.standard_normal((in_a, hidden)).astype(np.float32) * 0.05,
        "ba": np.zeros(hidden, np.float32),
        "wb": rng.standard_normal((in_b, hidden)).astype(np.float32) * 0.05,
        "bb": np.zeros(hidden, np.float32),
        "wo": rng.standard_normal((2 * hidden, classes)).astype(np.float32) * 0.05,
        "bo": np.zeros(classes, np.float32),
    }
    xa = rng.standard_normal((n, in_a)).astype(np.float32)
    xb = rng.standard_normal((n, in_b)).astype(np.float32)
    label = rng.integers(0, classes, n)
    y = np.eye(classes, dtype=np.float32)[label]

    trainer, predictor = dagnet_model(weights, in_a, in_b)
    feeds = {"a": xa, "b": xb, "y": y}
    d_train = timed(lambda: trainer.step(feeds), args.repeats)
    d_pred = timed(lambda: predictor.run({"a": xa, "b": xb}), args.repeats)

    model = torch_model(torch, weights)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    ta, tb, tl = torch.from_numpy(xa), torch.from_numpy(xb), torch.from_numpy(label)

    def torch_step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.nll_loss(model(ta, tb), tl)
        loss.backward()
        opt.step()

    def torch_predict():
        with torch.no_grad():
            model(ta, tb)

    t_train = timed(torch_step, args.repeats)
    t_pred = timed(torch_predict, args.repeats)
    print(f"two-input MLP, batch {n}, hidden {hidden}, threads {threads}, torch {torch.__version__}")
    print(f"{'':14s}{'dagnet ms':>12s}{'torch ms':>12s}{'torch/dagnet':>14s}")
    for name, d, t in [("train step", d_train, t_train), ("predict", d_pred, t_pred)]:
        print(f"{name:14s}{d:12.3f}{t:12.3f}{t / d:14.2f}x")


if __name__ == "__main__":
    main()
