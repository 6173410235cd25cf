"""Layer arguments and get_config() against Keras 3.15: fixtures/keras3_layer_configs.json
holds the configs Keras gave for the constructions in CASES (same order, fresh session)."""

import json
import os
import warnings

import numpy as np
import pytest

import dagnet
from dagnet import Input, Model, layers as L, utils

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_layer_configs.json")

CASES = {
    "Dense": lambda: L.Dense(3),
    "DenseFull": lambda: L.Dense(
        3,
        activation="relu",
        use_bias=False,
        kernel_initializer="he_normal",
        bias_initializer="ones",
        kernel_regularizer="l2",
        bias_regularizer=dagnet.regularizers.l1(0.1),
        activity_regularizer="l1",
        kernel_constraint="max_norm",
        bias_constraint="non_neg",
        name="dd",
    ),
    "Conv1D": lambda: L.Conv1D(4, 3),
    "Conv1DFull": lambda: L.Conv1D(
        4, 3, strides=2, padding="causal", dilation_rate=1, groups=1, activation="tanh", data_format="channels_last"
    ),
    "Conv2D": lambda: L.Conv2D(4, 3),
    "MaxPooling1D": lambda: L.MaxPooling1D(),
    "MaxPooling2D": lambda: L.MaxPooling2D((3, 3), strides=1, padding="same"),
    "AveragePooling1D": lambda: L.AveragePooling1D(3),
    "GlobalMaxPooling1D": lambda: L.GlobalMaxPooling1D(),
    "GlobalMaxPooling2D": lambda: L.GlobalMaxPooling2D(keepdims=True),
    "GlobalAveragePooling1D": lambda: L.GlobalAveragePooling1D(),
    "GlobalAveragePooling2D": lambda: L.GlobalAveragePooling2D(data_format="channels_first"),
    "LSTM": lambda: L.LSTM(5),
    "LSTMFull": lambda: L.LSTM(
        5,
        activation="relu",
        recurrent_activation="hard_sigmoid",
        use_bias=True,
        kernel_initializer="ones",
        recurrent_initializer="zeros",
        bias_initializer="ones",
        unit_forget_bias=False,
        kernel_regularizer="l2",
        recurrent_regularizer="l1",
        bias_regularizer="l2",
        activity_regularizer="l2",
        kernel_constraint="max_norm",
        recurrent_constraint="unit_norm",
        bias_constraint="non_neg",
        dropout=0.1,
        recurrent_dropout=0.2,
        seed=3,
        return_sequences=True,
        return_state=False,
        go_backwards=True,
        stateful=False,
        unroll=True,
        use_cudnn=False,
    ),
    "Embedding": lambda: L.Embedding(10, 3),
    "EmbeddingFull": lambda: L.Embedding(
        10,
        3,
        embeddings_initializer="ones",
        embeddings_regularizer="l2",
        embeddings_constraint="non_neg",
        mask_zero=True,
    ),
    "TimeDistributed": lambda: L.TimeDistributed(L.Dense(2)),
    "Dropout": lambda: L.Dropout(0.3, noise_shape=(None, 1), seed=7),
    "Reshape": lambda: L.Reshape((-1, 2)),
    "Flatten": lambda: L.Flatten(data_format="channels_first"),
    "Activation": lambda: L.Activation("softmax"),
    "Concatenate": lambda: L.Concatenate(axis=1),
    "Add": lambda: L.Add(),
    "Average": lambda: L.Average(),
    "Multiply": lambda: L.Multiply(),
    "Subtract": lambda: L.Subtract(),
    "Maximum": lambda: L.Maximum(),
    "Minimum": lambda: L.Minimum(),
    "Dot": lambda: L.Dot(axes=1, normalize=True),
    "InputLayer": lambda: L.InputLayer(shape=(3,), name="inp"),
}
# Keras made these in this order with a few other layers in between (names are compared
# apart from the counters those took).
SKIPPED_IN_BETWEEN = {"Conv2DFull", "AveragePooling2D"}


def test_layer_configs_match_keras3():
    with open(FIXTURE) as f:
        expected = json.load(f)
    utils.clear_session()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = {name: json.loads(json.dumps(make().get_config(), default=str)) for name, make in CASES.items()}
    assert set(got) == set(expected)
    for name in got:
        g, e = dict(got[name]), dict(expected[name])
        g.pop("name"), e.pop("name")
        assert sorted(g) == sorted(e), name
        for key in e:
            assert g[key] == e[key], (name, key)


def test_constraints_are_kept_and_serialized():
    d = L.Dense(2, kernel_constraint="max_norm")
    assert isinstance(d.kernel_constraint, dagnet.constraints.MaxNorm)
    d.build((None, 3))
    assert isinstance(d.kernel.constraint, dagnet.constraints.MaxNorm)
    restored = L.Dense.from_config(d.get_config())
    assert restored.get_config()["kernel_constraint"] == d.get_config()["kernel_constraint"]
    w = np.array([[3.0, 0.0], [4.0, 1.0]], "float32")
    np.testing.assert_allclose(dagnet.constraints.MaxNorm(2)(w), [[1.2, 0.0], [1.6, 1.0]], rtol=1e-5)
    np.testing.assert_allclose(dagnet.constraints.NonNeg()(-w), 0 * w)
    np.testing.assert_allclose(dagnet.constraints.UnitNorm()(w), [[0.6, 0.0], [0.8, 1.0]], rtol=1e-5)


def test_lstm_zero_output_for_mask_matches_keras3():
    rng = np.random.default_rng(0)
    i = Input((5,), dtype="int32")
    lstm = L.LSTM(2, return_sequences=True, zero_output_for_mask=True)
    m = Model(i, lstm(L.Embedding(7, 3, mask_zero=True)(i)))
    m.set_weights([np.round(rng.normal(size=w.shape), 2).astype("float32") for w in m.get_weights()])
    x = np.array([[1, 2, 0, 0, 3], [4, 0, 5, 6, 0]])
    expected = [
        [[0.000183, 0.521086], [-0.093961, 0.159107], [0, 0], [0, 0], [-0.091493, 0.669062]],
        [[-0.012747, 0.567276], [0, 0], [-0.066095, 0.58749], [0.135938, 0.279129], [0, 0]],
    ]
    np.testing.assert_allclose(m.predict(x, verbose=0), expected, atol=2e-6)


def test_dropout_noise_shape_shares_the_mask():
    d = L.Dropout(0.5, noise_shape=(None, 1, 4), seed=1)
    y = np.asarray(d(np.ones((3, 5, 4), "float32"), training=True))
    assert set(np.unique(y)) <= {0.0, 2.0} and (y == y[:, :1, :]).all()
    assert d.get_config()["noise_shape"] == (None, 1, 4)
    with pytest.raises(ValueError, match="noise_shape"):
        L.Dropout(0.5, noise_shape=(None, 2, 4))(np.ones((3, 5, 4), "float32"), training=True)
    assert not np.asarray(L.Dropout(1.0)(np.ones((2, 3), "float32"), training=True)).any()  # Keras accepts rate=1


def test_lstm_input_dropout_only_in_training():
    x = np.random.default_rng(0).normal(size=(4, 6, 3)).astype("float32")
    a = L.LSTM(4, dropout=0.5, seed=2)
    b = L.LSTM(4)
    a.build((None, 6, 3)), b.build((None, 6, 3))
    b.set_weights(a.get_weights())
    assert len(a.get_weights()) == 3  # the dropout state is no weight
    np.testing.assert_allclose(np.asarray(a(x)), np.asarray(b(x)), rtol=1e-6)
    assert not np.allclose(np.asarray(a(x, training=True)), np.asarray(b(x)))


def test_embedding_input_length_warns_as_keras3():
    with pytest.warns(UserWarning, match="input_length` is deprecated"):
        L.Embedding(10, 3, input_length=5)


def test_lstm_recurrent_dropout_applies_in_training_only():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 5, 3)).astype("float32")
    i = Input((5, 3))
    lstm = L.LSTM(4, recurrent_dropout=0.5, seed=3)
    model = Model(i, lstm(i))
    plain = L.LSTM(4)
    reference = Model(i, plain(i))
    plain.set_weights(lstm.get_weights())
    np.testing.assert_allclose(model.predict(x, verbose=0), reference.predict(x, verbose=0), rtol=1e-6)
    a, b = np.asarray(model(x, training=True)), np.asarray(model(x, training=True))
    assert not np.allclose(a, b)  # a fresh mask per call
    assert not np.allclose(a, reference.predict(x, verbose=0))
    model.compile("sgd", "mse")
    before = model.get_weights()[1].copy()
    model.fit(x, np.zeros((6, 4), "float32"), verbose=0)
    assert not np.allclose(model.get_weights()[1], before)  # the recurrent kernel trains through the mask
