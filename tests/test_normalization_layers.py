"""BatchNormalization, LayerNormalization, GroupNormalization, UnitNormalization and
RMSNormalization against Keras 3.15 (fixtures/keras3_normalization, made by
fixtures/make/keras3_normalization.py): for every case of normalization_cases.py the
parameter counts (trainable and not), weight paths, layer configs, inference outputs,
training-mode outputs of an eager call and the moving statistics it moves, and after three
fit steps the loss, every weight (moving statistics included) and the outputs."""

import json
import os
import warnings

import numpy as np
import pytest
from normalization_cases import ADAM, build, case_names

import dagnet
from dagnet import _naming

HERE = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_normalization")
DATA = np.load(os.path.join(HERE, "cases.npz"))
META = json.loads(str(DATA["__meta__"]))["cases"]
RTOL = ATOL = 2e-5


def _arrays(case, key):
    return [DATA[f"{case}/{key}{i}"] for i in range(META[case]["counts"][key])]


def _build(case):
    _naming.reset()  # fresh auto names, as keras.backend.clear_session() gives the fixture
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rms_scaling's deprecation warning, as Keras gives
        return build(dagnet, case)


def _close(got, want, what, rtol=RTOL, atol=ATOL):
    assert len(got) == len(want), what
    for i, (g, w) in enumerate(zip(got, want)):
        np.testing.assert_allclose(np.asarray(g), w, rtol=rtol, atol=atol, err_msg=f"{what} {i}")


def _optimizer(case):
    return dagnet.optimizers.Adam(learning_rate=0.01) if case in ADAM else dagnet.optimizers.SGD(learning_rate=0.05)


def test_every_fixture_case_is_checked():
    assert sorted(META) == case_names()


@pytest.mark.parametrize("case", case_names())
def test_structure_matches_keras(case):
    meta = META[case]
    model = _build(case)
    assert model.count_params() == meta["count_params"]
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == meta["trainable"]
    assert sum(int(np.prod(w.shape)) for w in model.non_trainable_weights) == meta["non_trainable"]
    assert [w.path for w in model.weights] == meta["paths"]
    assert list(model.outputs[0].shape) == meta["output_shape"]
    configs = [
        {k: v for k, v in layer.get_config().items() if k != "dtype"}
        for layer in model.layers
        if "Normalization" in type(layer).__name__
    ]
    assert json.loads(json.dumps(configs)) == meta["configs"]


@pytest.mark.parametrize("case", case_names())
def test_numbers_match_keras(case):
    meta = META[case]
    model = _build(case)
    weights = _arrays(case, "weights")
    (x,), (y,) = _arrays(case, "x"), _arrays(case, "y")
    model.set_weights(weights)
    _close([model.predict(x, batch_size=len(x), verbose=0)], _arrays(case, "pred"), "inference output")
    _close([model(x[:4], training=True)], _arrays(case, "train_out"), "training-mode output")
    _close(model.get_weights(), _arrays(case, "after_call"), "weights after a training-mode call")

    model.set_weights(weights)
    model.compile(optimizer=_optimizer(case), loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], meta["loss"], rtol=1e-5)
    trained = _arrays(case, "trained")
    _close(model.get_weights(), trained, "weights after 3 fit steps")
    _close([model.predict(x, batch_size=len(x), verbose=0)], _arrays(case, "pred_after"), "output after fit")
    snapshot = model.get_weights()
    model.evaluate(x, y, batch_size=4, verbose=0)  # neither evaluate nor predict moves the statistics
    _close(model.get_weights(), snapshot, "weights after evaluate and predict", rtol=0, atol=0)


def test_keras_summary_counts_the_moving_statistics_as_non_trainable(capsys):
    model = _build("bn_conv")
    model.summary()
    got = capsys.readouterr().out
    with open(os.path.join(HERE, "summary.txt")) as f:
        want = f.read()
    totals = [line for line in want.splitlines() if "params" in line]
    assert totals and all(line in got for line in totals), got


def test_keras_saved_file_loads_with_equal_predictions():
    model = dagnet.models.load_model(os.path.join(HERE, "saved.keras"))
    x = np.load(os.path.join(HERE, "saved_x.npy"))
    np.testing.assert_allclose(
        model.predict(x, verbose=0), np.load(os.path.join(HERE, "saved_pred.npy")), rtol=2e-5, atol=2e-5
    )
    kinds = {type(layer).__name__ for layer in model.layers}
    assert {
        "BatchNormalization",
        "GroupNormalization",
        "LayerNormalization",
        "UnitNormalization",
        "RMSNormalization",
    } <= kinds


def test_saved_file_round_trips(tmp_path):
    model = dagnet.models.load_model(os.path.join(HERE, "saved.keras"))
    x = np.load(os.path.join(HERE, "saved_x.npy"))
    model.save(tmp_path / "again.keras")
    again = dagnet.models.load_model(tmp_path / "again.keras")
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(again.weights, model.weights):
        assert a.path == b.path and a.trainable == b.trainable
