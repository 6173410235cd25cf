"""Layer numerics and shapes against Keras 3.15 (differential): every case of
layer_numerics_cases.py (Dense/Activation with every Keras activation name, Conv1D/Conv2D
over paddings, strides, dilations and data formats, pooling, global pooling with keepdims,
Flatten/Reshape, Embedding + LSTM with masks, return_state, go_backwards, initial_state,
TimeDistributed, Dropout at inference, merges and Dot) is built in dagnet, given Keras's
weights, and must give Keras's output shapes, parameter count, outputs and, after one
SGD(0.1) train_on_batch step with mse, Keras's updated weights.
Fixture: fixtures/keras3_layers/numerics.npz, made by fixtures/make/keras3_layer_numerics.py."""

import json
import os

import numpy as np
import pytest
from layer_numerics_cases import KERAS_SHAPE_DIFFERS, NO_TRAIN, build, targets_for

import dagnet

PATH = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_layers", "numerics.npz")
DATA = np.load(PATH)
META = json.loads(str(DATA["__meta__"]))["cases"]
RTOL = ATOL = 1e-5


def _arrays(case, key, n):
    return [DATA[f"{case}/{key}{i}"] for i in range(n)]


def _list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


@pytest.mark.parametrize("case", sorted(META))
def test_layer_matches_keras(case):
    meta = META[case]
    if "error" in meta:
        # Keras refuses the case (e.g. 'threshold' needs arguments a name cannot give): so must dagnet.
        with pytest.raises(Exception):
            model = build(dagnet, case)
            model.predict(np.zeros((1,) + tuple(model.inputs[0].shape[1:]), "float32"), verbose=0)
        return
    model = build(dagnet, case)
    if case not in KERAS_SHAPE_DIFFERS:
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
    if not weights or case in NO_TRAIN:
        return
    targets = targets_for(ys, meta["seed"])
    model.compile(optimizer=dagnet.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.train_on_batch(xin, targets if len(targets) > 1 else targets[0])
    for g, w in zip(model.get_weights(), _arrays(case, "trained", meta["n_weights"])):
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)
