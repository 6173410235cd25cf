"""Weight constraints during fit: built-in ones run natively after each update, custom
ones (a Constraint subclass) after each step; the weights end where Keras 3's did
(tests/fixtures/keras3_constraints_training.npz, made by the same script under Keras)."""

import os

import numpy as np

from dagnet import Input, Model, constraints, layers, optimizers

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_constraints_training.npz"))


class Clip(constraints.Constraint):
    def __call__(self, w):
        return np.clip(w, -0.3, 0.3)


def test_constrained_training_matches_keras():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 6)).astype("float32")
    y = rng.standard_normal((32, 3)).astype("float32")
    w1, b1 = rng.standard_normal((6, 5)).astype("float32"), rng.standard_normal(5).astype("float32")
    w2, b2 = rng.standard_normal((5, 3)).astype("float32"), np.zeros(3, "float32")
    inp = Input((6,))
    h = layers.Dense(
        5, activation="tanh", kernel_constraint=constraints.MaxNorm(1.0, axis=0), bias_constraint=constraints.NonNeg()
    )(inp)
    out = layers.Dense(3, kernel_constraint=Clip(), bias_constraint=constraints.UnitNorm(axis=0))(h)
    model = Model(inp, out)
    model.set_weights([w1, b1, w2, b2])
    model.compile(optimizers.SGD(0.1), "mse")
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    for got, name in zip(model.get_weights(), ["w0", "w1", "w2", "w3"]):
        np.testing.assert_allclose(got, FIXTURE[name], rtol=1e-5, atol=2e-6)
    kernel = model.get_weights()[0]
    assert np.all(np.linalg.norm(kernel, axis=0) <= 1.0 + 1e-6)


def test_constraint_with_a_bad_axis_is_a_clear_error():
    inp = Input((4,))
    model = Model(inp, layers.Dense(2, kernel_constraint=constraints.MaxNorm(2.0, axis=3))(inp))
    model.compile("sgd", "mse")
    try:
        model.train_on_batch(np.ones((2, 4), "float32"), np.ones((2, 2), "float32"))
    except ValueError as e:
        assert "axis 3" in str(e)
    else:
        raise AssertionError("expected a ValueError")
