"""keras.utils.image_dataset_from_directory / text_dataset_from_directory / split_dataset
on temporary trees of small generated files: Keras's class inference, file order, splits,
label modes, shapes and dtypes; fit reads the result."""

import os
import sys

import numpy as np
import pytest

import dagnet as keras


@pytest.fixture
def text_tree(tmp_path):
    for cls, word in (("neg", "bad"), ("pos", "good")):
        os.makedirs(tmp_path / cls / "nested")
        for i in range(6):
            (tmp_path / cls / f"{i}.txt").write_text(f"{word} " * (i + 1))
        (tmp_path / cls / "nested" / "deep.txt").write_text(f"{word} deep")
        (tmp_path / cls / "notes.md").write_text("not a sample")
    os.makedirs(tmp_path / ".hidden")
    (tmp_path / ".hidden" / "x.txt").write_text("hidden class")
    return str(tmp_path)


@pytest.fixture
def image_tree(tmp_path):
    image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    for c, cls in enumerate(("cats", "dogs", "owls")):
        os.makedirs(tmp_path / cls)
        for i in range(5):
            pixels = np.full((12 + i, 20, 3), 40 * (c + 1), dtype=np.uint8)
            pixels[0, 0] = rng.integers(0, 255, 3)
            image.fromarray(pixels).save(tmp_path / cls / f"{i}.{'png' if i % 2 else 'jpg'}", quality=100)
    return str(tmp_path)


def test_text_classes_inferred_sorted_and_nested_files_found(text_tree):
    ds = keras.utils.text_dataset_from_directory(text_tree, batch_size=4, shuffle=False, verbose=False)
    assert ds.class_names == ["neg", "pos"] and len(ds) == 4  # 7 files per class, hidden dirs skipped
    texts, labels = zip(*((x, y) for batch in ds for x, y in zip(*batch)))
    assert labels == (0,) * 7 + (1,) * 7 and all(isinstance(t, np.str_) for t in texts)
    assert texts[0] == "bad " and texts[6] == "bad deep"  # sorted by walk: the nested directory last
    x, y = next(iter(ds))
    assert x.dtype.kind == "U" and x.shape == (4,) and y.dtype == np.int32 and y.shape == (4,)


def test_a_link_cycle_is_walked_once(text_tree):
    """follow_links=True with a link back to its own class folder: each file is listed once."""
    os.symlink(os.path.join(text_tree, "pos"), os.path.join(text_tree, "pos", "nested", "loop"))
    ds = keras.utils.text_dataset_from_directory(
        text_tree, batch_size=None, shuffle=False, follow_links=True, verbose=False
    )
    labels = [int(y) for _, y in ds]
    assert labels == [0] * 7 + [1] * 7


def test_text_label_modes_class_names_and_max_length(text_tree):
    ds = keras.utils.text_dataset_from_directory(
        text_tree, label_mode="categorical", class_names=["pos", "neg"], max_length=6, shuffle=False, verbose=False
    )
    x, y = next(iter(ds))
    assert y.dtype == np.float32 and y.shape == (14, 2) and y[0].tolist() == [1.0, 0.0]  # pos first, as asked
    assert max(len(t) for t in x) == 6 and x[0] == "good "
    binary = keras.utils.text_dataset_from_directory(text_tree, label_mode="binary", verbose=False, seed=1)
    _, yb = next(iter(binary))
    assert yb.shape == (14, 1) and yb.dtype == np.float32 and set(yb.ravel()) == {0.0, 1.0}
    only_x = next(iter(keras.utils.text_dataset_from_directory(text_tree, labels=None, verbose=False, seed=1)))
    assert isinstance(only_x, np.ndarray) and only_x.shape == (15,)  # no classes: every .txt under the root
    unbatched = keras.utils.text_dataset_from_directory(text_tree, batch_size=None, shuffle=False, verbose=False)
    assert len(unbatched) == 14 and next(iter(unbatched))[0] == "bad "


def test_explicit_labels_follow_the_file_order(text_tree):
    labels = list(range(15))  # explicit labels: every .txt under the root (the hidden directory's too), as Keras
    ds = keras.utils.text_dataset_from_directory(text_tree, labels=labels, shuffle=False, verbose=False)
    assert ds.class_names == [str(i) for i in range(15)]
    assert next(iter(ds))[1].tolist() == labels
    with pytest.raises(ValueError, match="lengths of `labels` to match"):
        keras.utils.text_dataset_from_directory(text_tree, labels=[0, 1], verbose=False)


def test_splits_are_disjoint_complete_and_reproducible(text_tree):
    def split(subset, seed=5):
        return keras.utils.text_dataset_from_directory(
            text_tree, validation_split=0.25, subset=subset, seed=seed, verbose=False
        )

    train, val = split("both")
    assert len(train.file_paths) == 11 and len(val.file_paths) == 3  # int(0.25 * 14) validate
    assert set(train.file_paths).isdisjoint(val.file_paths) and len(set(train.file_paths + val.file_paths)) == 14
    assert split("training").file_paths == train.file_paths and split("validation").file_paths == val.file_paths
    assert split("training", seed=6).file_paths != train.file_paths
    # the training split is reshuffled every epoch, the same way for the same seed
    epochs = [[t for batch in train for t in batch[0]] for _ in range(2)]
    assert sorted(epochs[0]) == sorted(epochs[1]) and epochs[0] != epochs[1]
    assert [t for batch in split("both")[0] for t in batch[0]] == epochs[0]


def test_batch_size_must_be_positive(text_tree):
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="Batch size must be greater than zero"):
            keras.utils.text_dataset_from_directory(text_tree, batch_size=bad, verbose=False)


def test_keras_argument_errors(text_tree):
    load = keras.utils.text_dataset_from_directory
    with pytest.raises(ValueError, match="you must provide a `seed`"):
        load(text_tree, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="`validation_split` must be set"):
        load(text_tree, subset="training", seed=1)
    with pytest.raises(ValueError, match="`subset` must be either"):
        load(text_tree, validation_split=0.2, subset="test", seed=1)
    with pytest.raises(ValueError, match="`label_mode` argument must be one of"):
        load(text_tree, label_mode="sparse")
    with pytest.raises(ValueError, match="did not match the names of the subdirectories"):
        load(text_tree, class_names=["neg", "maybe"])
    with pytest.raises(ValueError, match="`labels` argument should be a list/tuple"):
        load(text_tree, labels="folders")
    with pytest.raises(ValueError, match="No text files found"):
        load(text_tree + "/neg/nested", labels=None, validation_split=0.5, subset="validation", seed=1, verbose=False)


def test_images_as_keras(image_tree):
    ds = keras.utils.image_dataset_from_directory(image_tree, image_size=(8, 10), batch_size=4, seed=2, verbose=False)
    assert ds.class_names == ["cats", "dogs", "owls"] and len(ds) == 4
    x, y = next(iter(ds))
    assert x.shape == (4, 8, 10, 3) and x.dtype == np.float32 and y.dtype == np.int32
    # each class is one flat colour (40, 80, 120): the resized pixels away from the corner keep it
    np.testing.assert_allclose(x[:, 4, 5, 0], 40.0 * (y + 1), atol=2.0)
    gray = keras.utils.image_dataset_from_directory(
        image_tree, color_mode="grayscale", image_size=6, label_mode="categorical", shuffle=False, verbose=False
    )
    xg, yg = next(iter(gray))
    assert xg.shape == (15, 6, 6, 1) and yg.shape == (15, 3) and yg[0].tolist() == [1.0, 0.0, 0.0]
    for flag in ("crop_to_aspect_ratio", "pad_to_aspect_ratio"):
        xc, _ = next(
            iter(
                keras.utils.image_dataset_from_directory(
                    image_tree,
                    image_size=(10, 10),
                    interpolation="nearest",
                    shuffle=False,
                    verbose=False,
                    **{flag: True},
                )
            )
        )
        assert xc.shape == (15, 10, 10, 3)
        if flag == "pad_to_aspect_ratio":  # 12x20 padded to 20x20: black bands at the top and bottom
            assert xc[0, 0, 5, 0] == 0.0 and xc[0, 5, 5, 0] == pytest.approx(40.0, abs=2)
        else:
            assert xc[0, 0, 5, 0] == pytest.approx(40.0, abs=2)
    first = keras.utils.image_dataset_from_directory(
        image_tree, image_size=(4, 4), data_format="channels_first", shuffle=False, verbose=False
    )
    assert next(iter(first))[0].shape == (15, 3, 4, 4)
    with pytest.raises(ValueError, match="exactly 2 class_names"):
        keras.utils.image_dataset_from_directory(image_tree, label_mode="binary", verbose=False)
    with pytest.raises(ValueError, match="`interpolation` should be one of"):
        keras.utils.image_dataset_from_directory(image_tree, interpolation="cubic", verbose=False)


def test_fit_one_epoch_on_an_image_directory(image_tree):
    train, val = keras.utils.image_dataset_from_directory(
        image_tree, image_size=(8, 8), batch_size=4, validation_split=0.2, subset="both", seed=0, verbose=False
    )
    inputs = keras.Input((8, 8, 3))
    h = keras.layers.Flatten()(keras.layers.Rescaling(1 / 255)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(h))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train.map(lambda x, y: (x, y)).cache().prefetch(-1), validation_data=val, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert model.predict(val, verbose=0).shape == (3, 3)


def test_fit_one_epoch_on_a_text_directory(text_tree):
    ds = keras.utils.text_dataset_from_directory(text_tree, batch_size=4, seed=0, verbose=False)
    lengths = ds.map(lambda x, y: (np.array([[len(t)] for t in x], "float32"), y))
    inputs = keras.Input((1,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert len(model.fit(lengths, epochs=1, verbose=0).history["loss"]) == 1


def test_images_need_pillow(image_tree, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install pillow"):
        keras.utils.image_dataset_from_directory(image_tree, verbose=False)


def test_split_dataset_as_keras():
    left, right = keras.utils.split_dataset((np.arange(10), np.arange(10) * 2), left_size=0.7, shuffle=True, seed=3)
    left_items = [tuple(int(v) for v in e) for e in left]
    # Keras 3.15 gives this order for seed 3 (Python's random.shuffle)
    assert left_items == [(1, 2), (5, 10), (6, 12), (0, 0), (9, 18), (4, 8), (7, 14)] and len(right) == 3
    assert {a for a, _ in left_items}.isdisjoint(int(a) for a, _ in right)
    a, b = keras.utils.split_dataset(np.arange(10), right_size=2)
    assert [int(v) for v in a] == list(range(8)) and [int(v) for v in b] == [8, 9]
    batched = keras.utils.split_dataset(keras.utils.split_dataset(np.arange(6), left_size=5)[0].batch(2), left_size=2)
    assert [int(v) for v in batched[1]] == [2, 3, 4]  # a batched dataset is split by samples
    with pytest.raises(ValueError, match="At least one of the `left_size` or `right_size`"):
        keras.utils.split_dataset(np.arange(4))
    with pytest.raises(ValueError, match="`left_size` should be either a positive integer"):
        keras.utils.split_dataset(np.arange(4), left_size=4)


def test_utils_public_names_are_keras_names_only():
    public = {n for n in dir(keras.utils) if not n.startswith("_")}
    assert public == set(keras.utils.__all__)
    assert not public & {"np", "random", "Any", "annotations", "TensorLike", "InputLayer"}
    assert {"image_dataset_from_directory", "text_dataset_from_directory", "split_dataset"} <= public


def test_keras_preprocessing_offers_the_loaders_too():
    assert keras.preprocessing.image_dataset_from_directory is keras.utils.image_dataset_from_directory
    assert keras.preprocessing.text_dataset_from_directory is keras.utils.text_dataset_from_directory
    assert keras.preprocessing.timeseries_dataset_from_array is keras.utils.timeseries_dataset_from_array
