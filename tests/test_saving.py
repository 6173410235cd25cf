"""model.save / load_model (.keras), save_weights / load_weights (.weights.h5 and the
tf.keras .h5 layout), resuming training, Keras interop through files Keras 3.15 wrote
(fixtures/keras3_io, with the predictions Keras gave), corrupt files, atomic writes."""

import os
import zipfile

import numpy as np
import pytest

pytest.importorskip("h5py")

import dagnet  # noqa: E402
from dagnet import models, utils  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_io")


def build(k=dagnet):
    """The same model the Keras fixtures were made from (conv, pooling, embedding, LSTM, TimeDistributed)."""
    L = k.layers
    img = k.Input(shape=(6, 6, 2), name="img")
    tok = k.Input(shape=(5,), dtype="int32", name="tok")
    c = L.Conv2D(3, 3, activation="relu", padding="same")(img)
    p = L.GlobalAveragePooling2D()(L.MaxPooling2D()(c))
    e = L.Embedding(9, 4)(tok)
    l = L.LSTM(3)(e)
    t = L.TimeDistributed(L.Dense(2))(e)
    out = L.Dense(2, activation="softmax", name="out")(L.concatenate([p, l, L.Flatten()(t)]))
    model = k.Model([img, tok], out, name="io")
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def data():
    rng = np.random.default_rng(0)
    x = [rng.uniform(size=(4, 6, 6, 2)).astype("float32"), rng.integers(0, 9, (4, 5)).astype("int32")]
    return x, np.eye(2, dtype="float32")[[0, 1, 1, 0]]


@pytest.fixture(autouse=True)
def fresh():
    utils.clear_session()
    utils.set_random_seed(0)


def test_keras_round_trip_is_bit_exact_and_training_resumes(tmp_path):
    x, y = data()
    model = build()
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
    loaded = models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    # The optimizer state came along: one more step on each gives the same weights.
    model.train_on_batch(x, y)
    loaded.train_on_batch(x, y)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert loaded.optimizer.iterations == model.optimizer.iterations == 3


@pytest.mark.parametrize("suffix", [".weights.h5", ".h5"])
def test_weights_files(tmp_path, suffix):
    x, _ = data()
    model = build()
    path = tmp_path / f"w{suffix}"
    model.save_weights(path)
    other = build()
    other.load_weights(path)
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        model.save_weights(tmp_path / "w.bin")


@pytest.mark.parametrize(
    "name,load", [("k_io.keras", "model"), ("k_io.weights.h5", "weights"), ("k_io_legacy.h5", "weights")]
)
def test_files_written_by_keras_load_and_predict_the_same(name, load):
    x, _ = data()
    path = os.path.join(FIXTURES, name)
    model = models.load_model(path) if load == "model" else build()
    if load == "weights":
        model.load_weights(path)
    np.testing.assert_allclose(model.predict(x, verbose=0), np.load(os.path.join(FIXTURES, "k_io_pred.npy")), atol=1e-6)


def test_keras_file_resumes_training_with_its_optimizer_state():
    x, y = data()
    model = models.load_model(os.path.join(FIXTURES, "k_io.keras"))
    model.fit(x, y, epochs=1, verbose=0)
    assert model.optimizer.iterations == 3  # Keras trained 2 steps


def test_bad_files_raise_clear_errors(tmp_path):
    model = build()
    good = tmp_path / "m.keras"
    model.save(good)
    truncated = tmp_path / "t.keras"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(ValueError, match="not a valid .keras file|corrupt"):
        models.load_model(truncated)
    with pytest.raises(FileNotFoundError):
        models.load_model(tmp_path / "missing.keras")
    junk = tmp_path / "junk.weights.h5"
    junk.write_bytes(b"not hdf5 at all")
    with pytest.raises(ValueError, match="missing, truncated or not HDF5"):
        model.load_weights(junk)
    with zipfile.ZipFile(good) as archive:
        config = archive.read("config.json").decode().replace('"class_name": "LSTM"', '"class_name": "Transformer9"')
        weights = archive.read("model.weights.h5")
    unknown = tmp_path / "u.keras"
    with zipfile.ZipFile(unknown, "w") as archive:
        archive.writestr("config.json", config)
        archive.writestr("model.weights.h5", weights)
    with pytest.raises(ValueError, match="Could not locate class 'Transformer9'"):
        models.load_model(unknown)
    small = dagnet.Sequential([dagnet.Input(shape=(5,)), dagnet.layers.Dense(2)])
    with pytest.raises(ValueError, match="no entry|expects|has shape"):
        small.load_weights(tmp_path / "m.keras")


def test_interrupted_save_keeps_the_previous_file(tmp_path, monkeypatch):
    x, _ = data()
    model = build()
    path = tmp_path / "m.keras"
    model.save(path)
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise KeyboardInterrupt("killed mid-save")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", explode)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]  # no temporary left behind
    np.testing.assert_array_equal(models.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))


def test_nested_and_shared_models_round_trip_through_keras_files(tmp_path):
    vin = dagnet.Input(shape=(6,))
    encoder = dagnet.Model(vin, dagnet.layers.Dense(4, activation="tanh")(vin), name="encoder")
    a, b = dagnet.Input(shape=(6,), name="a"), dagnet.Input(shape=(6,), name="b")
    shared = dagnet.layers.Dense(3, name="shared")
    merged = dagnet.layers.concatenate([shared(encoder(a)), shared(encoder(b))])
    model = dagnet.Model([a, b], dagnet.layers.Dense(1, name="out")(merged))
    model.compile(optimizer="rmsprop", loss="mse")
    rng = np.random.default_rng(3)
    x = [rng.standard_normal((5, 6)).astype("float32"), rng.standard_normal((5, 6)).astype("float32")]
    model.fit(x, rng.standard_normal((5, 1)).astype("float32"), epochs=2, verbose=0)
    model.save(tmp_path / "n.keras")
    loaded = models.load_model(tmp_path / "n.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.get_layer("encoder").count_params() == 28 and loaded.count_params() == model.count_params()


def test_remaining_layer_types_round_trip(tmp_path):
    L = dagnet.layers
    a, b = dagnet.Input(shape=(8, 8, 3)), dagnet.Input(shape=(8, 8, 3))
    s = L.Subtract()([a, b])
    m = L.Multiply()([a, s])
    n = L.Minimum()([L.Add()([a, b]), m])
    p1 = L.GlobalMaxPooling2D()(L.MaxPooling2D(2)(n))
    p2 = L.GlobalAveragePooling2D()(L.AveragePooling2D(2, strides=1)(n))
    seq = dagnet.Input(shape=(6, 4))
    p3 = L.Flatten()(L.AveragePooling1D(2)(seq))
    d = L.Dot(axes=1)([p1, p2])
    out = L.Dense(1)(L.concatenate([p1, p2, p3, d]))
    model = dagnet.Model([a, b, seq], out)
    model.save(tmp_path / "r.keras")
    loaded = models.load_model(tmp_path / "r.keras")
    rng = np.random.default_rng(4)
    x = [
        rng.standard_normal((2, 8, 8, 3)).astype("float32"),
        rng.standard_normal((2, 8, 8, 3)).astype("float32"),
        rng.standard_normal((2, 6, 4)).astype("float32"),
    ]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
