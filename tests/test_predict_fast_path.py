"""predict_on_batch's shortcut for repeated plain-array batches gives what the general
path gives, and steps aside for everything the general path converts or refuses."""

import numpy as np
import pytest

import dagnet as keras
from dagnet.trainers import predict_fast_path


def _two_input_model():
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    h = keras.layers.Concatenate()([keras.layers.Dense(5)(a), b])
    return keras.Model([a, b], keras.layers.Dense(2)(h))


def _uses_fast_path(model):
    return predict_fast_path.KEY in model.__dict__.get("_runners", {})


def test_repeated_batches_take_the_shortcut_and_match_predict():
    model = _two_input_model()
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(3, 3)).astype("float32")
    first = model.predict_on_batch([xa, xb])
    assert _uses_fast_path(model)
    again = model.predict_on_batch([xa, xb])
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(again, model.predict([xa, xb], verbose=0), rtol=1e-6)
    # A different batch size on the shortcut: a new plan, same answers row by row.
    one = model.predict_on_batch((xa[:1], xb[:1]))
    np.testing.assert_allclose(one, first[:1], rtol=1e-6)


def test_other_dtypes_ranks_and_shapes_take_the_general_path():
    model = _two_input_model()
    xa, xb = np.ones((2, 4), "float32"), np.ones((2, 3), "float32")
    expected = model.predict_on_batch([xa, xb])
    # float64 and Python lists are converted by the general path, with the same result
    np.testing.assert_allclose(model.predict_on_batch([xa.astype("float64"), xb]), expected, rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch([xa.tolist(), xb.tolist()]), expected, rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch({"a": xa, "b": xb}), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="expected shape"):
        model.predict_on_batch([np.ones((2, 5), "float32"), xb])
    with pytest.raises(ValueError, match="2 inputs"):
        model.predict_on_batch([xa])
    with pytest.raises(ValueError):
        model.predict_on_batch(xa)


def test_recompiling_or_changing_the_graph_drops_the_shortcut():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    x = np.ones((2, 4), "float32")
    model.predict_on_batch(x)
    assert _uses_fast_path(model)
    model.compile(optimizer="sgd", loss="mse")
    assert not _uses_fast_path(model)
    model.predict_on_batch(x)
    model.add(keras.layers.Dense(1))
    out = model.predict_on_batch(x)
    assert out.shape == (2, 1)


def test_weights_set_after_the_shortcut_are_used():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    x = np.array([[1.0, 2.0]], "float32")
    model.predict_on_batch(x)
    model.set_weights([np.array([[3.0], [4.0]], "float32")])
    np.testing.assert_array_equal(model.predict_on_batch(x), [[11.0]])


def test_training_after_a_sequential_gains_a_layer_trains_the_new_graph():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((2, 4), "float32")
    model.train_on_batch(x, np.zeros((2, 3), "float32"))
    model.add(keras.layers.Dense(1))
    before = model.layers[-1].get_weights()[0].copy()
    model.train_on_batch(x, np.ones((2, 1), "float32"))
    assert not np.array_equal(model.layers[-1].get_weights()[0], before)
    assert model.predict_on_batch(x).shape == (2, 1)
