"""dagnet.applications against Keras 3 (fixtures/keras3_applications.json, made by
tests/fixtures/make/keras3_applications.py): every case of application_cases.py has Keras's
parameter counts, output shape, layer names and classes and weight paths and shapes; the
forward cases give Keras's outputs with the same deterministic weights; preprocess_input gives
Keras's numbers."""

import importlib
import json
import os

import application_cases as C
import numpy as np
import pytest

import dagnet

with open(os.path.join(os.path.dirname(__file__), "fixtures", C.FIXTURE)) as f:
    KERAS = json.load(f)


def build(module, builder, kwargs):
    dagnet.utils.clear_session()
    return getattr(importlib.import_module(f"dagnet.applications.{module}"), builder)(**kwargs)


@pytest.mark.parametrize("case", C.STRUCTURE, ids=[c[0] for c in C.STRUCTURE])
def test_structure_matches_keras(case):
    case_id, module, builder, kwargs = case
    model = build(module, builder, kwargs)
    assert C.describe(model) == KERAS["structure"][case_id]
    assert model.count_params() == KERAS["structure"][case_id]["total"]


@pytest.mark.parametrize("case", C.FORWARD, ids=[c[0] for c in C.FORWARD])
def test_forward_matches_keras(case):
    case_id, module, builder, kwargs, shape = case
    model = build(module, builder, kwargs)
    expected = KERAS["forward"][case_id]
    assert C.describe(model) == expected["describe"]
    model.set_weights(C.deterministic_weights(model))
    out = model.predict(C.forward_input(shape), verbose=0)
    want = np.asarray(expected["output"], dtype=np.float32)
    assert out.shape == want.shape
    np.testing.assert_allclose(out, want, rtol=2e-3, atol=2e-3 * float(np.abs(want).max()))


@pytest.mark.parametrize("module", C.PREPROCESS_MODULES)
def test_preprocess_input_matches_keras(module):
    fn = importlib.import_module(f"dagnet.applications.{module}").preprocess_input
    for label, x, data_format in C.preprocess_inputs():
        for mode in ["caffe", "tf", "torch"] if module == "imagenet_utils" else [None]:
            extra = {"mode": mode} if mode else {}
            expected = KERAS["preprocess"][f"{module}/{mode or 'default'}/{label}"]
            want = np.asarray(expected["value"])
            got = fn(x.copy(), data_format=data_format, **extra)
            assert str(got.dtype) == expected["dtype"], (module, mode, label)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4, err_msg=f"{module} {mode} {label}")
            # A symbolic input gives the same numbers once run (the tensor path of Keras).
            if x.dtype == np.float32 and x.ndim == 4:
                inp = dagnet.Input(x.shape[1:])
                sym = dagnet.Model(inp, fn(inp, data_format=data_format, **extra))
                np.testing.assert_allclose(sym.predict(x, verbose=0), want, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("case_id", ["mobilenetv2_default", "efficientnetb0_default", "nasnetmobile_notop_avg"])
def test_summary_totals_match_keras(case_id):
    _, module, builder, kwargs = next(c for c in C.STRUCTURE if c[0] == case_id)
    model = build(module, builder, kwargs)
    lines = []
    model.summary(print_fn=lambda line, *args, **kw: lines.append(line))
    text = "\n".join(lines)
    total, trainable = KERAS["structure"][case_id]["total"], KERAS["structure"][case_id]["trainable"]
    assert f"Total params: {total:,} " in text
    assert f"Trainable params: {trainable:,} " in text
    assert f"Non-trainable params: {total - trainable:,} " in text
