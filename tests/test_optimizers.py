"""Adam (with and without amsgrad) and RMSprop (with and without momentum) updates match
NumPy implementations of Keras 3's formulas exactly (float64), step after step."""

import numpy as np
import pytest

from dagnet.engine import Graph, Trainer


def linear_problem(seed=0):
    rng = np.random.default_rng(seed)
    x, t, w0 = rng.standard_normal((6, 3)), rng.standard_normal((6, 2)), rng.standard_normal((3, 2))
    g = Graph()
    xi, ti = g.input("x", [-1, 3], "float64"), g.input("t", [-1, 2], "float64")
    w = g.param("w", w0)
    (y,) = g.node("dense", [xi, w])
    (loss,) = g.node("mse", [y, ti])
    return g, loss, w, x, t, w0


def grad(x, t, w):
    return 2 * x.T @ (x @ w - t) / t.size


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam(amsgrad):
    g, loss, w, x, t, w0 = linear_problem()
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-6
    tr = Trainer(g, loss, [w], optimizer="adam", learning_rate=lr, beta_1=b1, beta_2=b2, epsilon=eps, amsgrad=amsgrad)
    wn, m, v, vh = w0.copy(), np.zeros_like(w0), np.zeros_like(w0), np.zeros_like(w0)
    for step in range(5):
        tr.step([x, t])
        gr = grad(x, t, wn)
        alpha = lr * np.sqrt(1 - b2 ** (step + 1)) / (1 - b1 ** (step + 1))
        m += (gr - m) * (1 - b1)
        v += (gr**2 - v) * (1 - b2)
        vh = np.maximum(vh, v)
        wn = wn - m * alpha / (np.sqrt(vh if amsgrad else v) + eps)
        np.testing.assert_allclose(np.asarray(g.param_tensor(w)), wn, rtol=1e-12, atol=1e-14)
    assert tr.iterations == 5
    assert len(tr.slots[0]) == (3 if amsgrad else 2)


@pytest.mark.parametrize("momentum", [0.0, 0.7])
def test_rmsprop(momentum):
    g, loss, w, x, t, w0 = linear_problem(1)
    lr, rho, eps = 0.01, 0.85, 1e-7
    tr = Trainer(g, loss, [w], optimizer="rmsprop", learning_rate=lr, rho=rho, momentum=momentum, epsilon=eps)
    wn, vel, buf = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
    for _ in range(5):
        tr.step([x, t])
        gr = grad(x, t, wn)
        vel = rho * vel + (1 - rho) * gr**2
        inc = lr * gr / np.sqrt(vel + eps)
        if momentum:
            buf = momentum * buf + inc
            wn = wn - buf
        else:
            wn = wn - inc
        np.testing.assert_allclose(np.asarray(g.param_tensor(w)), wn, rtol=1e-12, atol=1e-14)


def test_unknown_optimizer():
    g, loss, w, *_ = linear_problem()
    with pytest.raises(ValueError, match="unknown optimizer 'muon'"):
        Trainer(g, loss, [w], optimizer="muon")
