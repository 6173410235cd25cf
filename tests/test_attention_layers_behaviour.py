"""What the Keras fixtures cannot show: training-mode randomness (GaussianNoise,
GaussianDropout, SpatialDropout, MultiHeadAttention and Attention dropout: active only in
training, seeded, fresh every step), masks on the outputs, and argument checks with
Keras's errors."""

import numpy as np
import pytest

import dagnet
from dagnet import layers

RNG = np.random.default_rng(0)


def test_gaussian_noise_is_training_only_seeded_and_fresh_each_call():
    x = np.ones((400, 50), "float32")
    layer = layers.GaussianNoise(0.3, seed=7)
    np.testing.assert_array_equal(layer(x), x)
    np.testing.assert_array_equal(layer(x, training=False), x)
    first, second = layer(x, training=True), layer(x, training=True)
    assert abs((first - x).mean()) < 0.01 and abs((first - x).std() - 0.3) < 0.01
    assert not np.allclose(first, second)
    np.testing.assert_array_equal(layers.GaussianNoise(0.3, seed=7)(x, training=True), first)  # same seed, same draw


def test_gaussian_dropout_keeps_the_mean():
    x = np.full((400, 50), 2.0, "float32")
    y = layers.GaussianDropout(0.2, seed=3)(x, training=True)
    assert abs(y.mean() - 2.0) < 0.02 and abs(y.std() - 2.0 * np.sqrt(0.2 / 0.8)) < 0.02
    np.testing.assert_array_equal(layers.GaussianDropout(0.2)(x), x)


@pytest.mark.parametrize(
    "layer,shape,channel_axis",
    [
        (layers.SpatialDropout1D(0.5, seed=1), (6, 9, 20), -1),
        (layers.SpatialDropout2D(0.5, seed=1), (6, 4, 5, 20), -1),
        (layers.SpatialDropout2D(0.5, data_format="channels_first", seed=1), (6, 20, 4, 5), 1),
        (layers.SpatialDropout3D(0.5, seed=1), (6, 2, 3, 4, 20), -1),
    ],
)
def test_spatial_dropout_drops_whole_feature_maps(layer, shape, channel_axis):
    x = np.ones(shape, "float32")
    y = np.moveaxis(layer(x, training=True), channel_axis, -1).reshape(shape[0], -1, shape[channel_axis])
    per_map = y.min(axis=1)
    np.testing.assert_array_equal(y.max(axis=1), per_map)  # one value per (sample, channel)
    assert set(np.unique(per_map)) == {0.0, 2.0}
    np.testing.assert_array_equal(layer(x), x)


def _mha_model(dropout, seed=5):
    x = dagnet.Input((6, 8))
    return dagnet.Model(x, layers.MultiHeadAttention(2, 4, dropout=dropout, seed=seed)(x, x))


def test_mha_dropout_only_in_training_and_trains():
    model = _mha_model(0.5)
    x = RNG.standard_normal((4, 6, 8)).astype("float32")
    inference = model.predict(x, verbose=0)
    np.testing.assert_array_equal(model(x), inference)
    train_a, train_b = model(x, training=True), model(x, training=True)
    assert not np.allclose(train_a, inference) and not np.allclose(train_a, train_b)
    twin = _mha_model(0.5)
    twin.set_weights(model.get_weights())
    np.testing.assert_array_equal(twin(x, training=True), train_a)  # seeded: the same first mask
    model.compile("adam", "mse")
    losses = model.fit(x, x, epochs=3, verbose=0).history["loss"]
    assert np.isfinite(losses).all()


def test_attention_dropout_scales_the_kept_weights():
    q, v = dagnet.Input((5, 4)), dagnet.Input((7, 4))
    out, scores = layers.Attention(dropout=0.5, seed=2)([q, v], return_attention_scores=True, training=True)
    model = dagnet.Model([q, v], [out, scores])
    xq, xv = RNG.standard_normal((3, 5, 4)).astype("float32"), RNG.standard_normal((3, 7, 4)).astype("float32")
    _, weights = model([xq, xv], training=True)
    assert (weights == 0).any()
    scores = np.einsum("bqd,bkd->bqk", xq, xv)
    probs = np.exp(scores - scores.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    kept = weights != 0
    np.testing.assert_allclose(weights[kept], 2 * probs[kept], rtol=1e-5)


def test_mha_output_carries_the_query_mask_and_scores_none():
    ids = dagnet.Input((5,), dtype="int32")
    e = layers.Embedding(9, 8, mask_zero=True)(ids)
    out, scores = layers.MultiHeadAttention(2, 4)(e, e, return_attention_scores=True)
    assert out._keras_mask is not None and tuple(out._keras_mask.shape) == (None, 5)
    assert scores._keras_mask is None
    model = dagnet.Model(ids, [out, scores])
    _, probs = model.predict(np.array([[1, 2, 0, 0, 0]]), verbose=0)
    np.testing.assert_allclose(probs[0, :, :2].sum(-1), 1.0, rtol=1e-6)  # visible queries
    np.testing.assert_array_equal(probs[0, :, 2:], 0.0)  # padded queries (Keras's softmax path)
    np.testing.assert_array_equal(probs[0, :, :2, 2:], 0.0)  # padded keys


def test_leaky_relu_takes_the_keras2_name():
    with pytest.warns(UserWarning, match="`alpha` is deprecated"):
        layer = layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1


@pytest.mark.parametrize(
    "make,error,message",
    [
        (lambda: layers.MultiHeadAttention(0, 4), ValueError, "num_heads"),
        (lambda: layers.MultiHeadAttention(2, "4"), ValueError, "key_dim"),
        (lambda: layers.MultiHeadAttention(2, 4, value_dim=-1), ValueError, "value_dim"),
        (lambda: layers.MultiHeadAttention(2, 4, attention_axes="x"), ValueError, "attention_axes"),
        (lambda: layers.MultiHeadAttention(2, 4, sliding_window=0), ValueError, "sliding_window"),
        (lambda: layers.MultiHeadAttention(2, 4, dropout=0.1, flash_attention=True), ValueError, "flash attention"),
        (lambda: layers.RepeatVector(2.5), TypeError, "integer"),
        (lambda: layers.RepeatVector(0), ValueError, "positive integer"),
        (lambda: layers.Permute((1, 3)), ValueError, "consecutive"),
        (lambda: layers.ReLU(max_value=-1.0), ValueError, "max_value"),
        (lambda: layers.ReLU(negative_slope=-1.0), ValueError, "negative_slope"),
        (lambda: layers.ReLU(threshold=-1.0), ValueError, "threshold"),
        (lambda: layers.LeakyReLU(negative_slope=-0.1), ValueError, "negative_slope"),
        (lambda: layers.GaussianNoise(1.5), ValueError, "stddev"),
        (lambda: layers.GaussianDropout(-0.5), ValueError, "rate"),
        (lambda: layers.Attention(score_mode="cosine"), ValueError, "score_mode"),
        (lambda: layers.EinsumDense("ab-bc", 3), ValueError, "Invalid einsum equation"),
    ],
)
def test_constructor_checks(make, error, message):
    with pytest.raises(error, match=message):
        layer = make()
        layer(dagnet.Input((4, 6)))


@pytest.mark.parametrize(
    "call,message",
    [
        (
            lambda x: layers.MultiHeadAttention(2, 4)(x, dagnet.Input((5, 3)), key=dagnet.Input((6, 3))),
            "value` and `key",
        ),
        (lambda x: layers.RepeatVector(3)(x), "expected ndim=2"),
        (lambda x: layers.Permute((2, 1, 3))(x), "expected ndim=4"),
        (lambda x: layers.Attention()(x), "list of inputs"),
        (lambda x: layers.Attention()([x]), "length 2 or 3"),
        (lambda x: layers.Softmax()(x, mask=dagnet.Input((5, 4))), "broadcastable"),
        (lambda x: layers.PReLU(shared_axes=[3])(x), "shared_axes"),
        (lambda x: layers.EinsumDense("abc,cd->abd", (None, 3), bias_axes="e")(x), "Bias dimension 'e'"),
        (lambda x: layers.MultiHeadAttention(2, 4)(x, x, attention_mask=dagnet.Input((4, 7))), "does not broadcast"),
    ],
)
def test_call_checks_name_the_layer_and_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call(dagnet.Input((4, 6)))
