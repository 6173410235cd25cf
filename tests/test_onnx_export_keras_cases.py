"""ONNX export against Keras 3.15's own numbers: every recurrent case of rnn_cases.py, every
normalization case of normalization_cases.py and every convolution-family case of
conv_numerics_cases.py (their fixtures: Keras's weights, inputs and inference outputs), and
the Keras-saved model holding every convolution-family layer, are exported with Keras's
weights, and onnxruntime must give Keras's outputs (to the tolerance those layers' own Keras
tests use) as well as dagnet's predict (check_onnx). The cases cover GRU in both
conventions, SimpleRNN, RNN over each cell and stacks, Bidirectional in every merge mode,
masks of every pattern, go_backwards, return_state, initial states, batch/layer/group/unit/
RMS normalization options, and Conv3D, grouped, depthwise, separable and transposed
convolutions (strides, dilation, padding, output_padding, both data formats), 3-D pooling,
zero padding and cropping."""

import json
import os
import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason='ONNX export needs `pip install "dagnet[onnx]"`')
ort = pytest.importorskip("onnxruntime", reason="the ONNX tests run the exported models with onnxruntime")

import conv_numerics_cases  # noqa: E402
import image_layer_cases  # noqa: E402
import normalization_cases  # noqa: E402
import rnn_cases  # noqa: E402
from onnx_check import ORT_DTYPES, check_onnx  # noqa: E402

import dagnet  # noqa: E402
from dagnet import _naming  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
RNN = np.load(os.path.join(FIXTURES, "keras3_rnn", "numerics.npz"))
RNN_META = json.loads(str(RNN["__meta__"]))["cases"]
NORM = np.load(os.path.join(FIXTURES, "keras3_normalization", "cases.npz"))
NORM_META = json.loads(str(NORM["__meta__"]))["cases"]
CONV = np.load(os.path.join(FIXTURES, "keras3_conv", "numerics.npz"))
CONV_META = json.loads(str(CONV["__meta__"]))["cases"]
IMAGE = np.load(os.path.join(FIXTURES, "keras3_image", "layers.npz"))
with open(os.path.join(FIXTURES, "keras3_image", "layers.json")) as f:
    IMAGE_META = json.load(f)["cases"]
IMAGE_INFERENCE = sorted(c for c, spec in image_layer_cases.CASES.items() if spec["mode"] == "infer")
RTOL = ATOL = 2e-5  # what test_keras3_rnn.py and test_normalization_layers.py hold dagnet to


def _run(path, xs):
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {i.name: np.asarray(x).astype(ORT_DTYPES[i.type]) for i, x in zip(session.get_inputs(), xs)}
    return session.run(None, feeds)


def _matches_keras(model, xs, want, tmp_path):
    check_onnx(model, [xs], tmp_path)  # dagnet's predict, and the file's checks
    got = _run(str(tmp_path / f"{model.name}.onnx"), xs)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", sorted(RNN_META))
def test_recurrent_cases_match_keras(case, tmp_path):
    meta = RNN_META[case]
    dagnet.utils.clear_session()
    model = rnn_cases.build(dagnet, case)
    model.set_weights([RNN[f"{case}/weights{i}"] for i in range(meta["n_weights"])])
    xs = [RNN[f"{case}/x{i}"] for i in range(meta["n_x"])]
    _matches_keras(model, xs, [RNN[f"{case}/y{i}"] for i in range(meta["n_y"])], tmp_path)


@pytest.mark.parametrize("case", normalization_cases.case_names())
def test_normalization_cases_match_keras(case, tmp_path):
    meta = NORM_META[case]
    _naming.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rms_scaling's deprecation warning
        model = normalization_cases.build(dagnet, case)
    model.set_weights([NORM[f"{case}/weights{i}"] for i in range(meta["counts"]["weights"])])
    _matches_keras(model, [NORM[f"{case}/x0"]], [NORM[f"{case}/pred0"]], tmp_path)


@pytest.mark.parametrize("case", sorted(CONV_META))
def test_convolution_family_cases_match_keras(case, tmp_path):
    meta = CONV_META[case]
    dagnet.utils.clear_session()
    model = conv_numerics_cases.build(dagnet, case)
    model.set_weights([CONV[f"{case}/weights{i}"] for i in range(meta["n_weights"])])
    xs = [CONV[f"{case}/x{i}"] for i in range(meta["n_x"])]
    _matches_keras(model, xs, [CONV[f"{case}/y{i}"] for i in range(meta["n_y"])], tmp_path)


def test_keras_saved_convolution_family_model(tmp_path):
    model = dagnet.models.load_model(os.path.join(FIXTURES, "keras3_conv", "model.keras"))
    io = np.load(os.path.join(FIXTURES, "keras3_conv", "model_io.npz"))
    _matches_keras(model, [io[f"arr_{i}"] for i in range(3)], [io["y"]], tmp_path)


@pytest.mark.parametrize("case", IMAGE_INFERENCE)
def test_image_layer_cases_match_keras(case, tmp_path):
    """Resizing (every interpolation, antialias, crop/pad to aspect ratio, formats),
    UpSampling1D/2D/3D (every interpolation), CenterCrop, RandomCrop and the augmentations
    at inference."""
    meta = IMAGE_META[case]
    _naming.reset()
    model = image_layer_cases.build(dagnet, case)
    model.set_weights([IMAGE[f"{case}/weights{i}"] for i in range(meta["n_weights"])])
    x = IMAGE[f"{case}/x"]
    if case in image_layer_cases.KERAS_OUTPUT_DIFFERS:
        check_onnx(model, [[x]], tmp_path)
    else:
        _matches_keras(model, [x], [IMAGE[f"{case}/y"]], tmp_path)
