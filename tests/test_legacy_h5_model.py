"""Whole-model legacy HDF5 (`model.save("m.h5")` / `load_model("m.h5")`), which Keras 3 still
writes and reads. The fixture was written by Keras 3.15 for the model built here, with the
weights set from a seeded normal draw; its predictions are stored beside it."""
import os
import warnings

import numpy as np
import pytest

from dagnet import Input, Model, Sequential, layers as L, models

FIX = os.path.join(os.path.dirname(__file__), "fixtures")


def build():
    ii = Input((6, 3), name="seq_in")
    inner = Model(ii, L.LSTM(4, name="lstm_i")(L.Conv1D(3, 2, name="c1", padding="same")(ii)), name="inner")
    a, b = Input((6, 3), name="a"), Input((6, 3), name="b")
    shared = L.Dense(5, activation="relu", name="shared")
    z = L.concatenate([shared(inner(a)), shared(inner(b))], name="cat")
    seq = Sequential([Input((10,)), L.Dense(3, name="s1"), L.Dropout(0.1), L.Dense(2, name="s2")], name="seqm")
    return Model([a, b], [seq(z), L.Dense(1, name="aux")(z)], name="outer")


X = [np.linspace(-1, 1, 36, dtype="float32").reshape(2, 6, 3), np.linspace(1, -1, 36, dtype="float32").reshape(2, 6, 3)]


def test_loads_keras3_legacy_h5():
    m = models.load_model(os.path.join(FIX, "keras3_nested_legacy.h5"))
    assert [l.name for l in m.layers] == ["a", "b", "inner", "shared", "cat", "seqm", "aux"]
    np.testing.assert_allclose(m.predict(X, verbose=0)[0], np.load(os.path.join(FIX, "keras3_nested_legacy_pred.npy")),
                               atol=1e-5)
    assert type(m.optimizer).__name__ == "Adam"


def test_save_legacy_h5_round_trip_and_keras_layout(tmp_path):
    h5py = pytest.importorskip("h5py")
    m = build()
    rng = np.random.default_rng(0)
    m.set_weights([rng.normal(size=w.shape).astype("float32") for w in m.get_weights()])
    m.compile(optimizer="adam", loss=["mse", "mse"])
    path = str(tmp_path / "m.h5")
    with pytest.warns(UserWarning, match="legacy"):
        m.save(path)
    r = models.load_model(path)
    for p, q in zip(r.predict(X, verbose=0), m.predict(X, verbose=0)):
        np.testing.assert_allclose(p, q, atol=1e-6)
    assert r.optimizer is not None
    # the same groups, attributes and datasets as the file Keras wrote for this model
    def walk(f):
        out = []
        f["model_weights"].visititems(lambda n, o: out.append(
            (n, sorted((k, str(v)) for k, v in o.attrs.items() if k != "keras_version"), getattr(o, "shape", None))))
        return out
    with h5py.File(path, "r") as ours, h5py.File(os.path.join(FIX, "keras3_nested_legacy.h5"), "r") as keras:
        assert walk(ours) == walk(keras)
        assert set(ours.attrs) == {"keras_version", "backend", "model_config", "training_config"}


def test_load_model_rejects_unknown_extension(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text("x")
    with pytest.raises(ValueError, match="File format not supported"):
        models.load_model(str(path))
