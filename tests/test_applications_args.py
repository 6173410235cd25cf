"""dagnet.applications' arguments: Keras's ValueErrors word for word (fixture made by
tests/fixtures/make/keras3_applications.py), weights="imagenet" asking get_file for Keras's
file (same name, URL, folder and hash) and loading it, a clear error offline (no hang), weights
from a file path, input_tensor, decode_predictions, and the package's exports."""

import gzip
import importlib
import json
import os
import re
import urllib.error
import warnings

import application_cases as C
import numpy as np
import pytest

import dagnet
from dagnet import applications
from dagnet.applications import _builder, imagenet_utils

with open(os.path.join(os.path.dirname(__file__), "fixtures", C.FIXTURE)) as f:
    KERAS = json.load(f)


def builder(module, name):
    return getattr(importlib.import_module(f"dagnet.applications.{module}"), name)


def _normalise(message):
    return re.sub(r" at 0x[0-9a-f]+", "", message)


@pytest.mark.parametrize("case", C.ERRORS, ids=[c[0] for c in C.ERRORS])
def test_argument_errors_match_keras(case):
    case_id, module, name, kwargs = case
    dagnet.utils.clear_session()
    with pytest.raises(ValueError) as info:
        builder(module, name)(**kwargs)
    assert _normalise(str(info.value)) == _normalise(KERAS["errors"][case_id])


class _Recorded(Exception):
    pass


@pytest.mark.parametrize("case", C.IMAGENET, ids=[c[0] for c in C.IMAGENET])
def test_imagenet_asks_for_keras_file(case, monkeypatch):
    case_id, module, name, kwargs = case
    asked = {}

    def fake_get_file(fname, origin, cache_subdir="datasets", file_hash=None, **_):
        asked.update(fname=fname, origin=origin, cache_subdir=cache_subdir, file_hash=file_hash)
        raise _Recorded()

    monkeypatch.setattr(_builder, "get_file", fake_get_file)
    dagnet.utils.clear_session()
    with warnings.catch_warnings(), pytest.raises(_Recorded):
        warnings.simplefilter("ignore")  # MobileNet's "weights for (224, 224) will be loaded"
        builder(module, name)(weights="imagenet", **kwargs)
    assert asked == KERAS["imagenet"][case_id]


def test_imagenet_weights_are_loaded_from_the_downloaded_file(monkeypatch, tmp_path):
    """The file get_file returns is loaded into the model (here one saved from a model of the
    same architecture, standing in for Keras's download)."""
    kwargs = {"include_top": False, "minimalistic": True, "input_shape": (32, 32, 3)}
    source = applications.MobileNetV3Small(weights=None, **kwargs)
    source.set_weights(C.deterministic_weights(source))
    path = str(tmp_path / "downloaded.weights.h5")
    source.save_weights(path)
    monkeypatch.setattr(_builder, "get_file", lambda *args, **kw: path)
    with pytest.warns(UserWarning, match="Weights for input shape"):
        model = applications.MobileNetV3Small(weights="imagenet", **kwargs)
    for got, want in zip(model.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_imagenet_offline_is_a_clear_error(monkeypatch, tmp_path):
    """No network: an OSError naming the file, at once (the opener fails; nothing retries)."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(dagnet._get_file, "_open_url", offline)
    with pytest.raises(OSError, match="resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        applications.ResNet50(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    with pytest.raises(OSError, match="imagenet_class_index.json"):
        imagenet_utils.decode_predictions(np.zeros((1, 1000)))


def test_weights_from_a_file_path(tmp_path):
    first = applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3), classes=4)
    first.set_weights(C.deterministic_weights(first))
    path = str(tmp_path / "mnv2.weights.h5")
    first.save_weights(path)
    second = applications.MobileNetV2(weights=path, alpha=0.35, input_shape=(32, 32, 3), classes=4)
    x = C.forward_input((2, 32, 32, 3))
    np.testing.assert_allclose(second.predict(x, verbose=0), first.predict(x, verbose=0), rtol=1e-6, atol=1e-6)


def test_input_tensor_is_used_and_traced_to_its_source():
    inp = dagnet.Input((48, 48, 3), name="pixels")
    scaled = dagnet.layers.Rescaling(1.0 / 255)(inp)
    model = applications.ResNet50V2(weights=None, include_top=False, input_tensor=scaled, pooling="avg")
    assert model.inputs[0] is inp
    assert model.output.shape == (None, 2048)
    out = model.predict(np.full((1, 48, 48, 3), 128.0, "float32"), verbose=0)
    assert out.shape == (1, 2048) and np.isfinite(out).all()


def test_mobilenet_v2_input_tensor_checks():
    with pytest.raises(ValueError, match="input_tensor.shape\\[2\\] must equal input_shape\\[1\\]"):
        applications.MobileNetV2(weights=None, input_tensor=dagnet.Input((64, 64, 3)), input_shape=(64, 32, 3))


def test_decode_predictions_with_a_class_index(monkeypatch, tmp_path):
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    path = tmp_path / "imagenet_class_index.json"
    path.write_text(json.dumps(index))
    asked = {}

    def fake_get_file(fname, origin, cache_subdir="datasets", file_hash=None, **_):
        asked.update(fname=fname, origin=origin, cache_subdir=cache_subdir, file_hash=file_hash)
        return str(path)

    monkeypatch.setattr(imagenet_utils, "get_file", fake_get_file)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    preds = np.zeros((2, 1000), "float32")
    preds[0, [5, 7, 9]] = [0.2, 0.5, 0.3]
    preds[1, 999] = 1.0
    result = applications.resnet50.decode_predictions(preds, top=3)
    assert asked == {
        "fname": "imagenet_class_index.json",
        "origin": "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json",
        "cache_subdir": "models",
        "file_hash": "c2c37ea517e94d9795004a39431a14cb",
    }
    assert [r[:2] for r in result[0]] == [("n00000007", "class_7"), ("n00000009", "class_9"), ("n00000005", "class_5")]
    assert result[0][0][2] == pytest.approx(0.5)
    assert result[1][0][:2] == ("n00000999", "class_999")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: imagenet_utils.preprocess_input(np.zeros((1, 2, 2, 3)), mode="x"), "pre_mode"),
        (lambda: imagenet_utils.preprocess_input(np.zeros((1, 2, 2, 3)), data_format="x"), "pre_df"),
        (lambda: imagenet_utils.decode_predictions(np.zeros((2, 10))), "decode"),
    ],
)
def test_imagenet_utils_errors(call, message):
    expected = {
        "pre_mode": "Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode=x",
        "pre_df": "Expected data_format to be one of `channels_first` or `channels_last`. Received: data_format=x",
        "decode": "`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape (samples, 1000)). "
        "Received array with shape: (2, 10)",
    }[message]
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == expected


def test_channels_first_refused_where_keras_refuses(monkeypatch):
    monkeypatch.setattr(dagnet.backend, "_IMAGE_DATA_FORMAT", "channels_first")
    for build in (applications.DenseNet121, applications.ConvNeXtTiny, applications.NASNetMobile):
        with pytest.raises(ValueError, match="does not support the `channels_first` image data format"):
            build(weights=None)


def test_exports():
    assert dagnet.applications is applications
    for name in ["ResNet50", "MobileNetV2", "EfficientNetB0", "ConvNeXtTiny", "NASNetLarge", "InceptionV3"]:
        assert callable(getattr(applications, name)), name
    for module in ["vgg16", "vgg19", "resnet", "resnet50", "resnet_v2", "mobilenet", "mobilenet_v2", "mobilenet_v3",
                   "densenet", "efficientnet", "efficientnet_v2", "xception", "inception_v3", "inception_resnet_v2",
                   "convnext", "nasnet", "imagenet_utils"]:  # fmt: skip
        mod = getattr(applications, module)
        assert callable(mod.preprocess_input) and callable(mod.decode_predictions), module


@pytest.mark.parametrize("suffix", ["h5", "weights.h5"])
@pytest.mark.parametrize("case", C.WEIGHT_FILES, ids=[c[0] for c in C.WEIGHT_FILES])
def test_keras_weight_files_load(case, suffix, tmp_path):
    """A weights file Keras 3 wrote for the same model (the legacy .h5 layout of the ImageNet
    downloads, and .weights.h5) loads through `weights=path` into the right variables."""
    case_id, module, name, kwargs = case
    packed = os.path.join(os.path.dirname(__file__), "fixtures", f"keras3_applications_{case_id}.{suffix}.gz")
    path = tmp_path / f"{case_id}.{suffix}"
    with gzip.open(packed, "rb") as src:
        path.write_bytes(src.read())
    dagnet.utils.clear_session()
    model = builder(module, name)(**{**kwargs, "weights": str(path)})
    want = C.pattern_weights(model)
    assert len(model.get_weights()) == len(want)
    for got, expected in zip(model.get_weights(), want):
        np.testing.assert_array_equal(got, expected)
