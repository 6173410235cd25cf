"""dagnet.backend (Keras's global settings and helpers, image_data_format honoured by the
layers' data_format default) and pad_sequences against Keras 3.15's outputs and errors
(fixture: fixtures/keras3_attention/pad_sequences.json, made by
fixtures/make/keras3_pad_sequences.py)."""

import json
import os

import numpy as np
import pytest

import dagnet
from dagnet import backend as K, layers

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_attention", "pad_sequences.json")
with open(FIXTURE) as f:
    PAD = json.load(f)


@pytest.mark.parametrize("index", range(len(PAD["cases"])))
def test_pad_sequences_matches_keras(index):
    case = PAD["cases"][index]
    out = dagnet.utils.pad_sequences(PAD["sequences"][case["sequences"]], **case["args"])
    assert str(out.dtype) == case["dtype"]
    np.testing.assert_array_equal(out, np.asarray(case["out"], dtype=case["dtype"]).reshape(out.shape))
    assert dagnet.preprocessing.sequence.pad_sequences is dagnet.utils.pad_sequences


@pytest.mark.parametrize("index", range(len(PAD["errors"])))
def test_pad_sequences_errors_match_keras(index):
    case = PAD["errors"][index]
    with pytest.raises(ValueError) as info:
        dagnet.utils.pad_sequences(case["sequences"], **case["args"])
    assert str(info.value) == case["message"]


def test_floatx_and_epsilon():
    assert K.floatx() == "float32"
    K.set_floatx("float32")
    with pytest.raises(ValueError, match="float32 only"):
        K.set_floatx("float64")
    with pytest.raises(ValueError, match="Unknown `floatx` value"):
        K.set_floatx("int8")
    assert K.epsilon() == 1e-7
    try:
        K.set_epsilon(1e-5)
        assert K.epsilon() == 1e-5
    finally:
        K.set_epsilon(1e-7)


def test_image_data_format_is_the_layers_default():
    assert K.image_data_format() == "channels_last"
    with pytest.raises(ValueError, match="channels_first"):
        K.set_image_data_format("channels_middle")
    try:
        K.set_image_data_format("channels_first")
        made = [
            layers.Conv2D(2, 3),
            layers.Conv1D(2, 3),
            layers.MaxPooling2D(),
            layers.GlobalAveragePooling2D(),
            layers.Flatten(),
            layers.SpatialDropout2D(0.1),
        ]
        assert [layer.data_format for layer in made] == ["channels_first"] * len(made)
        x = dagnet.Input((3, 8, 8))  # channels first
        y = layers.Conv2D(4, 3)(x)
        assert y.shape == (None, 4, 6, 6)
        assert layers.Conv2D(2, 3, data_format="channels_last").data_format == "channels_last"
    finally:
        K.set_image_data_format("channels_last")
    assert layers.Conv2D(2, 3).data_format == "channels_last"


@pytest.mark.parametrize("make", [layers.Conv2D, layers.MaxPooling1D, layers.GlobalAveragePooling2D, layers.Flatten])
def test_data_format_is_standardized_as_keras_does(make):
    args = (2, 3) if make is layers.Conv2D else ()
    assert make(*args, data_format="Channels_First").data_format == "channels_first"  # lower-cased
    with pytest.raises(ValueError, match=r"one of \{'channels_first', 'channels_last'\}. Received: data_format=bad"):
        make(*args, data_format="bad")


def test_clear_session_restarts_names_and_uids():
    K.clear_session()
    assert layers.Dense(2).name == "dense"
    assert layers.Dense(2).name == "dense_1"
    assert [K.get_uid("x"), K.get_uid("x"), K.get_uid("y")] == [1, 2, 1]
    K.clear_session()
    assert layers.Dense(2).name == "dense"
    assert K.get_uid("x") == 1
    assert dagnet.utils.clear_session is K.clear_session


def test_introspection_helpers():
    x = dagnet.Input((3, None))
    assert K.is_keras_tensor(x) and not K.is_keras_tensor(np.zeros(2))
    assert K.int_shape(x) == (None, 3, None)
    assert K.int_shape(np.zeros((2, 5))) == (2, 5)
    v = K.variable(np.ones((2, 3)))
    assert K.count_params(v) == 6 and K.int_shape(v) == (2, 3)
    K.set_value(v, np.zeros((2, 3)))
    np.testing.assert_array_equal(K.get_value(v), np.zeros((2, 3)))
    assert K.backend() == "dagnet"
    assert K.standardize_dtype(None) == "float32" and K.is_float_dtype("float64") and K.is_int_dtype("int32")


def test_keras2_tensor_functions_are_the_ops():
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(K.sum(x, axis=1), x.sum(1))
    np.testing.assert_allclose(K.mean(x, axis=0, keepdims=True), x.mean(0, keepdims=True))
    np.testing.assert_allclose(K.square(x), x**2)
    np.testing.assert_allclose(K.concatenate([x, x]), np.concatenate([x, x], -1))
    np.testing.assert_allclose(K.permute_dimensions(x, (1, 0)), x.T)
    np.testing.assert_allclose(K.repeat_elements(x, 2, axis=0), np.repeat(x, 2, axis=0))
    np.testing.assert_allclose(K.batch_flatten(x[:, :, None]), x)
    np.testing.assert_allclose(K.l2_normalize(x, axis=-1), x / np.linalg.norm(x, axis=-1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(K.clip(x, 1.0, 4.0), np.clip(x, 1, 4))
    np.testing.assert_array_equal(K.arange(4), np.arange(4))


def test_normalize():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(dagnet.utils.normalize(x), [[0.6, 0.8], [0.0, 0.0]])
    # Keras 3.15 reads axis=0 as -1 when it re-expands the norms (`axis or -1`); so does dagnet.
    np.testing.assert_allclose(dagnet.utils.normalize(x, axis=0, order=1), [[1.0, 4 / 3], [0.0, 0.0]])
