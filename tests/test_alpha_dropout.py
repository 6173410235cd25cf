"""AlphaDropout: identity outside training; in training every element is either a * x + b
(kept) or a * alpha' + b (dropped) with Keras's constants, a fraction `rate` dropped, mean and
variance of a standard normal input kept, masks drawn like Dropout's (seeded, fresh each step,
broadcast over noise_shape's 1s). Keras's numbers for inference, configs and saving are in
test_keras3_more_layers.py."""

import numpy as np
import pytest
from global_rng_isolation import keep_global_rng  # noqa: F401  (autouse: leaves the global RNG as found)

import dagnet

ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


def _affine(rate):
    a = ((1 - rate) * (1 + rate * ALPHA_P**2)) ** -0.5
    return a, -a * ALPHA_P * rate


def test_training_output_is_keras_affine_of_kept_or_saturated_inputs():
    rate = 0.3
    x = np.random.default_rng(0).normal(size=(400, 50)).astype("float32")
    y = dagnet.layers.AlphaDropout(rate, seed=7)(x, training=True)
    a, b = _affine(rate)
    kept = np.isclose(y, a * x + b, rtol=1e-5, atol=1e-6)
    dropped = np.isclose(y, a * ALPHA_P + b, rtol=1e-5, atol=1e-6)
    assert np.all(kept | dropped)
    assert abs(dropped.mean() - rate) < 0.01
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02  # self-normalizing


def test_inference_is_identity_and_seeded_layers_repeat_their_masks():
    x = np.random.default_rng(1).normal(size=(8, 16)).astype("float32")
    np.testing.assert_array_equal(dagnet.layers.AlphaDropout(0.5)(x), x)
    first = dagnet.layers.AlphaDropout(0.5, seed=3)
    second = dagnet.layers.AlphaDropout(0.5, seed=3)
    y1, y2 = first(x, training=True), second(x, training=True)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(first(x, training=True), y1)  # the next step draws a new mask


def test_noise_shape_broadcasts_one_mask_over_size_one_axes():
    x = np.ones((4, 6, 5), "float32")
    y = dagnet.layers.AlphaDropout(0.5, noise_shape=(None, 1, 5), seed=2)(x, training=True)
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :], y.shape))


def test_fit_and_predict_in_a_functional_model():
    x = dagnet.Input((6,))
    y = dagnet.layers.Dense(1)(dagnet.layers.AlphaDropout(0.2, seed=0)(dagnet.layers.Dense(8, "selu")(x)))
    model = dagnet.Model(x, y)
    model.compile("sgd", "mse")
    data = np.random.default_rng(2).normal(size=(32, 6)).astype("float32")
    history = model.fit(data, data[:, :1], epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert model.predict(data, verbose=0).shape == (32, 1)


def test_bad_arguments_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match="rate"):
        dagnet.layers.AlphaDropout(1.5)
    layer = dagnet.layers.AlphaDropout(0.5, noise_shape=(None, 3), name="ad")
    with pytest.raises(ValueError, match=r'"ad".*noise_shape \(None, 3\).*\(2, 4\)'):
        layer(np.ones((2, 4), "float32"), training=True)
    with pytest.raises(ValueError, match="AlphaDropout.*rate=1"):
        dagnet.layers.AlphaDropout(1.0)(np.ones((2, 4), "float32"), training=True)
