"""Arguments that Keras 3 lets through silently, or fails on deep inside its backend, are refused
up front with the argument's name (issue 15, item 8): fit / evaluate / predict's scalars, Dot's
axes, Reshape's target shape, convolution and pooling windows."""

import tracemalloc

import numpy as np
import pytest

from dagnet import Input, Model, layers

X = np.ones((10, 4), "float32")
Y = np.ones((10, 2), "float32")


@pytest.fixture(scope="module")
def model():
    x = Input(shape=(4,))
    m = Model(x, layers.Dense(2)(x))
    m.compile(optimizer="sgd", loss="mse")
    return m


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"validation_split": 2.0}, ValueError, "`validation_split` must be between 0 and 1, received: 2.0"),
        ({"validation_split": -0.5}, ValueError, "`validation_split` must be between 0 and 1"),
        ({"validation_split": 1.0}, ValueError, "`validation_split` must be between 0 and 1"),
        ({"validation_split": "a"}, TypeError, "`validation_split` must be a number"),
        ({"validation_split": True}, TypeError, "`validation_split` must be a number"),
        (
            {"batch_size": -1},
            ValueError,
            "Expected `batch_size` to be a positive integer or None. Received: batch_size=-1",
        ),
        ({"batch_size": 0}, ValueError, "batch_size=0"),
        ({"batch_size": 1.5}, TypeError, "batch_size=1.5"),
        ({"batch_size": 2.0}, TypeError, "batch_size=2.0"),
        ({"batch_size": "32"}, TypeError, "batch_size='32'"),
        ({"batch_size": True}, TypeError, "batch_size=True"),
        ({"epochs": -1}, ValueError, "Expected `epochs` to be a non-negative integer. Received: epochs=-1"),
        ({"epochs": 1.5}, TypeError, "epochs=1.5"),
        ({"epochs": None}, TypeError, "epochs=None"),
        ({"initial_epoch": -1}, ValueError, "initial_epoch=-1"),
        ({"steps_per_epoch": 0}, ValueError, "steps_per_epoch=0"),
        ({"steps_per_epoch": -1}, ValueError, "steps_per_epoch=-1"),
        ({"steps_per_epoch": 1.5}, TypeError, "steps_per_epoch=1.5"),
        ({"validation_steps": 0, "validation_split": 0.2}, ValueError, "validation_steps=0"),
        ({"validation_batch_size": -2, "validation_split": 0.2}, ValueError, "validation_batch_size=-2"),
        ({"validation_freq": 0, "validation_split": 0.2}, ValueError, "validation_freq=0"),
        ({"validation_freq": -1, "validation_split": 0.2}, ValueError, "validation_freq=-1"),
        (
            {"validation_freq": 1.5, "validation_split": 0.2},
            ValueError,
            "Expected `validation_freq` to be a list or int",
        ),
        ({"validation_freq": [1, "2"], "validation_split": 0.2}, ValueError, "as integers"),
    ],
)
def test_fit_refuses_bad_scalars(model, kwargs, error, match):
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(error, match=match.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        model.fit(X, Y, verbose=0, **kwargs)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)  # refused before any training


def test_fit_accepts_the_valid_edges(model):
    assert model.fit(X, Y, epochs=0, verbose=0).history == {}
    assert model.fit(X, Y, initial_epoch=3, epochs=2, verbose=0).history == {}
    history = model.fit(X, Y, batch_size=np.int64(3), validation_split=0.0, verbose=0)
    assert list(history.history) == ["loss"]
    history = model.fit(X, Y, validation_split=0.2, validation_freq=[2], epochs=2, verbose=0)
    assert len(history.history["val_loss"]) == 1


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"batch_size": -1}, ValueError),
        ({"batch_size": 0}, ValueError),
        ({"batch_size": 1.5}, TypeError),
        ({"steps": 0}, ValueError),
        ({"steps": -1}, ValueError),
        ({"steps": 1.5}, TypeError),
    ],
)
def test_evaluate_and_predict_refuse_bad_scalars(model, kwargs, error):
    name = next(iter(kwargs))
    with pytest.raises(error, match=f"`{name}`"):
        model.evaluate(X, Y, verbose=0, **kwargs)
    with pytest.raises(error, match=f"`{name}`"):
        model.predict(X, verbose=0, **kwargs)


@pytest.mark.filterwarnings("ignore:Your input ran out of data")
def test_evaluate_on_no_samples_says_so(model):
    with pytest.raises(ValueError, match="0 samples"):
        model.evaluate(X[:0], Y[:0], verbose=0)


@pytest.mark.parametrize("axes", [5, -5, (1, 5), (-3, 1)])
def test_dot_axes_out_of_range_raise(axes):
    a, b = Input(shape=(3,)), Input(shape=(3,))
    with pytest.raises(IndexError, match="out of range") as info:
        layers.Dot(axes=axes)([a, b])
    assert isinstance(info.value, ValueError)  # both: Keras raises IndexError, dagnet names the layer


def test_dot_keeps_keras_argument_checks_and_refuses_the_batch_axis():
    with pytest.raises(TypeError, match="Invalid type for argument `axes`"):
        layers.Dot(axes=1.5)
    with pytest.raises(ValueError, match="it should contain two elements"):
        layers.Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match="list elements should be integers"):
        layers.Dot(axes=(1, "a"))
    a, b = Input(shape=(3,)), Input(shape=(4,))
    with pytest.raises(ValueError, match="Incompatible input shapes: axis values 3"):
        layers.Dot(axes=1)([a, b])
    with pytest.raises(ValueError, match="batch axis"):
        layers.Dot(axes=0)([a, a])
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(layers.Dot(axes=-1)([x, x]), (x * x).sum(1, keepdims=True))


@pytest.mark.parametrize("target", [(0,), (2, 0), (-2,), (2.5,), ("a",)])
def test_reshape_refuses_what_it_cannot_express(target):
    with pytest.raises(ValueError, match="target_shape"):
        layers.Reshape(target)(Input(shape=(4,)))


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.Conv1D(2, 3, dilation_rate=2**62),
        lambda: layers.Conv1D(2, 3, strides=2**40),
        lambda: layers.Conv1D(2, 2**31),
        lambda: layers.MaxPooling1D(2**31),
        lambda: layers.Conv2D(2, 3, groups=0),
        lambda: layers.GlobalMaxPooling1D(data_format="x"),
        lambda: layers.MaxPooling2D(2, data_format="channels_middle"),
    ],
)
def test_window_arguments_are_bounded(make):
    with pytest.raises(ValueError):
        make()


def test_integer_like_window_arguments_are_accepted():
    layer = layers.Conv1D(np.int64(2), np.int32(3), strides=np.int64(1))
    assert layer.kernel_size == (3,) and layer.filters == 2


def test_absurd_kernel_fails_before_allocating_it():
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="Computed output size would be zero or negative"):
            layers.Conv1D(4, 2**28)(Input(shape=(8, 4)))  # its kernel would take 16 GiB
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20
