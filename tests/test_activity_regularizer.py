"""activity_regularizer as Keras 3 applies it: each call's penalty on the layer output,
divided by the batch size, added to the total loss in fit and evaluate. Expected
numbers: the same script under Keras 3.15 (tests/fixtures/keras3_activity_regularizer.npz)."""

import os

import numpy as np

from dagnet import Input, Model, layers, optimizers, regularizers

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_activity_regularizer.npz"))


def test_activity_regularizers_match_keras():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((30, 6)).astype("float32")
    y = rng.standard_normal((30, 2)).astype("float32")
    inp = Input((6,))
    h = layers.Dense(5, activation="tanh", activity_regularizer=regularizers.L2(0.05))(inp)
    h2 = layers.Dense(4, activity_regularizer=regularizers.L1L2(0.01, 0.02))(h)
    model = Model(inp, layers.Dense(2, kernel_regularizer=regularizers.L2(0.1))(h2))
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5 for w in model.get_weights()])
    model.compile(optimizers.SGD(0.05), "mse")
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=7, verbose=0), FIXTURE["e0"], rtol=1e-5)
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    np.testing.assert_allclose(history.history["loss"], FIXTURE["loss"], rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), FIXTURE["e1"], rtol=1e-5)
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, FIXTURE[f"arr_{i}"], rtol=1e-5, atol=1e-6)


def test_regularizers_are_callable_like_keras():
    w = np.array([[1.0, -2.0], [0.5, 0.0]], "float32")
    np.testing.assert_allclose(regularizers.L1L2(0.1, 0.2)(w), 0.1 * 3.5 + 0.2 * 5.25, rtol=1e-6)
