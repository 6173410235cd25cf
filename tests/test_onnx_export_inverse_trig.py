"""ONNX export of the unary kinds added for keras.ops (arcsin ... arctanh map to ONNX's Asin ...
Atanh, erfc to 1 - Erf) and of stop_gradient (Identity), run with onnxruntime."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason='ONNX export needs `pip install "dagnet[onnx]"`')
ort = pytest.importorskip("onnxruntime", reason="the ONNX tests run the exported models with onnxruntime")

from onnx_check import check_onnx  # noqa: E402

from dagnet import Input, Model, ops  # noqa: E402


def test_inverse_trig_erfc_and_stop_gradient_export(tmp_path):
    x = Input((5,), name="x")
    unit = ops.tanh(x) * 0.9  # inside (-1, 1)
    outputs = [
        ops.arcsin(unit),
        ops.arccos(unit),
        ops.arctan(x),
        ops.arcsinh(x),
        ops.arccosh(ops.abs(x) + 1.5),
        ops.arctanh(unit),
        ops.erfc(x),
        ops.stop_gradient(x) * 2.0,
    ]
    model = Model(x, ops.concatenate(outputs, axis=-1), name="inverse_trig")
    rng = np.random.default_rng(0)
    check_onnx(model, [[rng.normal(size=(3, 5)).astype("float32")]], tmp_path)


def test_ops_without_an_onnx_form_are_refused(tmp_path):
    x = Input((4,), name="x")
    model = Model(x, ops.erfinv(ops.tanh(x)), name="erfinv")
    with pytest.raises(NotImplementedError, match="the unary op 'erfinv' has no ONNX form"):
        model.export(str(tmp_path / "m.onnx"), format="onnx")
