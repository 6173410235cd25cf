"""The data preprocessing layers in models: the numeric ones build graph nodes that compute
what their NumPy path computes (and survive a .keras round trip), the string ones refuse a
symbolic tensor with a message naming the layer, bad arguments raise Keras's errors, and a
keras-io style text classifier (adapt, vectorize, Embedding + Conv1D + GlobalMaxPool) trains."""

import os
import zipfile

import numpy as np
import pytest

import dagnet as keras
from dagnet.saving import keras_file

INTS = np.array([[0, 2, 2], [4, 1, 1], [3, 3, 0]], dtype="int64")
FLOATS = np.array([[-1.5, -0.2, 0.0], [0.3, 1.0, 2.5]], dtype="float32")


def _model(layer, shape, dtype):
    x = keras.Input(shape, dtype=dtype)
    return keras.Model(x, layer(x))


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_category_encoding_graph_matches_numpy(mode):
    layer = keras.layers.CategoryEncoding(5, output_mode=mode)
    data = INTS[:, :1] if mode == "one_hot" else INTS
    got = _model(layer, data.shape[1:], "int64").predict(data, verbose=0)
    np.testing.assert_array_equal(got, layer(data))


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_graph_matches_numpy(mode):
    layer = keras.layers.Discretization(bin_boundaries=[-1.0, 0.0, 1.0], output_mode=mode)
    got = _model(layer, (3,), "float32").predict(FLOATS, verbose=0)
    np.testing.assert_array_equal(got, layer(FLOATS))


@pytest.mark.parametrize(
    "kwargs", [{}, {"mask_token": 0}, {"output_mode": "multi_hot"}, {"output_mode": "count", "mask_token": 0}]
)
def test_integer_lookup_graph_matches_numpy(kwargs):
    layer = keras.layers.IntegerLookup(**kwargs)
    layer.adapt([3, 7, 7, 1, 0, 12, 3])
    data = np.array([[3, 7, 100, 0], [12, 5, -4, 1]], dtype="int64")
    got = _model(layer, (4,), "int64").predict(data, verbose=0)
    np.testing.assert_array_equal(got, layer(data))


@pytest.mark.parametrize(
    "make",
    [
        lambda: keras.layers.TextVectorization(),
        lambda: keras.layers.StringLookup(vocabulary=["a"]),
        lambda: keras.layers.Hashing(num_bins=3),
        lambda: keras.layers.IntegerLookup(vocabulary=[1, 2], invert=True),
    ],
)
def test_data_only_layers_refuse_symbolic_tensors(make):
    layer = make()
    with pytest.raises(TypeError, match=f"{type(layer).__name__}.*data"):
        layer(keras.Input((1,), dtype="int64"))


def test_keras_argument_errors():
    with pytest.raises(ValueError, match="`output_sequence_length` must not be set"):
        keras.layers.TextVectorization(output_mode="multi_hot", output_sequence_length=3)
    with pytest.raises(ValueError, match="must be either None or an integer"):
        keras.layers.TextVectorization(output_sequence_length=2.5)
    with pytest.raises(ValueError, match="Unkown value for `standardize`"):
        keras.layers.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="`ngrams` must be None"):
        keras.layers.TextVectorization(ngrams=[1, 2])
    with pytest.raises(ValueError, match="`output_mode` must be `'int'` when `invert` is true"):
        keras.layers.StringLookup(invert=True, output_mode="multi_hot")
    with pytest.raises(ValueError, match="idf_weights"):
        keras.layers.StringLookup(vocabulary=["a"], output_mode="tf_idf")
    with pytest.raises(ValueError, match="repeated term"):
        keras.layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="num_tokens must be set"):
        keras.layers.CategoryEncoding()
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        keras.layers.Discretization()
    with pytest.raises(ValueError, match="num_bins"):
        keras.layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="all inputs should be in vocabulary"):
        keras.layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(np.array(["a", "b"]))
    with pytest.raises(RuntimeError, match="must set the layer's vocabulary"):
        keras.layers.StringLookup(output_mode="multi_hot")(np.array(["a"]))


def test_numeric_preprocessing_model_saves(tmp_path):
    x = keras.Input((3,), dtype="int64")
    f = keras.Input((3,))
    lookup = keras.layers.IntegerLookup(vocabulary=[12, 3, 7], output_mode="multi_hot")
    merged = keras.layers.Concatenate()(
        [
            keras.layers.CategoryEncoding(5, output_mode="count")(x),
            keras.layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot")(f)[:, 0],
            keras.ops.cast(lookup(x), "float32"),
        ]
    )
    model = keras.Model([x, f], keras.layers.Dense(2)(merged))
    data = [INTS[:2], FLOATS]
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), rtol=1e-6)


def test_text_classification_script_runs():
    rng = np.random.default_rng(0)
    words = ["good", "great", "fun", "bad", "awful", "boring", "the", "movie", "was", "plot"]
    texts, labels = [], []
    for _ in range(64):
        label = int(rng.integers(2))
        pool = words[:3] if label else words[3:6]
        texts.append(" ".join(rng.choice(pool + words[6:], size=8)) + "!")
        labels.append(label)
    vectorize_layer = keras.layers.TextVectorization(max_tokens=20, output_mode="int", output_sequence_length=10)
    vectorize_layer.adapt(texts)
    x = vectorize_layer(np.array(texts)[:, None])
    assert x.shape == (64, 10) and x.dtype == np.int64
    inputs = keras.Input(shape=(None,), dtype="int64")
    h = keras.layers.Embedding(20, 8)(inputs)
    h = keras.layers.Conv1D(8, 3, padding="valid", activation="relu")(h)
    h = keras.layers.GlobalMaxPooling1D()(h)
    outputs = keras.layers.Dense(1, activation="sigmoid")(h)
    model = keras.Model(inputs, outputs)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x, np.array(labels, "float32"), batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_loads_keras_model_with_adapted_lookup(tmp_path):
    """Keras's .keras keeps an adapted IntegerLookup's vocabulary in assets/; dagnet reads it
    (and writes it back the same way)."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "keras3_text")
    data = np.load(os.path.join(here, "numeric_model.npz"))
    model = keras.models.load_model(os.path.join(here, "numeric_model.keras"))
    inputs = [data["ints"], data["floats"]]
    np.testing.assert_allclose(model.predict(inputs, verbose=0), data["y"], rtol=1e-5, atol=1e-6)
    path = str(tmp_path / "again.keras")
    model.save(path)
    member = "assets/layers/integer_lookup/vocabulary.txt"
    with zipfile.ZipFile(path) as ours, zipfile.ZipFile(os.path.join(here, "numeric_model.keras")) as theirs:
        assert ours.read(member) == theirs.read(member)
    again = keras.models.load_model(path)
    np.testing.assert_allclose(again.predict(inputs, verbose=0), data["y"], rtol=1e-5, atol=1e-6)


def test_scalars_bytes_and_lists_as_keras():
    text = keras.layers.TextVectorization(vocabulary=["a", "b"])
    np.testing.assert_array_equal(text("a b c"), [2, 3, 1])  # one string: one sequence
    np.testing.assert_array_equal(text(np.array([b"A b!", b"c"])), [[2, 3], [1, 0]])
    lookup = keras.layers.StringLookup(vocabulary=["a", "b"])
    assert lookup("a") == 1
    np.testing.assert_array_equal(lookup([[b"b"], ["zz"]]), [[2], [0]])
    np.testing.assert_array_equal(keras.layers.Hashing(5)(np.array([1.5, 2.0])), [4, 4])


def test_string_input_explains_the_data_pipeline():
    with pytest.raises(TypeError, match="runs on the data pipeline"):
        keras.Input(shape=(1,), dtype="string")


@keras.saving.register_keras_serializable(package="text_layers_test")
def _upper(strings):
    return np.char.upper(strings)


def test_callable_standardize_round_trips_as_keras_writes_it():
    layer = keras.layers.TextVectorization(standardize=_upper, vocabulary=["A", "B"])
    np.testing.assert_array_equal(layer(["a b c"]), [[2, 3, 1]])
    config = keras.saving.serialize_keras_object(layer)
    assert config["config"]["standardize"] == {
        "module": "builtins",
        "class_name": "function",
        "config": "text_layers_test>_upper",
        "registered_name": "function",
    }
    clone = keras.saving.deserialize_keras_object(config)
    np.testing.assert_array_equal(clone(["a b c"]), [[2, 3, 1]])


def test_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("b\na\n", encoding="utf-8")
    layer = keras.layers.StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]", "b", "a"]
    assert layer.get_config()["vocabulary"] is None  # as Keras: a file is saved as an asset
    assert layer._asset_files() == {"vocabulary.txt": b"[UNK]\nb\na"}


class _TextBatches(keras.utils.PyDataset):
    """(text, label) batches, as a text dataset yields them."""

    def __init__(self, texts):
        super().__init__()
        self.texts = texts

    def __len__(self):
        return 3

    def __getitem__(self, i):
        batch = np.array(self.texts[2 * i : 2 * i + 2])
        return batch, np.zeros(len(batch))


def test_adapt_on_a_dataset_of_pairs_and_map_over_batches():
    texts = ["b a", "a c", "a", "c d", "b", "e"]
    layer = keras.layers.TextVectorization()
    layer.adapt(_TextBatches(texts), steps=2)  # the texts of the first two batches
    assert layer.get_vocabulary() == ["", "[UNK]", "a", "c", "d", "b"]  # ties: high to low
    mapped = [(layer(x), y) for x, y in (_TextBatches(texts)[i] for i in range(3))]
    np.testing.assert_array_equal(mapped[0][0], [[5, 2], [2, 3]])
    np.testing.assert_array_equal(mapped[2][0], [[5], [1]])


def test_model_with_vocabulary_asset_and_large_weights_loads(tmp_path):
    """Loading builds a model with assets twice; each build has the whole weights budget (the
    17.6 MB kernel fits the file's budget once, not twice)."""
    lookup = keras.layers.IntegerLookup(output_mode="multi_hot")
    lookup.adapt(np.arange(2099))
    x = keras.Input((4,), dtype="int64")
    model = keras.Model(x, keras.layers.Dense(2100)(keras.ops.cast(lookup(x), "float32")))
    path = str(tmp_path / "big.keras")
    model.save(path)
    data = np.array([[1, 2, 3, 900]])
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), rtol=1e-6)


def _model_with_vocabulary_asset(tmp_path):
    x = keras.Input((3,), dtype="int64")
    lookup = keras.layers.IntegerLookup(output_mode="multi_hot")
    lookup.adapt(np.array([[12, 3, 7], [3, 3, 12]]))
    model = keras.Model(x, keras.layers.Dense(2)(keras.ops.cast(lookup(x), "float32")))
    path = str(tmp_path / "lookup.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert any(n.startswith("assets/") for n in archive.namelist())
    return model, path


def test_assets_no_layer_owns_are_never_inflated(tmp_path, monkeypatch):
    """A crafted archive's extra assets/ members cost nothing: only the files in a layer's
    own folder are read."""
    model, path = _model_with_vocabulary_asset(tmp_path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("assets/nobody/bomb.txt", b"0" * 4096)
    read = []
    real = keras_file.read_member
    monkeypatch.setattr(keras_file, "read_member", lambda a, name, *rest: read.append(name) or real(a, name, *rest))
    loaded = keras.models.load_model(path)
    assert "assets/nobody/bomb.txt" not in read and any(n.startswith("assets/") for n in read)
    np.testing.assert_allclose(loaded.predict(INTS[:2], verbose=0), model.predict(INTS[:2], verbose=0), rtol=1e-6)


def test_assets_beyond_the_total_limit_are_refused(tmp_path, monkeypatch):
    _, path = _model_with_vocabulary_asset(tmp_path)
    monkeypatch.setattr(keras_file, "MAX_ASSET_BYTES", 4)
    with pytest.raises(ValueError, match="assets the model's layers read declare more than 4 bytes"):
        keras.models.load_model(path)
