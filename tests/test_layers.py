"""Layers through the front end: output shapes and parameter counts as Keras, custom
layers with add_weight and dagnet.ops, Lambda, masking, merges, TimeDistributed,
Dropout; numbers checked against NumPy."""

import numpy as np
import pytest

from dagnet import Input, Model, layers, ops, utils


@pytest.fixture(autouse=True)
def fresh():
    utils.clear_session()
    utils.set_random_seed(0)


@pytest.mark.parametrize(
    "layer,input_shape,output_shape,params",
    [
        (lambda: layers.Conv2D(8, 3), (32, 32, 3), (None, 30, 30, 8), 224),
        (lambda: layers.Conv2D(8, (3, 5), strides=2, padding="same"), (31, 32, 3), (None, 16, 16, 8), 368),
        (lambda: layers.Conv2D(4, 3, data_format="channels_first"), (3, 10, 12), (None, 4, 8, 10), 112),
        (lambda: layers.Conv1D(16, 5, activation="relu"), (100, 8), (None, 96, 16), 656),
        (lambda: layers.Conv1D(4, 3, padding="causal", dilation_rate=2), (None, 5), (None, None, 4), 64),
        (lambda: layers.MaxPooling2D(), (9, 9, 3), (None, 4, 4, 3), 0),
        (lambda: layers.AveragePooling2D(3, strides=1, padding="same"), (9, 9, 3), (None, 9, 9, 3), 0),
        (lambda: layers.MaxPooling1D(5), (100, 8), (None, 20, 8), 0),
        (lambda: layers.GlobalAveragePooling2D(), (5, 5, 7), (None, 7), 0),
        (lambda: layers.GlobalMaxPooling1D(), (None, 7), (None, 7), 0),
        (lambda: layers.Flatten(), (3, 4, 5), (None, 60), 0),
        (lambda: layers.Reshape((6, -1)), (3, 4, 5), (None, 6, 10), 0),
        (lambda: layers.Embedding(1000, 64), (None,), (None, None, 64), 64000),
        (lambda: layers.LSTM(32), (None, 64), (None, 32), 12416),
        (lambda: layers.LSTM(16, return_sequences=True), (10, 8), (None, 10, 16), 1600),
        (lambda: layers.Dense(5), (3, 4), (None, 3, 5), 25),
        (lambda: layers.TimeDistributed(layers.Dense(5)), (7, 4), (None, 7, 5), 25),
        (lambda: layers.Dropout(0.5), (4,), (None, 4), 0),
    ],
)
def test_shapes_and_param_counts_match_keras(layer, input_shape, output_shape, params):
    instance = layer()
    dtype = "int32" if isinstance(instance, layers.Embedding) else "float32"
    y = instance(Input(shape=input_shape, dtype=dtype))
    assert y.shape == output_shape
    assert instance.count_params() == params


def test_lstm_weights_layout_and_unit_forget_bias():
    lstm = layers.LSTM(3)
    lstm(Input(shape=(5, 2)))
    kernel, recurrent, bias = lstm.get_weights()
    assert kernel.shape == (2, 12) and recurrent.shape == (3, 12) and bias.shape == (12,)
    np.testing.assert_array_equal(bias, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(3), atol=1e-5)  # orthogonal rows


def test_custom_layer_with_add_weight_and_ops_trains():
    class Scaled(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units), initializer="glorot_uniform", trainable=True, name="w"
            )
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

        def call(self, inputs):
            return ops.tanh(inputs @ self.w) * self.scale + ops.mean(inputs, axis=-1, keepdims=True)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    x = Input(shape=(4,))
    layer = Scaled(3)
    y = layer(x)
    assert y.shape == (None, 3) and layer.count_params() == 13
    model = Model(x, layers.Dense(1)(y))
    data = np.random.default_rng(0).standard_normal((8, 4)).astype("float32")
    w, s = layer.get_weights()
    np.testing.assert_allclose(layer(data), np.tanh(data @ w) * s + data.mean(-1, keepdims=True), rtol=1e-5)
    model.compile(optimizer="sgd", loss="mse")
    target = np.ones((8, 1), "float32")
    before = model.test_on_batch(data, target)
    for _ in range(20):
        model.train_on_batch(data, target)
    assert model.test_on_batch(data, target) < before
    assert not np.allclose(layer.get_weights()[0], w)  # the custom weight trained
    config = layer.get_config()
    assert config["units"] == 3 and Scaled.from_config(config).units == 3


def test_lambda_and_raw_ops_and_operators():
    x = Input(shape=(3,))
    y = layers.Lambda(lambda t: ops.square(t) - 1.0)(x)
    z = (y * 2 + x) / 4.0
    w = z[:, 1:]
    model = Model(x, [z, w, ops.sum(x, axis=1)])
    data = np.array([[1.0, 2.0, 3.0]], "float32")
    got_z, got_w, got_sum = model(data)
    want = ((data**2 - 1) * 2 + data) / 4
    np.testing.assert_allclose(got_z, want, rtol=1e-6)
    np.testing.assert_allclose(got_w, want[:, 1:], rtol=1e-6)
    np.testing.assert_allclose(got_sum, [6.0])
    assert w.shape == (None, 2)
    # Eager ops on arrays run in the engine and return NumPy.
    np.testing.assert_allclose(ops.matmul(np.eye(2), np.ones((2, 2))), np.ones((2, 2)))


@pytest.mark.parametrize(
    "cls,fn",
    [
        (layers.Average, lambda a, b: (a + b) / 2),
        (layers.Multiply, np.multiply),
        (layers.Subtract, np.subtract),
        (layers.Maximum, np.maximum),
        (layers.Minimum, np.minimum),
        (layers.Add, np.add),
    ],
)
def test_merge_layers(cls, fn):
    a, b = Input(shape=(4,)), Input(shape=(4,))
    model = Model([a, b], cls()([a, b]))
    rng = np.random.default_rng(1)
    xa, xb = rng.standard_normal((3, 4)).astype("float32"), rng.standard_normal((3, 4)).astype("float32")
    np.testing.assert_allclose(model([xa, xb]), fn(xa, xb), rtol=1e-6)


def test_dot_layer():
    a, b = Input(shape=(4,)), Input(shape=(4,))
    rng = np.random.default_rng(2)
    xa, xb = rng.standard_normal((3, 4)).astype("float32"), rng.standard_normal((3, 4)).astype("float32")
    np.testing.assert_allclose(
        Model([a, b], layers.dot([a, b], axes=1))([xa, xb]), (xa * xb).sum(1, keepdims=True), rtol=1e-5
    )
    cos = Model([a, b], layers.Dot(axes=1, normalize=True)([a, b]))([xa, xb])
    want = (xa * xb).sum(1) / np.linalg.norm(xa, axis=1) / np.linalg.norm(xb, axis=1)
    np.testing.assert_allclose(cos[:, 0], want, rtol=1e-5)
    s1, s2 = Input(shape=(5, 4)), Input(shape=(6, 4))
    att = layers.Dot(axes=2)([s1, s2])
    assert att.shape == (None, 5, 6)
    x1, x2 = rng.standard_normal((2, 5, 4)).astype("float32"), rng.standard_normal((2, 6, 4)).astype("float32")
    np.testing.assert_allclose(Model([s1, s2], att)([x1, x2]), x1 @ x2.transpose(0, 2, 1), rtol=1e-5)


def test_embedding_mask_flows_into_lstm():
    from lstm_reference import lstm as ref_lstm

    tokens = Input(shape=(None,), dtype="int32")
    embedded = layers.Embedding(20, 4, mask_zero=True)(tokens)
    assert embedded._keras_mask is not None
    lstm = layers.LSTM(3)
    model = Model(tokens, lstm(embedded))
    data = np.array([[5, 3, 0, 0], [0, 0, 0, 0], [1, 0, 2, 7]], "int32")
    table = model.layers[1].get_weights()[0]
    w, u, b = lstm.get_weights()
    want, _, _ = ref_lstm(table[data].astype(np.float64), w, u, b, mask=(data != 0))
    np.testing.assert_allclose(model(data), want, rtol=1e-5, atol=1e-6)
    # A new length costs a new plan only.
    assert model(np.array([[1, 2, 3, 4, 5, 6, 0]], "int32")).shape == (1, 3)


def test_embedding_index_error_names_layer():
    tokens = Input(shape=(3,), dtype="int32")
    model = Model(tokens, layers.Embedding(10, 2, name="words")(tokens))
    with pytest.raises(ValueError, match=r"'words' \(embedding\): index 10 at position \(0, 2\) is out of range"):
        model(np.array([[1, 2, 10]], "int32"))


def test_time_distributed_layer_and_model():
    frames = Input(shape=(5, 4))
    td = layers.TimeDistributed(layers.Dense(3))
    y = td(frames)
    data = np.random.default_rng(3).standard_normal((2, 5, 4)).astype("float32")
    k, b = td.layer.get_weights()
    np.testing.assert_allclose(Model(frames, y)(data), data @ k + b, rtol=1e-5)
    img = Input(shape=(6, 6, 2))
    cnn = Model(img, layers.GlobalMaxPooling2D()(layers.Conv2D(4, 3)(img)))
    video = Input(shape=(None, 6, 6, 2))
    per_frame = layers.TimeDistributed(cnn)(video)
    assert per_frame.shape == (None, None, 4)
    clip = np.random.default_rng(4).standard_normal((2, 3, 6, 6, 2)).astype("float32")
    out = Model(video, per_frame)(clip)
    np.testing.assert_allclose(out[1, 2], cnn(clip[1, 2:3])[0], rtol=1e-5)


def test_dropout_only_in_training():
    x = Input(shape=(100,))
    model = Model(x, layers.Dropout(0.5, seed=3)(x))
    data = np.ones((4, 100), "float32")
    np.testing.assert_array_equal(model(data), data)
    np.testing.assert_array_equal(model.predict(data, verbose=0), data)
    dropped = layers.Dropout(0.5, seed=1)(data, training=True)
    assert set(np.unique(dropped)) <= {0.0, 2.0} and 0.3 < (dropped == 0).mean() < 0.7


def test_wrong_rank_and_empty_conv_output_errors():
    with pytest.raises(ValueError, match=r'Input 0 of layer "conv" is incompatible.*expected min_ndim=4, found ndim=3'):
        layers.Conv2D(2, 3, name="conv")(Input(shape=(8, 8)))
    with pytest.raises(ValueError, match=r'Computed output size would be zero or negative.*"c2".*data_format'):
        layers.Conv2D(2, 3, name="c2")(Input(shape=(1, 27, 27)))
    with pytest.raises(ValueError, match=r"'pool' \(max_pool1d\): output would be empty"):
        layers.MaxPooling1D(5, name="pool")(Input(shape=(3, 4)))
