"""SpectralNormalization in training against Keras 3.15 (fixtures/keras3_more_layers, cases
sn_dense and sn_conv2d of more_layer_cases.py, one SGD(0.1) step with mse): the loss (the
forward with the normalized kernel), the advanced vector_u and the bias equal Keras's, and the
kernel moves by Keras's increment (Keras assigns kernel / sigma before the update; dagnet keeps
the stored kernel's scale, see layers/spectral_normalization.py). Also: inference leaves the
layer alone, the power iteration against NumPy, an all-zero kernel, errors, save / load."""

import json
import os

import numpy as np
import pytest
from global_rng_isolation import keep_global_rng  # noqa: F401  (autouse: leaves the global RNG as found)
from more_layer_cases import build, targets_for

import dagnet

HERE = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_more_layers")
DATA = np.load(os.path.join(HERE, "numerics.npz"))
META = json.loads(str(DATA["__meta__"]))["cases"]


def _normalized(kernel, u, iterations):
    """Keras's normalized_weights in float64: (next u, kernel / sigma)."""
    w = kernel.reshape(-1, kernel.shape[-1]).astype("float64")
    u = u.astype("float64")
    for _ in range(iterations):
        v = u @ w.T
        v /= np.linalg.norm(v)
        u = v @ w
        u /= np.linalg.norm(u)
    sigma = (v @ w @ u.T)[0, 0]
    return u, kernel / sigma


@pytest.mark.parametrize("case,iterations", [("sn_dense", 1), ("sn_conv2d", 2)])
def test_one_training_step_matches_keras(case, iterations):
    meta = META[case]
    weights = [DATA[f"{case}/weights{i}"] for i in range(meta["n_weights"])]
    trained = [DATA[f"{case}/trained{i}"] for i in range(meta["n_weights"])]
    model = build(dagnet, case)
    model.set_weights(weights)
    x, y = DATA[f"{case}/x0"], DATA[f"{case}/y0"]
    model.compile(optimizer=dagnet.optimizers.SGD(learning_rate=0.1), loss="mse")
    loss = model.train_on_batch(x, targets_for([y], meta["seed"])[0])
    np.testing.assert_allclose(float(np.ravel(loss)[0]), meta["loss"], rtol=1e-5)
    kernel, u, bias = model.get_weights()
    np.testing.assert_allclose(u, trained[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bias, trained[2], rtol=1e-5, atol=1e-6)
    _, keras_normalized = _normalized(weights[0], weights[1], iterations)
    np.testing.assert_allclose(kernel - weights[0], trained[0] - keras_normalized, rtol=1e-4, atol=1e-6)


def test_training_call_uses_numpy_power_iteration_and_inference_does_not():
    layer = dagnet.layers.SpectralNormalization(dagnet.layers.Dense(3), power_iterations=3)
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    plain = layer(x)
    kernel, u, bias = (w.numpy() for w in layer.weights)
    np.testing.assert_allclose(plain, x @ kernel + bias, rtol=1e-5, atol=1e-6)
    trained = layer(x, training=True)
    new_u, normalized = _normalized(kernel, u, 3)
    np.testing.assert_allclose(trained, x @ normalized + bias, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.vector_u.numpy(), new_u, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(layer.kernel.numpy(), kernel)  # stored kernel unchanged


def test_all_zero_kernel_is_left_alone():
    layer = dagnet.layers.SpectralNormalization(dagnet.layers.Dense(2, kernel_initializer="zeros"))
    x = np.ones((2, 3), "float32")
    layer(x)
    u = layer.vector_u.numpy()
    out = layer(x, training=True)
    assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(layer.vector_u.numpy(), u)


def test_weights_counts_and_save_load(tmp_path):
    x = dagnet.Input((4, 4, 2))
    sn = dagnet.layers.SpectralNormalization(dagnet.layers.Conv2D(3, 2))
    model = dagnet.Model(x, sn(x))
    assert [tuple(w.shape) for w in sn.weights] == [(2, 2, 2, 3), (1, 3), (3,)]
    assert model.count_params() == 24 + 3 + 3
    assert len(sn.trainable_weights) == 2 and len(sn.non_trainable_weights) == 1
    data = np.random.default_rng(1).normal(size=(2, 4, 4, 2)).astype("float32")
    path = str(tmp_path / "sn.keras")
    model.save(path)
    loaded = dagnet.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), rtol=1e-6)
    assert loaded.layers[1].get_config()["power_iterations"] == 1


def test_fit_in_a_functional_model():
    x = dagnet.Input((5,))
    model = dagnet.Model(x, dagnet.layers.SpectralNormalization(dagnet.layers.Dense(2))(x))
    model.compile("adam", "mse")
    data = np.random.default_rng(2).normal(size=(16, 5)).astype("float32")
    u = model.layers[1].vector_u.numpy()
    history = model.fit(data, data[:, :2], epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert not np.array_equal(model.layers[1].vector_u.numpy(), u)


def test_errors():
    with pytest.raises(ValueError, match="power_iterations"):
        dagnet.layers.SpectralNormalization(dagnet.layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="Wrapper"):
        dagnet.layers.SpectralNormalization("dense")
    with pytest.raises(ValueError, match="Flatten object has no attribute 'kernel' nor 'embeddings'"):
        dagnet.layers.SpectralNormalization(dagnet.layers.Flatten())(np.ones((2, 3), "float32"))
