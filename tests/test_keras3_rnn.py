"""Recurrent layers against Keras 3.15 (differential): every case of rnn_cases.py (GRU in both
conventions, SimpleRNN, RNN over each cell, stacks and custom cells, Bidirectional in every
merge mode, with masks of every pattern, go_backwards, return_state, initial_state) is
built in dagnet with Keras's weights and must give Keras's output shapes, parameter
counts, outputs and, after one SGD(0.1) step with mse, Keras's weights; get_config of the
constructions in rnn_cases.CONFIGS equals Keras's; a Keras-saved .keras model loads with
equal predictions. Fixtures: fixtures/keras3_rnn/, made by fixtures/make/keras3_rnn.py."""

import json
import os

import numpy as np
import pytest
import rnn_cases as C

import dagnet

HERE = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_rnn")
DATA = np.load(os.path.join(HERE, "numerics.npz"))
META = json.loads(str(DATA["__meta__"]))["cases"]
RTOL = ATOL = 2e-5


def _arrays(case, key, n):
    return [DATA[f"{case}/{key}{i}"] for i in range(n)]


def _list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


@pytest.mark.parametrize("case", sorted(META))
def test_recurrent_layers_match_keras(case):
    meta = META[case]
    dagnet.utils.clear_session()
    model = C.build(dagnet, case)
    if case not in C.KERAS_SHAPE_DIFFERS:
        assert [list(t.shape) for t in model.outputs] == meta["shapes"]
    assert model.count_params() == meta["count_params"]
    weights = _arrays(case, "weights", meta["n_weights"])
    model.set_weights(weights)
    xs = _arrays(case, "x", meta["n_x"])
    xin = xs if len(xs) > 1 else xs[0]
    ys = _arrays(case, "y", meta["n_y"])
    got = _list(model.predict(xin, verbose=0))
    assert len(got) == len(ys)
    for g, y in zip(got, ys):
        assert g.shape == y.shape
        np.testing.assert_allclose(g, y, rtol=RTOL, atol=ATOL)
    if case in C.NO_TRAIN:
        return
    targets = C.targets_for(ys, meta["seed"])
    model.compile(optimizer=dagnet.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.train_on_batch(xin, targets if len(targets) > 1 else targets[0])
    for g, w in zip(model.get_weights(), _arrays(case, "trained", meta["n_weights"])):
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)


def _without_names(config):
    """A config without layer names (Keras's counters depend on what else it made)."""
    if isinstance(config, dict):
        return {k: _without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [_without_names(v) for v in config]
    return config


def test_configs_match_keras():
    with open(os.path.join(HERE, "configs.json")) as f:
        expected = json.load(f)
    dagnet.utils.clear_session()
    got = {name: json.loads(json.dumps(make(dagnet).get_config(), default=str)) for name, make in C.CONFIGS.items()}
    assert sorted(got) == sorted(expected)
    for name in got:
        assert _without_names(got[name]) == _without_names(expected[name]), name


def test_keras_saved_model_loads_with_equal_predictions(tmp_path):
    model = dagnet.models.load_model(os.path.join(HERE, "model.keras"))
    want = np.load(os.path.join(HERE, "model_pred.npy"))
    np.testing.assert_allclose(model.predict(C.saved_model_inputs(), verbose=0), want, rtol=1e-5, atol=1e-6)
    # and back: dagnet's file reloads into the same predictions
    path = str(tmp_path / "again.keras")
    model.save(path)
    again = dagnet.models.load_model(path)
    np.testing.assert_allclose(again.predict(C.saved_model_inputs(), verbose=0), want, rtol=1e-5, atol=1e-6)
