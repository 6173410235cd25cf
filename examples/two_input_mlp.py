"""Train a two-input MLP on the native engine: two Dense branches, concatenate, softmax.

The toy task is separable: the class is the sign of a linear mix of both inputs. Run:
    python examples/two_input_mlp.py
"""

import numpy as np

import dagnet
from dagnet.engine import Executor, Graph, Trainer


def glorot(rng, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)


def build(rng):
    g = Graph()
    a = g.input("a", [-1, 8])
    b = g.input("b", [-1, 5])
    y = g.input("labels", [-1, 2])
    params = {
        "wa": g.param("wa", glorot(rng, 8, 16)),
        "ba": g.param("ba", np.zeros(16, np.float32)),
        "wb": g.param("wb", glorot(rng, 5, 16)),
        "bb": g.param("bb", np.zeros(16, np.float32)),
        "wo": g.param("wo", glorot(rng, 32, 2)),
        "bo": g.param("bo", np.zeros(2, np.float32)),
    }
    (ha,) = g.node("dense", [a, params["wa"], params["ba"]], {"activation": "relu"}, "branch_a")
    (hb,) = g.node("dense", [b, params["wb"], params["bb"]], {"activation": "relu"}, "branch_b")
    (merged,) = g.node("concatenate", [ha, hb], {"axis": -1}, "merge")
    (probs,) = g.node("dense", [merged, params["wo"], params["bo"]], {"activation": "softmax"}, "classifier")
    (loss,) = g.node("categorical_crossentropy", [probs, y], name="loss")
    return g, probs, loss, list(params.values())


def make_data(rng, n):
    xa = rng.standard_normal((n, 8)).astype(np.float32)
    xb = rng.standard_normal((n, 5)).astype(np.float32)
    label = (xa[:, :3].sum(1) - xb[:, :2].sum(1) > 0).astype(np.int64)
    return xa, xb, np.eye(2, dtype=np.float32)[label], label


def main():
    print("dagnet", dagnet.info())
    rng = np.random.default_rng(7)
    g, probs, loss, params = build(rng)
    trainer = Trainer(g, loss, params, optimizer="sgd", learning_rate=0.1, momentum=0.9)
    xa, xb, y, _ = make_data(rng, 2048)
    for epoch in range(10):
        order = rng.permutation(len(xa))
        losses = []
        for start in range(0, len(xa), 64):
            idx = order[start : start + 64]
            losses.append(float(trainer.step({"a": xa[idx], "b": xb[idx], "labels": y[idx]})[0]))
        print(f"epoch {epoch + 1:2d}  loss {np.mean(losses):.4f}")
    ta, tb, _, label = make_data(rng, 1000)
    predicted = Executor(g, [probs]).run({"a": ta, "b": tb})[0].argmax(axis=1)
    print(f"test accuracy {np.mean(predicted == label):.3f}")


if __name__ == "__main__":
    main()
