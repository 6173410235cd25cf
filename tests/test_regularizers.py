"""Weight penalties: L1 is one native op (l1_penalty) as L2 is (l2_penalty), and every
spelling of a regularizer (regularizers.l1 / L1 / l1_l2 / L1L2, 'l1', 'l2', a config
dict) lowers to them, in training and when called. L1 used to be composed in Python (abs,
sum, multiply) beside the native L2. A custom callable regularizer adds its value to the
loss as Keras does (it used to be dropped from the training graph)."""

import numpy as np
import pytest
from helpers import fd_check, run_op

from dagnet import Input, Model, layers, ops, regularizers


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_l1_penalty_kernel_matches_numpy(dtype):
    rng = np.random.default_rng(3)
    w = rng.standard_normal((5, 7)).astype(dtype)
    w[0, :3] = 0.0
    (value,) = run_op("l1_penalty", [w], {"l1": 0.3})
    rtol = 1e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(value, 0.3 * np.sum(np.abs(w.astype(np.float64))), rtol=rtol)
    g = np.array(1.5, dtype)
    (grad,) = run_op("l1_penalty_grad", [g, w], {"l1": 0.3})
    np.testing.assert_allclose(grad, 0.3 * 1.5 * np.sign(w), rtol=1e-6)
    assert np.all(grad[0, :3] == 0)  # the slope of |w| at 0 is 0 (TensorFlow's sign)


def test_l1_penalty_gradient():
    rng = np.random.default_rng(4)
    w = rng.standard_normal((4, 3))
    w += np.where(w >= 0, 0.05, -0.05)  # away from the kink at 0

    def build(g, ids):
        return g.node("l1_penalty", ids, {"l1": 0.3})[0]

    fd_check(build, [w], rng)


W = np.array([[1.0, -2.0], [0.0, 3.0]], np.float32)


@pytest.mark.parametrize(
    "regularizer, l1, l2",
    [
        (regularizers.l1(0.1), 0.1, 0.0),
        (regularizers.L1(0.1), 0.1, 0.0),
        ("l1", 0.01, 0.0),
        ({"class_name": "L1", "config": {"l1": 0.1}}, 0.1, 0.0),
        (regularizers.l1_l2(0.1, 0.2), 0.1, 0.2),
        (regularizers.L1L2(l1=0.1, l2=0.2), 0.1, 0.2),
        ("l2", 0.0, 0.01),
        (regularizers.L2(0.2), 0.0, 0.2),
    ],
)
def test_every_spelling_lowers_to_the_native_penalties(regularizer, l1, l2):
    x = Input(shape=(2,))
    dense = layers.Dense(2, use_bias=False, kernel_regularizer=regularizer)
    model = Model(x, dense(x))
    dense.set_weights([W])
    model.compile("sgd", "mse")
    zeros = np.zeros((4, 2), np.float32)
    expected = l1 * np.abs(W).sum() + l2 * np.square(W).sum()
    assert model.evaluate(zeros, zeros, verbose=0) == pytest.approx(expected, rel=1e-6)
    model.train_on_batch(zeros, zeros)
    graph = next(r for (kind, _), r in model._runners.items() if kind == "train")._graph
    nodes = [graph.node_info(i) for i in range(graph.num_nodes)]
    ops_used = [n["op"] for n in nodes]
    assert ops_used.count("l1_penalty") == (1 if l1 else 0)
    assert ops_used.count("l2_penalty") == (1 if l2 else 0)
    assert not [n for n in nodes if n["op"] == "unary" and n["attrs"].get("kind") == "abs"]


def test_calling_a_regularizer_gives_keras_values():
    # Keras 3.15: L1L2(0.1, 0.2)(W) = 3.4000001, L1(0.1)(W) = 0.6
    np.testing.assert_allclose(regularizers.L1L2(0.1, 0.2)(W), 3.4000001, rtol=1e-6)
    np.testing.assert_allclose(regularizers.l1(0.1)(W), 0.6, rtol=1e-6)
    np.testing.assert_allclose(ops.l1_penalty(W, 0.1), 0.6, rtol=1e-6)


def test_a_custom_callable_regularizer_adds_to_the_loss():
    # Keras 3.15 evaluates this model to 20.0 (mse 0 + 10 * sum of the ones kernel).
    x = Input(shape=(2,))
    dense = layers.Dense(
        1, kernel_initializer="ones", use_bias=False, kernel_regularizer=lambda w: ops.multiply(ops.sum(w), 10.0)
    )
    model = Model(x, dense(x))
    model.compile("sgd", "mse")
    assert model.evaluate(np.zeros((4, 2), np.float32), np.zeros((4, 1), np.float32), verbose=0) == pytest.approx(20.0)
