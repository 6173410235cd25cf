"""What the property-based suite (test_property_robustness.py) found, one regression test each."""

import json
import zipfile

import numpy as np
import pytest

from dagnet import Input, Model, layers, models


def test_calling_a_model_with_an_unused_input():
    # Was: ValueError "expected 1 input(s), got 2" from the executor (the unused input is not in
    # the lowered graph), while predict() worked.
    a, b = Input(shape=(1,)), Input(shape=(1,))
    model = Model([a, b], layers.Activation("relu")(a))
    x = [np.full((2, 1), -1.0, "float32"), np.ones((2, 1), "float32")]
    np.testing.assert_array_equal(model(x), np.zeros((2, 1)))
    assert np.asarray(model([np.ones((0, 1), "float32")] * 2)).shape == (0, 1)


@pytest.mark.parametrize("merge", [layers.Add, layers.Subtract, layers.Multiply, layers.Maximum, layers.Average])
def test_elementwise_merge_of_different_ranks_aligns_as_keras(merge):
    # Was: the symbolic shape said (None, 3, 3) but the engine broadcast (2, 3, 1) with (2, 3)
    # and failed at run time. Keras expands the lower-rank input at axis 1.
    a, b = Input(shape=(3, 1)), Input(shape=(3,))
    y = merge()([a, b])
    assert y.shape == (None, 3, 3)
    xa, xb = np.arange(6, dtype="float32").reshape(2, 3, 1), np.arange(6, dtype="float32").reshape(2, 3) + 1
    expected = {
        layers.Add: xa + xb[:, None, :],
        layers.Subtract: xa - xb[:, None, :],
        layers.Multiply: xa * xb[:, None, :],
        layers.Maximum: np.maximum(xa, xb[:, None, :]),
        layers.Average: (xa + xb[:, None, :]) / 2,
    }[merge]
    np.testing.assert_allclose(Model([a, b], y).predict([xa, xb], verbose=0), expected)


def test_a_list_of_arrays_for_a_single_input_model_is_refused():
    # Was: [x, x] stacked into one array of shape (2, n, 1), which a trailing-axis squeeze then
    # made fit: predictions for data that was never given.
    x = Input(shape=(1,))
    model = Model(x, layers.Activation("relu")(x))
    a = np.ones((1, 1), "float32")
    with pytest.raises(ValueError, match="received a list of 2 arrays"):
        model.predict([a, a], verbose=0)
    assert model.predict([[1.0], [2.0]], verbose=0).shape == (2, 1)  # plain lists are one input's data


def test_conv_padding_that_is_not_a_string():
    with pytest.raises(ValueError, match="`padding` argument"):
        layers.Conv1D(1, 1, padding=0)  # was AttributeError: 'int' object has no attribute 'lower'


def _saved(tmp_path):
    x = Input(shape=(3,))
    model = Model(x, layers.Dense(2)(x))
    path = tmp_path / "m.keras"
    model.save(path)
    return path, json.loads(model.to_json())


def _with_config(tmp_path, config):
    path, _ = _saved(tmp_path)
    members = {n: zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()}
    members["config.json"] = json.dumps(config).encode()
    out = tmp_path / "edited.keras"
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out


def test_malformed_configs_raise_value_errors(tmp_path):
    _, config = _saved(tmp_path)
    missing_name = json.loads(json.dumps(config))
    del missing_name["config"]["layers"][1]["name"]  # was KeyError: 'name'
    with pytest.raises(ValueError, match="Invalid config for 'Functional'"):
        models.model_from_json(json.dumps(missing_name))
    numpy_without_value = {"class_name": "__numpy__", "config": {"dtype": "float32"}}  # was KeyError: 'value'
    with pytest.raises(ValueError, match="Invalid config for '__numpy__'"):
        models.load_model(_with_config(tmp_path, numpy_without_value))
    not_a_model = {"module": "keras.losses", "class_name": "MeanSquaredError", "config": {}}
    with pytest.raises(ValueError, match="does not describe a model"):  # was AttributeError on .weights
        models.load_model(_with_config(tmp_path, not_a_model))
    with pytest.raises(ValueError, match="does not describe a model"):
        models.model_from_json(json.dumps({"a": 1}))


def test_damaged_hdf5_files_raise_value_errors(tmp_path):
    x = Input(shape=(3,))
    model = Model(x, layers.Dense(2)(x))
    with pytest.warns(UserWarning):
        model.save(tmp_path / "m.h5")
    data = bytearray((tmp_path / "m.h5").read_bytes())
    data[:8] = bytes(8)  # no HDF5 signature: was OSError from h5py
    (tmp_path / "m.h5").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupt"):
        models.load_model(tmp_path / "m.h5")


def test_flags_are_read_by_truthiness_and_huge_integer_attributes_refused():
    x = Input(shape=(5, 3))
    assert layers.LSTM(2, return_sequences=9.2e18)(x).shape == (None, 5, 2)  # was a pybind11 RuntimeError
    with pytest.raises(ValueError, match="outside the 64-bit integer range"):
        layers.Reshape((2**70,))(Input(shape=(4,)))


def test_a_string_where_tensor_references_belong_is_refused():
    x = Input(shape=(3,))
    config = Model(x, layers.Dense(2)(x)).get_config()
    config["output_layers"] = "dense"  # was a RecursionError (map_refs walked the string's characters)
    with pytest.raises(ValueError, match="not a tensor reference"):
        Model.from_config(config)


# ---------------------------------------------------------------- found by test_engine_properties.py
def _engine_node(op, operands, attrs):
    from dagnet.engine import Graph

    g = Graph()
    ids = [g.input(f"x{i}", list(shape), "float32") for i, shape in enumerate(operands)]
    return g, g.node(op, ids, attrs)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_transposed_conv_with_a_kernel_window_known_only_at_run_time(padding):
    # Was: ValueError "... gives an output of length 1, which does not map back to the input's 1"
    # when the kernel's window size was unknown (the check compared an unknown size).
    from dagnet.engine import Executor

    x = np.random.default_rng(0).standard_normal((2, 3, 1)).astype("float32")
    k = np.random.default_rng(1).standard_normal((2, 4, 1)).astype("float32")
    shapes, outputs = [], []
    for kernel_shape in [(2, 4, 1), (-1, 4, 1)]:
        attrs = {"padding": padding, "strides": [2], "output_padding": [1]}
        g, (y,) = _engine_node("conv1d_transpose", [x.shape, kernel_shape], attrs)
        shapes.append(tuple(g.shape(y)))
        outputs.append(Executor(g, [y], []).run({"x0": x, "x1": k})[0])
    assert shapes == [(2, 7 if padding == "valid" else 5, 4), (2, -1, 4)]
    assert outputs[0].shape == outputs[1].shape == shapes[0]
    np.testing.assert_array_equal(outputs[0], outputs[1])


def test_pad_sizes_beyond_int64_are_refused():
    # Was: the padded size wrapped to a negative number (read as unknown) when the graph was built.
    with pytest.raises(ValueError, match="padded size of axis 0 is too large"):
        _engine_node("pad", [(3,)], {"pads": [2**62, 2**62]})


@pytest.mark.parametrize("attrs", [{"factors": [2**62, 2**62]}, {"factors": [2**31, 1]}, {"size": [2**40, 1]}])
def test_resize_sizes_beyond_int32_are_refused_when_the_graph_is_built(attrs):
    # Was: factors whose product overflowed gave negative (unknown) sizes, and sizes beyond
    # int32 (the tap tables' index type) failed only when the graph ran (std::bad_alloc or a
    # Value error from the kernel's tables).
    with pytest.raises(ValueError, match="too large|fit in int32"):
        _engine_node("resize", [(1, 3, 3, 1)], attrs)
