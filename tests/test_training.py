"""One-call training steps: convergence, exact SGD updates, learning-rate changes."""

import numpy as np
import pytest

from dagnet.engine import Executor, Graph, Trainer, gradients


def two_input_mlp(rng):
    g = Graph()
    a = g.input("a", [-1, 4])
    b = g.input("b", [-1, 3])
    y = g.input("y", [-1, 2])

    def p(name, *shape, scale=0.5):
        return g.param(name, (rng.standard_normal(shape) * scale).astype(np.float32))

    params = [
        p("wa", 4, 8),
        p("ba", 8, scale=0),
        p("wb", 3, 8),
        p("bb", 8, scale=0),
        p("wo", 16, 2),
        p("bo", 2, scale=0),
    ]
    (ha,) = g.node("dense", [a, params[0], params[1]], {"activation": "relu"})
    (hb,) = g.node("dense", [b, params[2], params[3]], {"activation": "elu"})
    (merged,) = g.node("concatenate", [ha, hb])
    (probs,) = g.node("dense", [merged, params[4], params[5]], {"activation": "softmax"})
    (loss,) = g.node("categorical_crossentropy", [probs, y])
    return g, probs, loss, params


def test_two_input_mlp_learns_a_separable_problem():
    rng = np.random.default_rng(0)
    g, probs, loss, params = two_input_mlp(rng)
    xa = rng.standard_normal((512, 4)).astype(np.float32)
    xb = rng.standard_normal((512, 3)).astype(np.float32)
    label = (xa[:, 0] - xb[:, 1] + 0.5 * xa[:, 2] > 0).astype(int)
    y = np.eye(2, dtype=np.float32)[label]
    tr = Trainer(g, loss, params, learning_rate=0.2, momentum=0.9)
    first = None
    for _epoch in range(40):
        for s in range(0, 512, 64):
            l = float(tr.step({"a": xa[s : s + 64], "b": xb[s : s + 64], "y": y[s : s + 64]})[0])
            first = l if first is None else first
    final = float(Executor(g, [loss]).run({"a": xa, "b": xb, "y": y})[0])
    assert final < first / 5
    accuracy = np.mean(Executor(g, [probs]).run({"a": xa, "b": xb})[0].argmax(1) == label)
    assert accuracy > 0.95


def test_regression_loss_drops_tenfold():
    rng = np.random.default_rng(1)
    g = Graph()
    x = g.input("x", [-1, 5])
    t = g.input("t", [-1, 1])
    w1 = g.param("w1", (rng.standard_normal((5, 16)) * 0.4).astype(np.float32))
    b1 = g.param("b1", np.zeros(16, np.float32))
    w2 = g.param("w2", (rng.standard_normal((16, 1)) * 0.4).astype(np.float32))
    (h,) = g.node("dense", [x, w1, b1], {"activation": "tanh"})
    (out,) = g.node("dense", [h, w2])
    (loss,) = g.node("mse", [out, t])
    data = rng.standard_normal((256, 5)).astype(np.float32)
    target = (data @ rng.standard_normal((5, 1))).astype(np.float32)
    tr = Trainer(g, loss, [w1, b1, w2], learning_rate=0.05)
    losses = [float(tr.step([data, target])[0]) for _ in range(300)]
    assert losses[-1] < losses[0] / 10


@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd_updates_match_keras_formulas(momentum, nesterov):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 3))
    t = rng.standard_normal((6, 2))
    w0 = rng.standard_normal((3, 2))
    g = Graph()
    xi, ti = g.input("x", [-1, 3], "float64"), g.input("t", [-1, 2], "float64")
    w = g.param("w", w0)
    (y,) = g.node("dense", [xi, w])
    (loss,) = g.node("mse", [y, ti])
    lr = 0.1
    tr = Trainer(g, loss, [w], learning_rate=lr, momentum=momentum, nesterov=nesterov)
    wn, v = w0.copy(), np.zeros_like(w0)
    for _step in range(4):
        tr.step([x, t])
        grad = 2 * x.T @ (x @ wn - t) / t.size
        if momentum == 0:
            wn = wn - lr * grad
        else:
            v = momentum * v - lr * grad
            wn = wn + (momentum * v - lr * grad if nesterov else v)
        np.testing.assert_allclose(np.asarray(g.param_tensor(w)), wn, rtol=1e-12, atol=1e-14)


def test_loss_is_computed_before_the_update():
    rng = np.random.default_rng(3)
    g = Graph()
    x, t = g.input("x", [-1, 2], "float64"), g.input("t", [-1, 2], "float64")
    w = g.param("w", rng.standard_normal((2, 2)))
    (y,) = g.node("dense", [x, w])
    (loss,) = g.node("mse", [y, t])
    xs, ts = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    before = float(Executor(g, [loss]).run([xs, ts])[0])
    tr = Trainer(g, loss, [w], learning_rate=0.1, fetches=[y])
    step_loss, step_y = tr.step([xs, ts])
    assert float(step_loss) == pytest.approx(before, rel=1e-14)
    assert step_y.shape == (3, 2)


def test_learning_rate_can_change_without_rebuilding():
    g = Graph()
    x, t = g.input("x", [-1, 1], "float64"), g.input("t", [-1, 1], "float64")
    w = g.param("w", np.array([[1.0]]))
    (y,) = g.node("dense", [x, w])
    (loss,) = g.node("mse", [y, t])
    tr = Trainer(g, loss, [w], learning_rate=0.5)
    tr.learning_rate = 0.0
    tr.step([np.array([[1.0]]), np.array([[0.0]])])
    assert np.asarray(g.param_tensor(w))[0, 0] == 1.0
    tr.learning_rate = 0.25
    assert tr.learning_rate == 0.25
    tr.step([np.array([[1.0]]), np.array([[0.0]])])  # grad = 2 * (1 - 0) = 2
    assert np.asarray(g.param_tensor(w))[0, 0] == pytest.approx(0.5)
    with pytest.raises(ValueError):
        tr.learning_rate = -1.0


def test_shared_parameter_trains_with_summed_gradients():
    rng = np.random.default_rng(4)
    g = Graph()
    a, b = g.input("a", [-1, 3], "float64"), g.input("b", [-1, 3], "float64")
    t = g.input("t", [-1, 3], "float64")
    w0 = rng.standard_normal((3, 3))
    w = g.param("shared", w0)
    (ha,) = g.node("dense", [a, w])
    (hb,) = g.node("dense", [b, w])
    (s,) = g.node("add", [ha, hb])
    (loss,) = g.node("mse", [s, t])
    av, bv, tv = (rng.standard_normal((4, 3)) for _ in range(3))
    (grad,) = Executor(g, gradients(g, loss, [w])).run([av, bv, tv])
    want = 2 * (av + bv).T @ ((av + bv) @ w0 - tv) / tv.size
    np.testing.assert_allclose(grad, want, rtol=1e-12)


def test_training_with_a_new_batch_size_plans_again():
    rng = np.random.default_rng(5)
    g, probs, loss, params = two_input_mlp(rng)
    tr = Trainer(g, loss, params)
    for n in (32, 32, 7):
        feeds = {
            "a": rng.standard_normal((n, 4)).astype(np.float32),
            "b": rng.standard_normal((n, 3)).astype(np.float32),
            "y": np.eye(2, dtype=np.float32)[rng.integers(0, 2, n)],
        }
        assert np.isfinite(tr.step(feeds)[0])
    assert sorted(tr.required_inputs) == ["a", "b", "y"]
