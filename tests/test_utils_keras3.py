"""keras.utils helpers beyond the model API: timeseries windows, image arrays and files,
normalize, the data-tuple packers, and the saving registry under its utils names. The
expected values are what Keras 3.15 gave for the same calls."""

import io

import numpy as np
import pytest

from dagnet import Input, Model, layers, utils


def _series():
    return np.arange(100).reshape(50, 2).astype("float32"), np.arange(50) * 10


def test_timeseries_windows_and_targets_as_keras():
    data, targets = _series()
    ds = utils.timeseries_dataset_from_array(
        data, targets, sequence_length=5, sequence_stride=3, sampling_rate=2, batch_size=4, start_index=2, end_index=40
    )
    batches = list(ds)
    assert len(batches) == len(ds) == 3
    x, y = batches[0]
    np.testing.assert_array_equal(x[0], [[4, 5], [8, 9], [12, 13], [16, 17], [20, 21]])
    np.testing.assert_array_equal(x[3, -1], [38, 39])
    np.testing.assert_array_equal(y, [20, 50, 80, 110])
    x, y = batches[-1]
    assert x.shape == (2, 5, 2)
    np.testing.assert_array_equal(y, [260, 290])


def test_timeseries_unbatched_and_shuffled():
    windows = list(utils.timeseries_dataset_from_array(np.arange(10), None, sequence_length=3, batch_size=None))
    assert [w.tolist() for w in windows] == [[i, i + 1, i + 2] for i in range(8)]
    data, targets = _series()
    ds = utils.timeseries_dataset_from_array(data, targets, 4, batch_size=8, shuffle=True, seed=3)
    ys = np.concatenate([y for _, y in ds])
    assert sorted(ys.tolist()) == [10 * i for i in range(47)] and ys.tolist() != sorted(ys.tolist())
    for x, y in ds:  # each window still starts at its target's step
        np.testing.assert_array_equal(x[:, 0, 0] / 2 * 10, y)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sampling_rate": 0}, "`sampling_rate` must be higher than 0"),
        ({"sequence_stride": 50}, "`sequence_stride` must be lower than the length of the data"),
        ({"start_index": -1}, "`start_index` must be 0 or greater"),
        ({"end_index": 60}, "`end_index` must be lower than the length of the data"),
        ({"start_index": 5, "end_index": 5}, "`end_index` must be higher than `start_index`"),
        ({"batch_size": 0}, "`batch_size` must be a positive integer"),
    ],
)
def test_timeseries_argument_checks(kwargs, message):
    data, _ = _series()
    with pytest.raises(ValueError, match=message):
        utils.timeseries_dataset_from_array(data, None, 3, **kwargs)


def test_timeseries_dataset_trains_a_model():
    data, _ = _series()
    ds = utils.timeseries_dataset_from_array(data / 100, data[:, 0] / 100, sequence_length=6, batch_size=8)
    inputs = Input((6, 2))
    model = Model(inputs, layers.Dense(1)(layers.LSTM(4)(inputs)))
    model.compile("adam", "mse")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    assert model.predict(ds, verbose=0).shape == (45, 1)


def test_timeseries_dataset_takes_the_dataset_methods_scripts_call():
    """keras-io's weather forecasting example: `for batch in dataset_train.take(1)`, then
    `.numpy()` on the batch, as on Keras's tf.data.Dataset."""
    data, targets = _series()
    ds = utils.timeseries_dataset_from_array(data, targets, sequence_length=4, batch_size=8)
    (x, y), *rest = list(ds.take(1))
    assert not rest and x.numpy().shape == (8, 4, 2) and y.numpy().shape == (8,)
    halves = list(ds.map(lambda x, y: (x / 2, y)).take(1))
    np.testing.assert_allclose(halves[0][0], x / 2)


def test_normalize_and_data_tuples_as_keras():
    np.testing.assert_allclose(utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]])), [[0.6, 0.8], [0.0, 0.0]])
    np.testing.assert_allclose(utils.normalize(np.array([3.0, 4.0]), axis=0), [[0.6, 0.8]])
    assert utils.pack_x_y_sample_weight([1, 2]) == ([1, 2],)
    assert utils.pack_x_y_sample_weight(1) == 1
    assert utils.pack_x_y_sample_weight(1, 2, 3) == (1, 2, 3)
    assert utils.unpack_x_y_sample_weight([1, 2]) == (1, 2, None)
    assert utils.unpack_x_y_sample_weight(np.float32(1))[1:] == (None, None)
    with pytest.raises(ValueError, match="Data is expected to be in format"):
        utils.unpack_x_y_sample_weight((1, 2, 3, 4))
    assert utils.is_keras_tensor(Input((2,))) and not utils.is_keras_tensor(np.zeros(2))


def test_saving_registry_under_its_utils_names():
    @utils.register_keras_serializable(package="utils_test")
    class Doubling(layers.Layer):
        def call(self, x):
            return x * 2.0

    assert utils.get_registered_name(Doubling) == "utils_test>Doubling"
    assert utils.get_registered_object("utils_test>Doubling") is Doubling
    assert utils.get_custom_objects()["utils_test>Doubling"] is Doubling

    class Scoped(layers.Layer):
        pass

    with utils.custom_object_scope({"Scoped": Scoped}):  # Keras: found, but not a global custom object
        assert utils.get_registered_object("Scoped") is Scoped and "Scoped" not in utils.get_custom_objects()


def test_image_arrays_round_trip():
    pytest.importorskip("PIL")
    x = np.random.default_rng(0).uniform(0, 255, (5, 7, 3)).astype("float32")
    img = utils.array_to_img(x, scale=False)
    assert img.mode == "RGB" and img.size == (7, 5)
    np.testing.assert_array_equal(utils.img_to_array(img), x.astype("uint8"))
    assert utils.img_to_array(img, data_format="channels_first").shape == (3, 5, 7)
    gray = utils.array_to_img(np.linspace(0, 1, 12, dtype="float32").reshape(3, 4, 1))
    assert gray.mode == "L" and utils.img_to_array(gray).max() == 255
    assert utils.array_to_img(np.full((2, 2, 1), 1000.0), scale=False).mode == "I"
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="Unsupported channel number: 2"):
        utils.array_to_img(np.zeros((2, 2, 2)))


def test_image_files(tmp_path):
    pytest.importorskip("PIL")
    x = np.random.default_rng(1).uniform(0, 255, (6, 8, 3)).astype("float32")
    path = tmp_path / "x.png"
    utils.save_img(path, x, scale=False)
    np.testing.assert_array_equal(utils.img_to_array(utils.load_img(path)), x.astype("uint8"))
    assert utils.load_img(str(path), color_mode="grayscale").mode == "L"
    assert utils.load_img(path, target_size=(3, 4)).size == (4, 3)
    assert utils.load_img(path, target_size=(4, 4), keep_aspect_ratio=True).size == (4, 4)
    buffer = io.BytesIO(path.read_bytes())
    assert utils.load_img(buffer, color_mode="rgba").mode == "RGBA"
    with pytest.warns(UserWarning, match="JPEG format does not support RGBA"):
        utils.save_img(tmp_path / "x.jpg", np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match="color_mode must be"):
        utils.load_img(path, color_mode="cmyk")
    with pytest.raises(ValueError, match="Invalid interpolation method"):
        utils.load_img(path, target_size=(2, 2), interpolation="cubic")
    with pytest.raises(TypeError, match="path should be path-like"):
        utils.load_img(3)
