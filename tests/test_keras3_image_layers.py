"""The image and preprocessing layers and keras.ops.image against Keras 3.15 (TensorFlow
backend): every case of image_layer_cases.py (UpSampling1D/2D/3D with every interpolation,
Rescaling, Normalization, Resizing over methods / antialias / crop / pad / data formats,
CenterCrop, the random augmentations at inference and, with one-point ranges, in training)
must give Keras's output shape, parameter count, get_config, outputs and, after one SGD step,
weights; ops.image.resize and affine_transform must give Keras's numbers; Normalization.adapt
Keras's statistics; a Keras-saved model holding every layer must load and predict as Keras.
Fixtures: fixtures/keras3_image/, made by fixtures/make/keras3_image_layers.py."""

import json
import os

import numpy as np
import pytest
from image_layer_cases import CASES, KERAS_OUTPUT_DIFFERS, build, targets_for

import dagnet

HERE = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_image")
LAYERS = np.load(os.path.join(HERE, "layers.npz"))
with open(os.path.join(HERE, "layers.json")) as f:
    META = json.load(f)["cases"]
OPS = np.load(os.path.join(HERE, "ops.npz"))
ADAPT = np.load(os.path.join(HERE, "adapt.npz"))
RTOL = ATOL = 1e-5


def _config(layer):
    """get_config as JSON has it, without the name (auto names count differently per process)."""
    text = json.dumps(layer.get_config(), default=lambda v: v.tolist() if hasattr(v, "tolist") else str(v))
    config = json.loads(text)
    config.pop("name")
    return config


@pytest.mark.parametrize("case", sorted(CASES))
def test_layer_matches_keras(case):
    meta = META[case]
    model = build(dagnet, case)
    assert list(model.outputs[0].shape) == meta["shape"]
    assert model.count_params() == meta["count_params"]
    expected = [{k: v for k, v in config.items() if k != "name"} for config in meta["configs"]]
    assert [_config(layer) for layer in model.layers[1:]] == expected
    weights = [LAYERS[f"{case}/weights{i}"] for i in range(meta["n_weights"])]
    model.set_weights(weights)
    x, y = LAYERS[f"{case}/x"], LAYERS[f"{case}/y"]
    got = model(x, training=True) if CASES[case]["mode"] == "train" else model.predict(x, verbose=0)
    if case in KERAS_OUTPUT_DIFFERS:
        return
    assert got.shape == y.shape
    np.testing.assert_allclose(got, y, rtol=RTOL, atol=ATOL)
    if not meta["trained"]:
        return
    model.compile(optimizer=dagnet.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.train_on_batch(x, targets_for(y, meta["seed"]))
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, LAYERS[f"{case}/trained{i}"], rtol=RTOL, atol=ATOL)


def _resize_keys():
    return sorted(k for k in OPS.files if k.startswith("resize/y_"))


@pytest.mark.parametrize("key", _resize_keys())
def test_resize_matches_keras(key):
    h, w, oh, ow, method, aa, fit = key.split("_", 1)[1].split("_")
    x = OPS[f"resize/x_{h}_{w}_{oh}_{ow}"]
    got = dagnet.ops.image.resize(
        x,
        (int(oh), int(ow)),
        interpolation=method,
        antialias=aa == "1",
        crop_to_aspect_ratio=fit == "crop",
        pad_to_aspect_ratio=fit == "pad",
        fill_value=1.5,
    )
    np.testing.assert_allclose(got, OPS[key], rtol=1e-6, atol=1e-6)
    if method == "bicubic" and aa == "0" and fit == "stretch":
        xcf = np.ascontiguousarray(np.transpose(x, (0, 3, 1, 2)))
        got = dagnet.ops.image.resize(xcf, (int(oh), int(ow)), interpolation="bicubic", data_format="channels_first")
        np.testing.assert_allclose(got, OPS[f"resize/ycf_{h}_{w}_{oh}_{ow}"], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("method", ["nearest", "bilinear"])
@pytest.mark.parametrize("mode", ["reflect", "wrap", "constant", "nearest"])
def test_affine_transform_matches_keras(method, mode):
    x, t = OPS["affine/x"], OPS["affine/t"]
    got = dagnet.ops.image.affine_transform(x, t, interpolation=method, fill_mode=mode, fill_value=0.7)
    np.testing.assert_allclose(got, OPS[f"affine/y_{method}_{mode}"], rtol=1e-6, atol=1e-6)
    got = dagnet.ops.image.affine_transform(
        np.ascontiguousarray(np.transpose(x, (0, 3, 1, 2))), t, method, mode, 0.7, data_format="channels_first"
    )
    np.testing.assert_allclose(got, OPS[f"affine/ycf_{method}_{mode}"], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,axis", [("axis_last", -1), ("axis_none", None), ("axis_12", (1, 2))])
@pytest.mark.parametrize("source", ["array", "batches"])
def test_normalization_adapt_matches_keras(name, axis, source):
    data = ADAPT["data"]
    layer = dagnet.layers.Normalization(axis=axis)
    if source == "array":
        layer.adapt(data)
    else:
        layer.adapt((b, b[:, 0]) for b in (data[:11], data[11:18], data[18:]))  # a generator of (x, y)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), ADAPT[f"{name}/{source}/mean"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.adapt_variance.numpy(), ADAPT[f"{name}/{source}/variance"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer(ADAPT["probe"]), ADAPT[f"{name}/{source}/probe"], rtol=1e-5, atol=1e-5)


def test_keras_saved_model_with_every_layer_loads_and_predicts():
    model = dagnet.models.load_model(os.path.join(HERE, "all_layers.keras"))
    data = np.load(os.path.join(HERE, "all_layers.npz"))
    np.testing.assert_allclose(model.predict(data["x"], verbose=0), data["y"], rtol=1e-4, atol=1e-5)
    norm = next(layer for layer in model.layers if isinstance(layer, dagnet.layers.Normalization))
    assert float(np.abs(norm.adapt_mean.numpy() - 0.5).max()) < 0.2  # Keras's adapted statistics came with it
