"""The normalization layers' and keras.ops normalizations' behaviour beyond the Keras
fixtures: ops against NumPy, training flags and layer.trainable, axis layouts the engine
transposes, config round trips, and argument errors (Keras's types and messages)."""

import warnings

import normalization_reference as ref
import numpy as np
import pytest

import dagnet
from dagnet import layers, ops

rng = np.random.default_rng(0)
X = (rng.standard_normal((4, 3, 5)) * 2 + 1).astype("float32")


def test_ops_batch_normalization_matches_numpy():
    mean, var = rng.standard_normal(3).astype("float32"), (rng.random(3) + 0.5).astype("float32")
    gamma, beta = rng.standard_normal(3).astype("float32"), rng.standard_normal(3).astype("float32")
    got = ops.batch_normalization(X, mean, var, axis=1, offset=beta, scale=gamma, epsilon=1e-3)
    want = ref.normalize(X, [0, 2], [1], gamma, beta, mean=mean, var=var)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    plain = ops.batch_normalization(X, mean, var, axis=1)
    np.testing.assert_allclose(plain, ref.normalize(X, [0, 2], [1], mean=mean, var=var), rtol=1e-5, atol=1e-5)


def test_ops_layer_and_rms_normalization_match_numpy():
    gamma = rng.standard_normal(5).astype("float32")
    np.testing.assert_allclose(
        ops.layer_normalization(X, gamma, None, axis=-1),
        ref.normalize(X, [2], [2], gamma, epsilon=1e-7),
        rtol=1e-5,
        atol=1e-5,
    )
    with pytest.warns(UserWarning, match="rms_scaling"):
        got = ops.layer_normalization(X, gamma, axis=-1, rms_scaling=True)
    np.testing.assert_allclose(got, ref.normalize(X, [2], [2], gamma, epsilon=1e-7, mode="rms_scaling"), rtol=1e-5)
    np.testing.assert_allclose(
        ops.rms_normalization(X, gamma, axis=-1), ref.normalize(X, [2], [2], gamma, epsilon=1e-7, mode="rms"), rtol=1e-5
    )
    np.testing.assert_allclose(
        ops.layer_normalization(X, axis=[1, 2]), ref.normalize(X, [1, 2], epsilon=1e-7), rtol=1e-5, atol=1e-5
    )


def test_ops_normalize_and_moments_match_numpy():
    np.testing.assert_allclose(ops.normalize(X, axis=-1), X / np.linalg.norm(X, axis=-1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(ops.normalize(X, axis=1, order=1), X / np.abs(X).sum(1, keepdims=True), rtol=1e-5)
    with pytest.raises(ValueError, match="order"):
        ops.normalize(X, order=0)
    mean, var = ops.moments(X, axes=[0, 2])
    np.testing.assert_allclose(mean, X.mean((0, 2)), rtol=1e-5)
    np.testing.assert_allclose(var, X.var((0, 2)), rtol=1e-4)
    mean, var = ops.moments(X, axes=[1], keepdims=True)
    assert mean.shape == (4, 1, 5) and var.shape == (4, 1, 5)


def test_axes_the_engine_cannot_view_in_one_pass_are_transposed():
    x = (rng.standard_normal((2, 3, 4, 2, 3)) + 1).astype("float32")
    layer = layers.LayerNormalization(axis=[1, 3])
    y = layer(x)
    np.testing.assert_allclose(
        y, ref.normalize(x, [1, 3], [1, 3], layer.gamma.numpy(), layer.beta.numpy()), rtol=1e-5, atol=1e-5
    )
    inp = dagnet.Input((3, 4, 2, 3))
    model = dagnet.Model(inp, layers.Dense(1)(layers.Flatten()(layers.LayerNormalization(axis=[1, 3])(inp))))
    model.compile("sgd", "mse")
    first = model.fit(x, np.ones((2, 1)), epochs=3, verbose=0).history["loss"]
    assert first[-1] < first[0]


def test_batch_norm_modes_follow_training_and_trainable():
    bn = layers.BatchNormalization(momentum=0.5)
    x = X[:, :, 0].copy()
    inference = bn(x)  # moving statistics 0 and 1
    np.testing.assert_allclose(inference, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    training = bn(x, training=True)
    np.testing.assert_allclose(training, ref.normalize(x, [0], [1]), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * x.mean(0), rtol=1e-5)
    bn.trainable = False  # Keras: a frozen batch norm runs in inference mode, even when asked to train
    moving = bn.moving_mean.numpy()
    np.testing.assert_allclose(bn(x, training=True), bn(x), rtol=1e-6)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), moving)
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4


def test_batch_norm_inside_a_frozen_base_model_stays_in_inference_mode():
    inp = dagnet.Input((3,))
    base = dagnet.Model(inp, layers.BatchNormalization()(layers.Dense(3)(inp)))
    base.trainable = False
    outer_in = dagnet.Input((3,))
    model = dagnet.Model(outer_in, layers.Dense(1)(base(outer_in, training=False)))
    model.compile("sgd", "mse")
    before = [w.copy() for w in base.get_weights()]
    model.fit(X[:, :, 0], np.ones((4, 1)), verbose=0)
    for a, b in zip(base.get_weights(), before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "layer",
    [
        lambda: layers.BatchNormalization(axis=1, momentum=0.9, center=False, gamma_regularizer="l2"),
        lambda: layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 2.0}),
        lambda: layers.LayerNormalization(axis=[1, 2], epsilon=1e-5, scale=False),
        lambda: layers.GroupNormalization(groups=5, axis=-1),
        lambda: layers.UnitNormalization(axis=[1, 2]),
        lambda: layers.RMSNormalization(epsilon=1e-4),
    ],
)
def test_config_round_trip(layer):
    original = layer()
    original.build((None, 3, 5))
    config = original.get_config()
    clone = type(original).from_config(config)
    clone.build((None, 3, 5))
    assert clone.get_config() == config
    assert [w.shape for w in clone.weights] == [w.shape for w in original.weights]


def test_axis_lists_as_tf_keras_writes_them():
    bn = layers.BatchNormalization(axis=[1, 2])
    y = bn(X, training=True)
    assert bn.moving_mean.shape == (3, 5)
    np.testing.assert_allclose(y, ref.normalize(X, [0], [1, 2]), rtol=1e-4, atol=1e-4)
    assert layers.BatchNormalization(axis=[-1]).get_config()["axis"] == -1


@pytest.mark.parametrize(
    "make,error,match",
    [
        (lambda: layers.BatchNormalization(axis=5)(dagnet.Input((3, 4))), IndexError, "out of bounds"),
        (lambda: layers.BatchNormalization(axis=5)(dagnet.Input((3, 4))), ValueError, "batch_normalization"),
        (lambda: layers.BatchNormalization()(dagnet.Input((3, None))), ValueError, "known size"),
        (lambda: layers.LayerNormalization(axis="a"), TypeError, "Expected an int or a list/tuple of ints"),
        (lambda: layers.LayerNormalization(axis=4)(dagnet.Input((3, 4))), IndexError, "out of bounds"),
        (lambda: layers.UnitNormalization(axis=1.5), TypeError, "Invalid value for `axis`"),
        (lambda: layers.GroupNormalization(groups=0), ValueError, "invalid value for argument `groups`"),
        (lambda: layers.GroupNormalization(groups=4)(dagnet.Input((3, 6))), ValueError, "must be a multiple"),
        (lambda: layers.GroupNormalization(groups=8)(dagnet.Input((3, 6))), ValueError, "cannot be more than"),
        (lambda: layers.GroupNormalization(groups=2)(dagnet.Input((3, None))), ValueError, "defined dimension"),
        (lambda: layers.BatchNormalization(renorm=True, renorm_clipping={"rmx": 1}), ValueError, "invalid keys"),
        (lambda: layers.BatchNormalization(momentum="x"), ValueError, "could not convert"),
    ],
)
def test_argument_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_masked_batch_norm_needs_the_normalized_axis_last():
    inp = dagnet.Input((5,), dtype="int32")
    h = layers.Embedding(9, 4, mask_zero=True)(inp)
    model = dagnet.Model(inp, layers.BatchNormalization(axis=1)(h))
    x = np.array([[1, 2, 0, 0, 3]], "int32")
    with pytest.raises(ValueError, match="a mask needs the statistics to be kept along the last axis"):
        model(x, training=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model(x)  # inference ignores the mask


def test_a_mask_of_the_wrong_rank_is_refused():
    bn = layers.BatchNormalization()
    with pytest.raises(ValueError, match="one dimension less than the inputs"):
        bn(X, mask=np.ones((4,), "float32"), training=True)
