"""Saved files cannot make dagnet allocate what they declare (issue 15, item 7): a `.keras`
archive's members are checked against limits (the weights against what the model can need)
before inflating, and each HDF5 dataset's declared shape against the variable or optimizer slot
it fills before reading. Each test builds its crafted file and measures the peak of Python-
tracked allocations (NumPy's buffers included) while the load fails."""

import io
import json
import struct
import tracemalloc
import zipfile
import zlib

import h5py
import numpy as np
import pytest

from dagnet import Input, Model, layers, models

PEAK_LIMIT = 64 * 2**20  # generous: the refused files declare gigabytes


def _model(compiled=False):
    x = Input(shape=(4,))
    model = Model(x, layers.Dense(3, name="d")(x))
    if compiled:
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.ones((8, 4), "float32"), np.ones((8, 3), "float32"), epochs=1, verbose=0)
    return model


def _peak_while_failing(load, match):
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=match):
            load()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _rewrite_archive(path, **members):
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    contents.update(members)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def _write_zip(path, members):
    """A zip written by hand, so a member can declare any size: members are
    (name, deflated bytes, crc32, declared uncompressed size)."""
    out, directory = bytearray(), bytearray()
    for name, deflated, crc, declared in members:
        offset, encoded = len(out), name.encode()
        sizes = struct.pack("<III", crc, len(deflated), declared)
        out += b"PK\x03\x04" + struct.pack("<HHHHH", 20, 0, 8, 0, 0) + sizes + struct.pack("<HH", len(encoded), 0)
        out += encoded + deflated
        directory += b"PK\x01\x02" + struct.pack("<HHHHHH", 20, 20, 0, 8, 0, 0) + sizes
        directory += struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    count = len(members)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, count, count, len(directory), len(out), 0)
    path.write_bytes(bytes(out + directory + end))


def _deflate(data):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _member(name, data, declared=None):
    return (name, _deflate(data), zlib.crc32(data), len(data) if declared is None else declared)


def _members_of(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_weights_member_declaring_gigabytes_is_refused_before_inflating(tmp_path):
    saved = tmp_path / "m.keras"
    _model().save(saved)
    contents = _members_of(saved)
    path = tmp_path / "bomb.keras"
    _write_zip(
        path,
        [
            _member("config.json", contents["config.json"]),
            _member("model.weights.h5", contents["model.weights.h5"], declared=4_000_000_000),
        ],
    )
    peak = _peak_while_failing(lambda: models.load_model(path), "declares 4000000000 bytes")
    assert peak < PEAK_LIMIT
    model = _model()
    _peak_while_failing(lambda: model.load_weights(path), "declares 4000000000 bytes")


def test_member_inflating_past_its_declared_size_stops_there(tmp_path):
    # A real deflate bomb (128 MiB of zeros in ~128 KB) whose header declares 1 MiB: zipfile
    # inflates no further than declared, and the CRC check fails.
    saved = tmp_path / "m.keras"
    _model().save(saved)
    bomb = bytes(128 * 2**20)
    path = tmp_path / "liar.keras"
    _write_zip(
        path,
        [
            _member("config.json", _members_of(saved)["config.json"]),
            ("model.weights.h5", _deflate(bomb), zlib.crc32(bomb), 2**20),
        ],
    )
    del bomb
    assert path.stat().st_size < 1_000_000
    peak = _peak_while_failing(lambda: models.load_model(path), "corrupt")
    assert peak < PEAK_LIMIT


def test_config_member_is_limited(tmp_path):
    saved = tmp_path / "m.keras"
    _model().save(saved)
    contents = _members_of(saved)
    path = tmp_path / "config.keras"
    _write_zip(
        path,
        [
            _member("config.json", contents["config.json"], declared=3_000_000_000),
            _member("model.weights.h5", contents["model.weights.h5"]),
        ],
    )
    _peak_while_failing(lambda: models.load_model(path), "config.json declares")


def _keras_with_weights(tmp_path, edit):
    """A .keras file whose model.weights.h5 is rewritten by `edit(h5 file)`."""
    path = tmp_path / "edited.keras"
    _model(compiled=True).save(path)
    with zipfile.ZipFile(path) as archive:
        weights = io.BytesIO(archive.read("model.weights.h5"))
    with h5py.File(weights, "r+") as f:
        edit(f)
    _rewrite_archive(path, **{"model.weights.h5": weights.getvalue()})
    return path


def _declare(group, name, shape, dtype="float32"):
    del group[name]
    group.create_dataset(name, shape=shape, dtype=dtype)  # declared only: no bytes written


def test_optimizer_slot_declaring_gigabytes_is_refused_before_reading(tmp_path):
    path = _keras_with_weights(tmp_path, lambda f: _declare(f["optimizer/vars"], "2", (1_250_000_000,)))
    assert path.stat().st_size < 200_000
    peak = _peak_while_failing(lambda: models.load_model(path), "matches no trainable weight")
    assert peak < PEAK_LIMIT


def test_variable_declaring_gigabytes_is_refused_before_reading(tmp_path):
    path = _keras_with_weights(tmp_path, lambda f: _declare(f["layers/dense/vars"], "0", (50_000, 50_000)))
    peak = _peak_while_failing(lambda: models.load_model(path), r"holds shape \(50000, 50000\)")
    assert peak < PEAK_LIMIT


def test_weights_file_on_disk_is_checked_too(tmp_path):
    model = _model()
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r+") as f:
        _declare(f["layers/dense/vars"], "1", (1_000_000_000,))
    peak = _peak_while_failing(lambda: model.load_weights(path), r"holds shape \(1000000000,\)")
    assert peak < PEAK_LIMIT


@pytest.mark.parametrize("dtype", [h5py.string_dtype(), "S8", np.dtype([("a", "f4"), ("b", "i4")])])
def test_non_numeric_datasets_are_refused(tmp_path, dtype):
    path = _keras_with_weights(tmp_path, lambda f: _declare(f["layers/dense/vars"], "1", (3,), dtype))
    with pytest.raises(ValueError, match="not a numeric type"):
        models.load_model(path)


def test_too_many_optimizer_variables_are_refused(tmp_path):
    def add_many(f):
        group = f["optimizer/vars"]
        for i in range(len(group), 40):
            group.create_dataset(str(i), data=np.zeros(()))

    path = _keras_with_weights(tmp_path, add_many)
    with pytest.raises(ValueError, match="more than this model's optimizer can have"):
        models.load_model(path)


def test_legacy_h5_datasets_are_checked_before_reading(tmp_path):
    path = tmp_path / "m.h5"
    with pytest.warns(UserWarning):
        _model(compiled=True).save(path)
    with h5py.File(path, "r+") as f:
        group = f["model_weights/d"]
        name = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]][0]
        del group[name]
        group.create_dataset(name, shape=(40_000, 40_000), dtype="float32")
    peak = _peak_while_failing(lambda: models.load_model(path), r"holds shape \(40000, 40000\)")
    assert peak < PEAK_LIMIT
    with h5py.File(path, "r+") as f:
        del f["model_weights/d"][name]
        f["model_weights/d"].create_dataset(name, data=np.zeros((4, 3), "float32"))
        optimizer = f["optimizer_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in optimizer.attrs["weight_names"]]
        del optimizer[names[-1]]
        optimizer.create_dataset(names[-1], shape=(2_000_000_000,), dtype="float32")
    peak = _peak_while_failing(lambda: models.load_model(path), "matches no trainable weight")
    assert peak < PEAK_LIMIT


def test_valid_files_still_load(tmp_path):
    model = _model(compiled=True)
    model.save(tmp_path / "ok.keras")
    rebuilt = models.load_model(tmp_path / "ok.keras")
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0))
    config = json.loads(zipfile.ZipFile(tmp_path / "ok.keras").read("config.json"))
    assert config["class_name"] == "Functional"


def test_config_declaring_huge_layers_is_refused_before_building_them(tmp_path):
    # A few hundred bytes of config.json can declare a 16 GB Dense kernel; the weights file
    # must hold every value, so the config may declare no more than that file can hold.
    saved = tmp_path / "m.keras"
    _model().save(saved)
    contents = _members_of(saved)
    config = json.loads(contents["config.json"])
    dense = next(layer for layer in config["config"]["layers"] if layer["class_name"] == "Dense")
    dense["config"]["units"] = 10**9
    path = tmp_path / "huge.keras"
    _write_zip(
        path,
        [
            _member("config.json", json.dumps(config).encode()),
            _member("model.weights.h5", contents["model.weights.h5"]),
        ],
    )
    peak = _peak_while_failing(lambda: models.load_model(path), "beyond what the file's weights can hold")
    assert peak < PEAK_LIMIT

    h5_path = tmp_path / "huge.h5"
    with pytest.warns(UserWarning):
        _model().save(h5_path)
    with h5py.File(h5_path, "r+") as f:
        model_config = json.loads(f.attrs["model_config"])
        dense = next(layer for layer in model_config["config"]["layers"] if layer["class_name"] == "Dense")
        dense["config"]["units"] = 10**9
        f.attrs["model_config"] = json.dumps(model_config)
    peak = _peak_while_failing(lambda: models.load_model(h5_path), "beyond what the file's weights can hold")
    assert peak < PEAK_LIMIT


def test_attributes_are_size_checked_before_reading(tmp_path):
    # h5py fills an array of an attribute's declared shape before reading it; a damaged header
    # declaring a huge dataspace hung the loader (found by the property suite).
    from dagnet.saving.bounded_read import read_attribute

    path = tmp_path / "m.h5"
    with pytest.warns(UserWarning):
        _model().save(path)
    with h5py.File(path, "r") as f:
        assert json.loads(read_attribute(f, "model_config"))["class_name"] == "Functional"
        assert read_attribute(f, "absent", default=7) == 7
        assert len(read_attribute(f["model_weights"], "layer_names")) == 2
        with pytest.raises(ValueError, match="attribute 'layer_names' declares shape"):
            read_attribute(f["model_weights"], "layer_names", limit=1)
