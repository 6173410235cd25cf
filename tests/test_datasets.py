"""dagnet.datasets against Keras 3: tiny files in the formats of Keras's downloads
(tests/fixtures/datasets, made by tests/fixtures/make/keras3_datasets.py with what Keras's
own load_data returns on them), served from a temporary KERAS_HOME. No network: the URL
opener is replaced by one that serves fixture files or fails as an offline machine does."""

import io
import json
import os
import pickle
import shutil
import tarfile
import urllib.error

import numpy as np
import pytest

from dagnet import _get_file, datasets
from dagnet.datasets import boston_housing, california_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "datasets")
EXPECTED = np.load(os.path.join(FIXTURES, "keras_expected.npz"))
with open(os.path.join(FIXTURES, "keras_expected_sequences.json")) as _f:
    EXPECTED_SEQUENCES = json.load(_f)
KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# module -> (hash attribute, fixture file): the real Keras hashes are swapped for the fixtures'.
HASHED = [
    (mnist, "FILE_HASH", "mnist.npz"),
    (imdb, "FILE_HASH", "imdb.npz"),
    (imdb, "WORD_INDEX_HASH", "imdb_word_index.json"),
    (reuters, "FILE_HASH", "reuters.npz"),
    (reuters, "WORD_INDEX_HASH", "reuters_word_index.json"),
    (boston_housing, "FILE_HASH", "boston_housing.npz"),
    (california_housing, "FILE_HASH", "california_housing.npz"),
    (cifar10, "FILE_HASH", "cifar-10-python.tar.gz"),
    (cifar100, "FILE_HASH", "cifar-100-python.tar.gz"),
]


class _Response(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}


class Network:
    """Stands in for urlopen: serves `files` (url -> local path), fails for anything else."""

    def __init__(self):
        self.files, self.requested = {}, []

    def __call__(self, url):
        self.requested.append(url)
        if url not in self.files:
            raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
        with open(self.files[url], "rb") as f:
            return _Response(f.read())


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    for module, attribute, name in HASHED:
        algorithm = "md5" if len(getattr(module, attribute)) == 32 else "sha256"
        monkeypatch.setattr(module, attribute, _get_file.hash_file(os.path.join(FIXTURES, name), algorithm))
    return tmp_path / "keras_home"


@pytest.fixture
def network(monkeypatch):
    net = Network()
    monkeypatch.setattr(_get_file, "_open_url", net)
    return net


def cache(home, *names, as_name=None):
    """Copies fixture files into the cache as Keras lays it out (datasets/...)."""
    for name in names:
        target = home / "datasets" / (as_name or name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(FIXTURES, name), target)


def assert_same_as_keras(result, key):
    (x_train, y_train), (x_test, y_test) = result
    for part, value in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)):
        expected = EXPECTED[f"{key}__{part}"]
        assert value.dtype == expected.dtype and value.shape == expected.shape, (key, part)
        np.testing.assert_array_equal(value, expected)


def assert_sequences_as_keras(result, key):
    (x_train, y_train), (x_test, y_test) = result
    for part, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        expected = EXPECTED_SEQUENCES[key][part]
        assert list(x.shape) == expected["x_shape"] and str(x.dtype) == expected["x_dtype"], (key, part)
        assert [list(s) for s in x] == expected["x"], (key, part)
        assert str(y.dtype) == expected["y_dtype"] and y.tolist() == expected["y"], (key, part)


# ---- Files Keras already cached are used as they are, offline.
@pytest.mark.parametrize(
    "load, files, key",
    [
        (mnist.load_data, ["mnist.npz"], "mnist"),
        (fashion_mnist.load_data, [f"fashion-mnist/{n}" for n in fashion_mnist.FILES], "fashion_mnist"),
        (boston_housing.load_data, ["boston_housing.npz"], "boston"),
        (lambda: boston_housing.load_data(test_split=0.3, seed=7), ["boston_housing.npz"], "boston_split03_seed7"),
        (california_housing.load_data, ["california_housing.npz"], "california_large"),
        (
            lambda: california_housing.load_data(version="small", test_split=0.1, seed=3),
            ["california_housing.npz"],
            "california_small_split01",
        ),
    ],
)
def test_cached_files_load_offline_as_keras(home, network, load, files, key):
    cache(home, *files)
    assert_same_as_keras(load(), key)
    assert network.requested == []


@pytest.mark.parametrize(
    "dataset, case",
    [(imdb, c) for c in EXPECTED_SEQUENCES["imdb_cases"]] + [(reuters, c) for c in EXPECTED_SEQUENCES["reuters_cases"]],
)
def test_word_sequences_as_keras(home, network, dataset, case):
    name = dataset.__name__.rsplit(".", 1)[1]
    cache(home, f"{name}.npz")
    kwargs = EXPECTED_SEQUENCES[f"{name}_cases"][case]
    assert_sequences_as_keras(dataset.load_data(**kwargs), f"{name}/{case}")
    assert network.requested == []


def test_word_indices_and_label_names(home, network):
    cache(home, "imdb_word_index.json", "reuters_word_index.json")
    assert imdb.get_word_index() == EXPECTED_SEQUENCES["imdb_word_index"]
    assert reuters.get_word_index() == EXPECTED_SEQUENCES["reuters_word_index"]
    assert list(reuters.get_label_names()) == EXPECTED_SEQUENCES["reuters_label_names"]
    assert len(reuters.get_label_names()) == 46


def test_imdb_arguments(home, network):
    cache(home, "imdb.npz")
    np.testing.assert_array_equal(imdb.load_data(nb_words=12)[0][1], imdb.load_data(num_words=12)[0][1])
    assert [list(s) for s in imdb.load_data(nb_words=12)[0][0]] == [list(s) for s in imdb.load_data(num_words=12)[0][0]]
    with pytest.raises(TypeError, match="num_word"):
        imdb.load_data(num_word=12)
    with pytest.raises(ValueError, match="maxlen=2"):
        imdb.load_data(maxlen=2)


def test_argument_checks(home, network):
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1.0)
    with pytest.raises(ValueError, match="test_split"):
        california_housing.load_data(test_split=-0.1)
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")
    cache(home, "california_housing.npz")
    with pytest.raises(ValueError, match="version"):
        california_housing.load_data(version="tiny")


# ---- Downloads: Keras's URLs, Keras's cache paths.
def test_download_to_keras_cache_paths(home, network):
    for name in ("mnist.npz", "imdb.npz", "reuters_word_index.json"):
        network.files[KERAS_URL + name] = os.path.join(FIXTURES, name)
    assert_same_as_keras(mnist.load_data(), "mnist")
    assert_sequences_as_keras(imdb.load_data(), "imdb/default")
    assert reuters.get_word_index() == EXPECTED_SEQUENCES["reuters_word_index"]
    assert network.requested == [KERAS_URL + "mnist.npz", KERAS_URL + "imdb.npz", KERAS_URL + "reuters_word_index.json"]
    for name in ("mnist.npz", "imdb.npz", "reuters_word_index.json"):
        assert (home / "datasets" / name).is_file()
    assert sorted(os.listdir(home / "datasets")) == ["imdb.npz", "mnist.npz", "reuters_word_index.json"]  # no leftovers
    mnist.load_data()
    assert len(network.requested) == 3  # the second load reads the cache


def test_fashion_mnist_downloads_into_its_subfolder(home, network):
    for name in fashion_mnist.FILES:
        network.files[KERAS_URL + name] = os.path.join(FIXTURES, "fashion-mnist", name)
    assert_same_as_keras(fashion_mnist.load_data(), "fashion_mnist")
    assert sorted(os.listdir(home / "datasets" / "fashion-mnist")) == sorted(fashion_mnist.FILES)


def test_cifar100_download_and_extract_as_keras(home, network):
    network.files["https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"] = os.path.join(
        FIXTURES, "cifar-100-python.tar.gz"
    )
    assert_same_as_keras(cifar100.load_data(), "cifar100_fine")
    assert_same_as_keras(cifar100.load_data("coarse"), "cifar100_coarse")
    assert (home / "datasets" / "cifar-100-python-target_archive").is_file()
    assert (home / "datasets" / "cifar-100-python-target" / "cifar-100-python" / "train").is_file()
    assert len(network.requested) == 1


def _cifar10_batches():
    with tarfile.open(os.path.join(FIXTURES, "cifar-10-python.tar.gz")) as tar:
        return {os.path.basename(m.name): pickle.loads(tar.extractfile(m).read()) for m in tar.getmembers()}


def test_cifar10_layout(home, network):
    network.files[cifar10.ORIGIN] = os.path.join(FIXTURES, "cifar-10-python.tar.gz")
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    batches = _cifar10_batches()
    train = [batches[f"data_batch_{i}"] for i in range(1, 6)]
    data = np.concatenate([b[b"data"] for b in train])
    assert x_train.shape == (10, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8 and y_test.dtype == np.uint8
    # each row of a batch is the red plane, then green, then blue, 32x32 row-major
    for i, r, c, ch in [(0, 0, 0, 0), (3, 5, 7, 1), (9, 31, 30, 2)]:
        assert x_train[i, r, c, ch] == data[i, ch * 1024 + r * 32 + c]
    assert y_train[:, 0].tolist() == [label for b in train for label in b[b"labels"]]
    assert y_test[:, 0].tolist() == batches["test_batch"][b"labels"]
    assert x_test.shape == (3, 32, 32, 3)
    assert (home / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py" / "test_batch").is_file()


def test_cifar10_tf_keras_cache_reused(home, network):
    """tf.keras (Keras 2) extracted straight to datasets/cifar-10-batches-py/."""
    folder = home / "datasets"
    folder.mkdir(parents=True)
    with tarfile.open(os.path.join(FIXTURES, "cifar-10-python.tar.gz")) as tar:
        tar.extractall(folder)
    (x_train, _), _ = cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and network.requested == []


# ---- Failures say what happened and what to do.
def test_missing_file_offline_names_url_and_cache_path(home, network):
    with pytest.raises(OSError) as info:
        mnist.load_data()
    message = str(info.value)
    assert KERAS_URL + "mnist.npz" in message and str(home / "datasets" / "mnist.npz") in message
    assert "name resolution" in message
    assert not (home / "datasets" / "mnist.npz").exists()


def test_corrupt_cached_file_is_downloaded_again(home, network, monkeypatch):
    (home / "datasets").mkdir(parents=True)
    (home / "datasets" / "mnist.npz").write_bytes(b"truncated")
    with pytest.raises(OSError, match="URL fetch failure"):
        mnist.load_data()  # offline: the bad copy is not used
    network.files[mnist.ORIGIN] = os.path.join(FIXTURES, "mnist.npz")
    assert_same_as_keras(mnist.load_data(), "mnist")


def test_download_with_wrong_hash_is_refused(home, network, monkeypatch):
    monkeypatch.setattr(mnist, "FILE_HASH", "0" * 64)
    network.files[mnist.ORIGIN] = os.path.join(FIXTURES, "mnist.npz")
    with pytest.raises(ValueError, match="hash does not match"):
        mnist.load_data()
    assert not (home / "datasets" / "mnist.npz").exists()


def test_default_cache_is_home_dot_keras(tmp_path, monkeypatch, network):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert _get_file.keras_home() == str(tmp_path / ".keras")
    network.files["https://example.org/data/x.txt"] = os.path.join(FIXTURES, "imdb_word_index.json")
    path = _get_file.get_file(origin="https://example.org/data/x.txt")
    assert path == str(tmp_path / ".keras" / "datasets" / "x.txt")


def test_get_file_options(tmp_path, network):
    network.files["https://example.org/a.json"] = os.path.join(FIXTURES, "imdb_word_index.json")
    md5 = _get_file.hash_file(os.path.join(FIXTURES, "imdb_word_index.json"), "md5")
    path = _get_file.get_file(
        "b.json", "https://example.org/a.json", md5_hash=md5, cache_dir=tmp_path, cache_subdir="sub"
    )
    assert path == str(tmp_path / "sub" / "b.json") and _get_file.validate_file(path, md5)
    _get_file.get_file(
        "b.json", "https://example.org/a.json", cache_dir=tmp_path, cache_subdir="sub", force_download=True
    )
    assert len(network.requested) == 2
    with pytest.raises(ValueError, match="cache_dir"):
        _get_file.get_file(os.path.join("x", "y.json"), "https://example.org/a.json", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="origin"):
        _get_file.get_file("y.json", cache_dir=tmp_path)


# ---- Dataset files never run code.
class _Evil:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_npz_with_code_is_refused(home, network, capsys, monkeypatch):
    (home / "datasets").mkdir(parents=True)
    evil = np.empty(2, dtype=object)
    evil[:] = [[1, 2], _Evil()]
    np.savez(home / "datasets" / "imdb.npz", x_train=evil, y_train=np.zeros(2), x_test=evil, y_test=np.zeros(2))
    monkeypatch.setattr(imdb, "FILE_HASH", _get_file.hash_file(home / "datasets" / "imdb.npz"))
    with pytest.raises(pickle.UnpicklingError, match="builtins.print"):
        imdb.load_data()
    assert "must never run" not in capsys.readouterr().out


def test_archive_escaping_its_folder_is_refused(tmp_path, network):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        data = b"owned"
        info = tarfile.TarInfo("../escaped.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    network.files["https://example.org/evil.tar.gz"] = str(archive)
    with pytest.raises(ValueError, match="outside"):
        _get_file.get_file("evil", "https://example.org/evil.tar.gz", extract=True, cache_dir=tmp_path / "c")
    assert not (tmp_path / "c" / "escaped.txt").exists() and not (tmp_path / "escaped.txt").exists()


def test_package_lists_every_dataset():
    assert sorted(datasets.__all__) == [
        "boston_housing",
        "california_housing",
        "cifar10",
        "cifar100",
        "fashion_mnist",
        "imdb",
        "mnist",
        "reuters",
    ]
