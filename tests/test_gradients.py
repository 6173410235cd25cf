"""Float64 finite-difference checks of every differentiable op's backward rule, run
through the engine's own autodiff (backward graph) and executor."""

import numpy as np
import pytest
from helpers import fd_check, mse_to

ACTIVATIONS = ["linear", "relu", "elu", "sigmoid", "tanh", "softmax"]


def away_from_zero(rng, shape, margin=0.05):
    """Random values kept clear of ReLU/ELU kinks so central differences are exact."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < margin, np.sign(x + 1e-12) * margin, x)


@pytest.mark.parametrize("kind", ACTIVATIONS)
@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("x_shape", [(4, 3), (2, 3, 3)])
def test_dense_gradient(kind, with_bias, x_shape):
    rng = np.random.default_rng(11)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal((3, 5)) * 0.5
    b = rng.standard_normal(5) * 0.1
    params = [x, w, b] if with_bias else [x, w]

    def build(g, ids):
        (y,) = g.node("dense", ids, {"activation": kind, "alpha": 0.8})
        return mse_to(g, y, rng)

    z = x @ w + (b if with_bias else 0)
    assert np.abs(z).min() > 1e-4  # no pre-activation sits on the ReLU/ELU kink
    fd_check(build, params, rng)


@pytest.mark.parametrize("ta,tb", [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_matmul_gradient(ta, tb):
    rng = np.random.default_rng(12)
    m, n, k = 3, 4, 5
    a = rng.standard_normal((k, m) if ta else (m, k))
    b = rng.standard_normal((n, k) if tb else (k, n))

    def build(g, ids):
        (y,) = g.node("matmul", ids, {"transpose_a": ta, "transpose_b": tb})
        return mse_to(g, y, rng)

    fd_check(build, [a, b], rng)


def test_matmul_gradient_rank3_input():
    rng = np.random.default_rng(13)

    def build(g, ids):
        (y,) = g.node("matmul", ids)
        return mse_to(g, y, rng)

    fd_check(build, [rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 2))], rng)


@pytest.mark.parametrize("kind", ACTIVATIONS)
def test_activation_gradient(kind):
    rng = np.random.default_rng(14)

    def build(g, ids):
        (y,) = g.node("activation", ids, {"kind": kind, "alpha": 1.3})
        return mse_to(g, y, rng)

    fd_check(build, [away_from_zero(rng, (3, 4, 2))], rng)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_axis_gradient(axis):
    rng = np.random.default_rng(15)

    def build(g, ids):
        (y,) = g.node("activation", ids, {"kind": "softmax", "axis": axis})
        return mse_to(g, y, rng)

    fd_check(build, [rng.standard_normal((3, 4, 2))], rng)


@pytest.mark.parametrize("n", [1, 2, 4])
def test_add_gradient(n):
    rng = np.random.default_rng(16)

    def build(g, ids):
        (y,) = g.node("add", ids)
        return mse_to(g, y, rng)

    fd_check(build, [rng.standard_normal((3, 2)) for _ in range(n)], rng)


def test_gradients_of_a_value_used_twice_add_up():
    rng = np.random.default_rng(17)

    def build(g, ids):
        x, w = ids
        (h1,) = g.node("dense", [x, w], {"activation": "tanh"})  # w read twice: a shared layer
        (h2,) = g.node("dense", [h1, w], {"activation": "sigmoid"})
        (s,) = g.node("add", [h2, h2, x])  # h2 read twice by one node
        return mse_to(g, s, rng)

    fd_check(build, [rng.standard_normal((5, 3)), rng.standard_normal((3, 3))], rng)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_gradient(axis):
    rng = np.random.default_rng(18)
    shapes = {0: [(1, 3), (2, 3)], 1: [(2, 1), (2, 4)], -1: [(2, 2), (2, 3)]}[axis]

    def build(g, ids):
        (y,) = g.node("concatenate", ids, {"axis": axis})
        (z,) = g.node("activation", [y], {"kind": "tanh"})
        return mse_to(g, z, rng)

    fd_check(build, [rng.standard_normal(s) for s in shapes], rng)


def test_mse_gradient():
    rng = np.random.default_rng(19)
    t = rng.standard_normal((4, 3))

    def build(g, ids):
        return g.node("mse", [ids[0], g.param("t", t)])[0]

    fd_check(build, [rng.standard_normal((4, 3))], rng)


def test_binary_crossentropy_gradient():
    rng = np.random.default_rng(20)
    t = (rng.uniform(size=(4, 3)) > 0.5).astype(np.float64)

    def build(g, ids):
        return g.node("binary_crossentropy", [ids[0], g.param("t", t)])[0]

    fd_check(build, [rng.uniform(0.05, 0.95, (4, 3))], rng)


def test_categorical_crossentropy_gradient():
    rng = np.random.default_rng(21)
    t = np.eye(4)[[1, 0, 3]]

    def build(g, ids):
        return g.node("categorical_crossentropy", [ids[0], g.param("t", t)])[0]

    # Unnormalised positive inputs exercise the normalisation's gradient too.
    fd_check(build, [rng.uniform(0.1, 2.0, (3, 4))], rng)


def test_softmax_into_crossentropy_gradient():
    rng = np.random.default_rng(22)
    t = np.eye(3)[[0, 2]]

    def build(g, ids):
        (p,) = g.node("dense", ids, {"activation": "softmax"})
        return g.node("categorical_crossentropy", [p, g.param("t", t)])[0]

    fd_check(build, [rng.standard_normal((2, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)], rng)


def test_scale_gradient_and_weighted_loss_sum():
    rng = np.random.default_rng(23)

    def build(g, ids):
        a = mse_to(g, ids[0], rng)
        b = mse_to(g, g.node("activation", [ids[0]], {"kind": "sigmoid"})[0], rng)
        (wa,) = g.node("scale", [a], {"factor": 0.3})
        (wb,) = g.node("scale", [b], {"factor": 2.0})
        return g.node("add", [wa, wb])[0]

    fd_check(build, [rng.standard_normal((3, 2))], rng)


def test_unused_parameter_gets_zero_gradient():
    rng = np.random.default_rng(24)

    def build(g, ids):
        return mse_to(g, ids[0], rng)

    grads = fd_check(build, [rng.standard_normal((2, 2)), rng.standard_normal(3)], rng)
    np.testing.assert_array_equal(grads[1], np.zeros(3))
