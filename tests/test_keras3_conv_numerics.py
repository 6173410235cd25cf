"""The convolution family against Keras 3.15 (differential): every case of
conv_numerics_cases.py (Conv3D, groups, Conv1D/2D/3DTranspose with strides, output_padding,
dilation and both formats, DepthwiseConv1D/2D and SeparableConv1D/2D with depth multipliers,
3-D pooling, ZeroPadding and Cropping, a small encoder-decoder) is built in dagnet, given
Keras's weights, and must give Keras's output shapes, parameter count, outputs and, after one
SGD(0.1) train_on_batch step with mse, Keras's updated weights; the layers' get_config equals
Keras's and rebuilds the same layer. Fixtures: fixtures/keras3_conv/, made by
fixtures/make/keras3_conv_numerics.py."""

import json
import os

import numpy as np
import pytest
from conv_numerics_cases import build, targets_for

import dagnet

HERE = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_conv")
DATA = np.load(os.path.join(HERE, "numerics.npz"))
META = json.loads(str(DATA["__meta__"]))["cases"]
with open(os.path.join(HERE, "configs.json")) as f:
    CONFIGS = json.load(f)
RTOL = ATOL = 1e-5


def _arrays(case, key, n):
    return [DATA[f"{case}/{key}{i}"] for i in range(n)]


@pytest.mark.parametrize("case", sorted(META))
def test_layer_matches_keras(case):
    meta = META[case]
    assert "error" not in meta, meta
    model = build(dagnet, case)
    assert [list(t.shape) for t in model.outputs] == meta["shapes"]
    assert model.count_params() == meta["count_params"]
    weights = _arrays(case, "weights", meta["n_weights"])
    model.set_weights(weights)
    (x,) = _arrays(case, "x", meta["n_x"])
    (y,) = _arrays(case, "y", meta["n_y"])
    got = model.predict(x, verbose=0)
    assert got.shape == y.shape
    np.testing.assert_allclose(got, y, rtol=RTOL, atol=ATOL)
    model.compile(optimizer=dagnet.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.train_on_batch(x, targets_for([y], meta["seed"])[0])
    for g, w in zip(model.get_weights(), _arrays(case, "trained", meta["n_weights"]), strict=True):
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)


def _normalised(config):
    return json.loads(json.dumps(config))


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_config_matches_keras(case):
    model = build(dagnet, case)
    ours = [layer for layer in model.layers if type(layer).__name__ not in ("InputLayer", "Dense")]
    assert [type(layer).__name__ for layer in ours] == [c["class_name"] for c in CONFIGS[case]]
    for layer, theirs in zip(ours, CONFIGS[case], strict=True):
        config = _normalised(layer.get_config())
        assert config == {**theirs["config"], "name": config["name"]}
        rebuilt = type(layer).from_config(theirs["config"])
        assert _normalised(rebuilt.get_config()) == theirs["config"]


def test_keras_saved_model_loads_with_equal_predictions(tmp_path):
    """A Keras-saved .keras file with every layer of the family (and its Adam state) loads in
    dagnet, predicts as Keras did, and saves and reloads unchanged."""
    model = dagnet.models.load_model(os.path.join(HERE, "model.keras"))
    io = np.load(os.path.join(HERE, "model_io.npz"))
    xs = [io[f"arr_{i}"] for i in range(3)]
    np.testing.assert_allclose(model.predict(xs, verbose=0), io["y"], rtol=1e-5, atol=1e-5)
    path = str(tmp_path / "again.keras")
    model.save(path)
    np.testing.assert_allclose(dagnet.models.load_model(path).predict(xs, verbose=0), io["y"], rtol=1e-5, atol=1e-5)
