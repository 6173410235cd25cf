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


def test_identifiers_and_defaults_as_keras():
    # Keras 3.15: l1_l2 is the class L1L2 (factors 0 by default); identifiers are the class
    # names and their snake_case, so "l1l2" resolves and "l1_l2" does not.
    assert regularizers.l1_l2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.get("l1l2").get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.get(regularizers.L2).get_config() == {"l2": 0.01}
    assert regularizers.get("orthogonal_regularizer").get_config() == {"factor": 0.009999999776482582, "mode": "rows"}
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier: l1_l2"):
        regularizers.get("l1_l2")
    assert regularizers.L1(None).get_config() == {"l1": 0.009999999776482582}  # float32 in Keras


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1", True])
def test_factors_are_validated(bad):
    with pytest.raises(ValueError, match="expected a non-negative float"):
        regularizers.L1L2(l1=bad)
    with pytest.raises(ValueError, match="expected a non-negative float"):
        regularizers.OrthogonalRegularizer(bad)


def test_orthogonal_regularizer_gives_keras_values():
    # Keras 3.15 on this W (randn(5, 3), seed 0, float32), factor 0.2: rows 0.11891031,
    # columns 0.07752441.
    w = np.random.RandomState(0).randn(5, 3).astype("float32")
    np.testing.assert_allclose(regularizers.OrthogonalRegularizer(0.2, "rows")(w), 0.11891031, rtol=1e-5)
    np.testing.assert_allclose(regularizers.OrthogonalRegularizer(0.2, "columns")(w), 0.07752441, rtol=1e-5)
    with pytest.raises(ValueError, match="must have rank 2"):
        regularizers.OrthogonalRegularizer()(np.zeros((2, 2, 2), np.float32))
    with pytest.raises(ValueError, match="Invalid value for argument `mode`"):
        regularizers.OrthogonalRegularizer(mode="diagonal")


def test_orthogonal_regularizer_trains_and_round_trips():
    x = Input(shape=(4,))
    dense = layers.Dense(3, kernel_regularizer=regularizers.OrthogonalRegularizer(0.5, "columns"))
    model = Model(x, dense(x))
    model.compile("sgd", "mse")
    data = np.random.default_rng(0).standard_normal((8, 4)).astype("float32")
    kernel = dense.get_weights()[0]
    expected = regularizers.OrthogonalRegularizer(0.5, "columns")(kernel)
    zeros = np.zeros((8, 3), np.float32)
    dense.set_weights([kernel, np.zeros(3, np.float32)])
    loss = model.evaluate(data, zeros, verbose=0)
    mse = np.mean(np.square(data @ kernel))
    assert loss == pytest.approx(mse + float(expected), rel=1e-5)
    model.fit(data, zeros, epochs=2, verbose=0)
    clone = Model.from_config(model.get_config())
    assert clone.layers[-1].kernel_regularizer.get_config() == {"factor": 0.5, "mode": "columns"}


def test_a_constraint_class_is_instantiated_as_keras_does():
    from dagnet import constraints

    assert isinstance(constraints.get(constraints.NonNeg), constraints.NonNeg)
