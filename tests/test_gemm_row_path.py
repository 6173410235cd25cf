"""A GEMM with very few rows (a dense layer at batch 1) runs each row through the one-row
kernel without packing A; each row gets the bits it gets inside a bigger batch."""

import numpy as np
import pytest

import dagnet as keras


@pytest.mark.parametrize("features,units", [(64, 32), (37, 10), (3000, 70), (512, 1)])
@pytest.mark.parametrize("activation", [None, "relu", "tanh"])
def test_dense_rows_alone_match_the_batch_bit_for_bit(features, units, activation):
    rng = np.random.default_rng(features + units)
    x = keras.Input((features,))
    model = keras.Model(x, keras.layers.Dense(units, activation=activation)(x))
    model.layers[-1].set_weights(
        [rng.standard_normal((features, units)).astype("float32"), rng.standard_normal(units).astype("float32")]
    )
    data = rng.standard_normal((24, features)).astype("float32")
    batch = model.predict_on_batch(data)
    for rows in (slice(0, 1), slice(5, 7), slice(21, 24)):
        np.testing.assert_array_equal(model.predict_on_batch(data[rows]), batch[rows])
    w, b = model.layers[-1].get_weights()
    reference = data.astype("float64") @ w.astype("float64") + b
    if activation == "relu":
        reference = np.maximum(reference, 0)
    elif activation == "tanh":
        reference = np.tanh(reference)
    np.testing.assert_allclose(batch, reference, rtol=2e-4, atol=2e-4 * np.sqrt(features))


def test_a_batch_one_training_step_matches_numpy():
    x = keras.Input((6,))
    model = keras.Model(x, keras.layers.Dense(3, use_bias=False)(x))
    w = np.arange(18, dtype="float32").reshape(6, 3) / 10
    model.set_weights([w])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    data, target = np.ones((1, 6), "float32"), np.zeros((1, 3), "float32")
    model.train_on_batch(data, target)
    grad = data.T @ (2 * (data @ w - target) / 3)
    np.testing.assert_allclose(model.get_weights()[0], w - 0.1 * grad, rtol=1e-6)
