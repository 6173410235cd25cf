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
    np.testing.assert_allclose(
        m.predict(X, verbose=0)[0], np.load(os.path.join(FIX, "keras3_nested_legacy_pred.npy")), atol=1e-5
    )
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
        f["model_weights"].visititems(
            lambda n, o: out.append(
                (n, sorted((k, str(v)) for k, v in o.attrs.items() if k != "keras_version"), getattr(o, "shape", None))
            )
        )
        return out

    with h5py.File(path, "r") as ours, h5py.File(os.path.join(FIX, "keras3_nested_legacy.h5"), "r") as keras:
        assert walk(ours) == walk(keras)
        assert set(ours.attrs) == {"keras_version", "backend", "model_config", "training_config"}


def test_load_model_rejects_unknown_extension(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text("x")
    with pytest.raises(ValueError, match="File format not supported"):
        models.load_model(str(path))


# -- the optimizer's variables (Keras 3's `optimizer_weights` group) -----------------------------
from dagnet import optimizers  # noqa: E402

_rng = np.random.default_rng(0)
A = _rng.standard_normal((16, 3)).astype("float32")
B = _rng.standard_normal((16, 1)).astype("float32")


def _small(optimizer):
    x = Input((3,))
    model = Model(x, L.Dense(1, name="d2")(L.Dense(4, name="d1")(x)))
    model.compile(optimizer, "mse")
    model.set_weights([np.full(w.shape, 0.1 * (i + 1), "float32") for i, w in enumerate(model.get_weights())])
    return model


@pytest.mark.parametrize(
    "make",
    [
        lambda: optimizers.Adam(0.01),
        lambda: optimizers.Adam(0.01, amsgrad=True),
        lambda: optimizers.RMSprop(0.01, momentum=0.9, centered=True),
        lambda: optimizers.SGD(0.01, momentum=0.9),
    ],
)
def test_h5_keeps_the_optimizer_state_and_training_resumes(tmp_path, make):
    model = _small(make())
    model.fit(A, B, epochs=1, batch_size=8, shuffle=False, verbose=0)
    path = str(tmp_path / "m.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(path)
    model.fit(A, B, epochs=1, batch_size=8, shuffle=False, verbose=0)
    loaded = models.load_model(path)
    loaded.fit(A, B, epochs=1, batch_size=8, shuffle=False, verbose=0)
    np.testing.assert_array_equal(loaded.predict(A, verbose=0), model.predict(A, verbose=0))
    assert int(loaded.optimizer.iterations) == 4


def test_h5_optimizer_weights_are_named_and_ordered_as_keras(tmp_path):
    import h5py

    model = _small(optimizers.RMSprop(0.01, momentum=0.9, centered=True))
    model.fit(A, B, epochs=1, batch_size=8, shuffle=False, verbose=0)
    path = str(tmp_path / "m.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(path)
    p = model.optimizer.name
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f["optimizer_weights"].attrs["weight_names"]]
        assert f["optimizer_weights"][names[0]].dtype == np.int64 and int(f["optimizer_weights"][names[0]][()]) == 2
    # Keras 3.15: all velocities, then all momentums, then all average gradients
    assert names == [f"{p}/iteration", f"{p}/learning_rate"] + [
        f"{p}/{v}_{slot}"
        for slot in ("velocity", "momentum", "average_gradient")
        for v in ("d1_kernel", "d1_bias", "d2_kernel", "d2_bias")
    ]


@pytest.mark.parametrize("name", ["rmsprop", "amsgrad"])
def test_keras3_h5_optimizer_state_resumes_in_dagnet(name):
    """Fixture (tests/fixtures/make/keras3_legacy_h5_optimizer.py): saved by Keras after one
    epoch; the predictions after one more epoch of Keras training."""
    loaded = models.load_model(os.path.join(FIX, "keras3_io", f"k_opt_{name}.h5"))
    assert int(loaded.optimizer.iterations) == 2  # the saved count, as Keras reports it after loading
    loaded.fit(A, B, epochs=1, batch_size=8, shuffle=False, verbose=0)
    expected = np.load(os.path.join(FIX, "keras3_io", f"k_opt_{name}_after.npy"))
    np.testing.assert_allclose(loaded.predict(A, verbose=0), expected, atol=2e-6)
    assert int(loaded.optimizer.iterations) == 4
