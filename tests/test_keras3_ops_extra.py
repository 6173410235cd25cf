"""The keras.ops names of ops/inverse_trig.py, bitwise.py, identity_ops.py,
elementwise_extra.py, array_extra.py, nan_reductions.py, scatter_ops.py and conv_ops.py
against Keras 3's outputs (tests/fixtures/keras3_ops_extra.npz, made by
tests/fixtures/make/keras3_ops_extra.py from tests/keras3_ops_extra_cases.py): each op run
eagerly on NumPy arrays and recorded on KerasTensors in a functional model (the symbolic
path, lowered into the native graph)."""

import os

import keras3_ops_extra_cases as cases
import numpy as np
import pytest

import dagnet
from dagnet import ops

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_ops_extra.npz"))


def expected(name):
    outs, i = [], 0
    while f"{name}/{i}" in FIXTURE:
        outs.append((FIXTURE[f"{name}/{i}"], str(FIXTURE[f"{name}/dtype/{i}"])))
        i += 1
    return outs


def check(name, got):
    want = expected(name)
    assert want, name
    got = list(got) if isinstance(got, (list, tuple)) else [got]
    assert len(got) == len(want), name
    for g, (w, dtype) in zip(got, want):
        g = np.asarray(g)
        assert g.shape == w.shape, (name, g.shape, w.shape)
        if dtype == "bool":  # dagnet has no bool dtype: truth values are 0/1
            np.testing.assert_array_equal(g != 0, w, err_msg=name)
            continue
        assert g.dtype.name == dtype, (name, g.dtype, dtype)
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-5, err_msg=name)


@pytest.mark.parametrize("name", list(cases.CASES))
def test_eager_matches_keras(name):
    spec = cases.CASES[name]
    check(name, getattr(ops, spec["op"])(*spec["args"], **spec["kwargs"]))


SYMBOLIC = [n for n, s in cases.CASES.items() if s["symbolic"]]


@pytest.mark.parametrize("name", SYMBOLIC)
def test_symbolic_matches_keras(name):
    """The op on KerasTensors inside a functional model: each array named in `symbolic` is a
    model input of batch 1, sliced back to its own shape so every dimension is known."""
    spec = cases.CASES[name]
    args = list(spec["args"])
    inputs, feeds = [], []
    for position in spec["symbolic"]:
        arrays = args[position] if isinstance(args[position], tuple) else (args[position],)
        symbols = []
        for array in map(np.asarray, arrays):  # a (real, imag) pair: two inputs
            x = dagnet.Input(shape=array.shape, dtype=array.dtype.name)
            inputs.append(x)
            feeds.append(array[None])
            symbols.append(x[0])
        args[position] = tuple(symbols) if isinstance(args[position], tuple) else symbols[0]
    result = getattr(ops, spec["op"])(*args, **spec["kwargs"])
    results = list(result) if isinstance(result, (list, tuple)) else [result]
    model = dagnet.Model(inputs, [ops.expand_dims(r, 0) for r in results])
    got = model.predict(feeds if len(feeds) > 1 else feeds[0], verbose=0)
    got = got if isinstance(got, list) else [got]
    check(name, [g[0] for g in got])
