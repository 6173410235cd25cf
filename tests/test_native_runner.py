"""model.export_native() and the dagnet-bench runner: the same predictions as Python, a
timing run of predict and train steps, and clear failures on bad files."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import dagnet
from dagnet import _engine, layers, utils


def runner():
    path = shutil.which("dagnet-bench") or os.path.join(os.path.dirname(sys.executable), "dagnet-bench")
    if not os.path.exists(path):
        pytest.fail("dagnet-bench is not installed next to the interpreter")
    return path


def model():
    utils.clear_session()
    utils.set_random_seed(0)
    img = dagnet.Input(shape=(8, 8, 2), name="img")
    tok = dagnet.Input(shape=(None,), dtype="int32", name="tok")
    c = layers.GlobalMaxPooling2D()(layers.Conv2D(4, 3, padding="same", activation="relu")(img))
    l = layers.LSTM(3)(layers.Embedding(12, 4, mask_zero=True)(tok))
    out = layers.Dense(3, activation="softmax")(layers.Dropout(0.3)(layers.concatenate([c, l])))
    m = dagnet.Model([img, tok], out)
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def test_native_predictions_equal_python(tmp_path):
    m = model()
    path = tmp_path / "m.dgn"
    m.export_native(path)
    assert _engine.read_program_names(str(path)) == ["predict", "train"]
    rng = np.random.default_rng(1)
    x = [rng.uniform(size=(5, 8, 8, 2)).astype("float32"), rng.integers(0, 12, (5, 7)).astype("int32")]
    _engine.write_tensors(str(tmp_path / "in.bin"), x)
    subprocess.run(
        [runner(), str(path), "--inputs", str(tmp_path / "in.bin"), "--outputs", str(tmp_path / "out.bin")],
        check=True,
        capture_output=True,
        text=True,
    )
    (native,) = _engine.read_tensors(str(tmp_path / "out.bin"))
    np.testing.assert_array_equal(native, m.predict(x, verbose=0))


def test_native_timing_run(tmp_path):
    m = model()
    path = tmp_path / "m.dgn"
    m.export_native(path)
    out = subprocess.run(
        [runner(), str(path), "--batch", "4", "--length", "6", "--warmup", "1", "--iterations", "3", "--threads", "1"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "1 threads" in out and "batch 4, warm-up 1, 3 iterations" in out
    for what in ("predict", "train"):
        line = next(l for l in out.splitlines() if l.startswith(what))
        assert "min" in line and "median" in line and "max" in line and "samples/s" in line
    assert "peak memory" in out


def test_uncompiled_model_exports_prediction_only(tmp_path):
    x = dagnet.Input(shape=(3,))
    m = dagnet.Model(x, layers.Dense(2)(x))
    m.export_native(tmp_path / "p.dgn")
    assert _engine.read_program_names(str(tmp_path / "p.dgn")) == ["predict"]
    result = subprocess.run([runner(), str(tmp_path / "p.dgn"), "--mode", "train"], capture_output=True, text=True)
    assert result.returncode == 1 and "no training program" in result.stderr


def test_bad_files_fail_cleanly(tmp_path):
    m = model()
    good = tmp_path / "m.dgn"
    m.export_native(good)
    truncated = tmp_path / "t.dgn"
    truncated.write_bytes(good.read_bytes()[:300])
    result = subprocess.run([runner(), str(truncated)], capture_output=True, text=True)
    assert result.returncode == 1 and "truncated or corrupt" in result.stderr
    with pytest.raises(ValueError, match="truncated or corrupt"):
        _engine.read_program_names(str(truncated))
    junk = tmp_path / "j.dgn"
    junk.write_bytes(b"hello world, not a model")
    with pytest.raises(ValueError, match="not a dagnet file"):
        _engine.read_program_names(str(junk))
