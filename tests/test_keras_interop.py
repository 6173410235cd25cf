"""Live interop with Keras 3 when it is installed (skipped otherwise; the committed
fixtures in test_saving.py cover the Keras-to-dagnet direction without it)."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
pytest.importorskip("h5py")

from test_saving import build, data  # noqa: E402

import dagnet  # noqa: E402


@pytest.mark.parametrize("kind", ["keras", "weights.h5", "h5"])
def test_dagnet_files_load_in_keras(tmp_path, kind):
    x, y = data()
    model = build(dagnet)
    model.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / f"m.{kind}")
    if kind == "keras":
        model.save(path)
        theirs = keras.models.load_model(path)
    else:
        model.save_weights(path)
        theirs = build(keras)
        theirs.load_weights(path)
    np.testing.assert_allclose(theirs.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_keras_files_load_in_dagnet(tmp_path):
    x, y = data()
    theirs = build(keras)
    theirs.fit(x, y, epochs=1, verbose=0)
    theirs.save(str(tmp_path / "k.keras"))
    ours = dagnet.models.load_model(str(tmp_path / "k.keras"))
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-6)
    assert json_equal(ours.to_json(), theirs.to_json())


def json_equal(a, b):
    import json

    ca, cb = json.loads(a)["config"], json.loads(b)["config"]
    return (
        [l["name"] for l in ca["layers"]] == [l["name"] for l in cb["layers"] if l["class_name"] != "NotEqual"]
        and ca["input_layers"] == cb["input_layers"]
        and ca["output_layers"] == cb["output_layers"]
    )


@pytest.mark.parametrize("case", ["arith", "unary", "compare", "reduce", "shape", "slicing", "with_layers"])
def test_raw_op_models_cross_load(tmp_path, case):
    """Raw ops (x * 2, ops.sum(x, axis=1), x[:, 0], ...) both ways, live."""
    from raw_ops_cases import build, inputs_for

    def outputs(model):
        out = model.predict(xs, verbose=0)
        return out if isinstance(out, list) else [out]

    ours = build(dagnet, case)
    xs = inputs_for(ours)
    ours.save(str(tmp_path / "d.keras"))
    theirs = keras.models.load_model(str(tmp_path / "d.keras"))
    for a, b in zip(outputs(theirs), outputs(ours), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    theirs = build(keras, case)
    theirs.save(str(tmp_path / "k.keras"))
    ours = dagnet.models.load_model(str(tmp_path / "k.keras"))
    for a, b in zip(outputs(ours), outputs(theirs), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
