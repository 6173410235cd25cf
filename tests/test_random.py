"""keras.random: eager draws (shapes, dtypes, ranges, moments, seeding) and draws inside
graphs (fresh numbers each step, repeatable with a seed, the keras-io VAE Sampling layer)."""

import numpy as np
import pytest

import dagnet as keras
from dagnet import ops


def test_random_is_a_package_attribute_with_keras_names():
    assert keras.random.__name__ == "dagnet.random"
    for name in (
        "SeedGenerator",
        "normal",
        "uniform",
        "truncated_normal",
        "randint",
        "categorical",
        "dropout",
        "shuffle",
        "gamma",
        "binomial",
        "beta",
    ):
        assert name in keras.random.__all__ and callable(getattr(keras.random, name))


def test_eager_shapes_dtypes_and_moments():
    keras.utils.set_random_seed(0)
    x = keras.random.normal((20000,), mean=2.0, stddev=3.0)
    assert x.dtype == np.float32 and x.shape == (20000,)
    assert abs(x.mean() - 2.0) < 0.1 and abs(x.std() - 3.0) < 0.1
    u = keras.random.uniform((4, 5000), minval=-1.0, maxval=3.0, dtype="float64")
    assert u.dtype == np.float64 and u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.05
    r = keras.random.randint((10000,), 2, 7)
    assert r.dtype == np.int32 and set(np.unique(r)) == {2, 3, 4, 5, 6}
    t = keras.random.truncated_normal((20000,), mean=1.0, stddev=0.5)
    assert t.min() >= 0.0 and t.max() <= 2.0 and abs(t.std() - 0.5 * 0.8796) < 0.02  # std of N truncated at 2 sigma
    g = keras.random.gamma((20000,), alpha=3.0)
    assert g.dtype == np.float32 and abs(g.mean() - 3.0) < 0.1
    b = keras.random.binomial((20000,), counts=10, probabilities=0.3)
    assert b.dtype == np.float32 and abs(b.mean() - 3.0) < 0.1 and b.max() <= 10
    be = keras.random.beta((20000,), alpha=2.0, beta=6.0)
    assert abs(be.mean() - 0.25) < 0.01 and be.min() >= 0 and be.max() <= 1
    c = keras.random.categorical(np.log([[0.2, 0.8], [0.999, 0.001]]), 4000)
    assert c.shape == (2, 4000) and c.dtype == np.int32 and abs(c[0].mean() - 0.8) < 0.03 and c[1].mean() < 0.01
    s = keras.random.shuffle(np.arange(12).reshape(3, 4), axis=1)
    assert sorted(s[0]) == [0, 1, 2, 3]
    np.testing.assert_array_equal(s, np.arange(12).reshape(3, 4)[:, s[0]])  # one column order for all rows
    d = keras.random.dropout(np.ones((100, 100), "float32"), rate=0.25)
    assert set(np.unique(d)) == {0.0, np.float32(1 / 0.75)} and abs((d == 0).mean() - 0.25) < 0.02


def test_keras_argument_errors():
    with pytest.raises(ValueError, match="requires a floating point `dtype`"):
        keras.random.uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match="requires an integer `dtype`"):
        keras.random.randint((2,), 0, 3, dtype="float32")
    with pytest.raises(ValueError, match="2-D tensor"):
        keras.random.categorical(np.zeros(3), 2)
    with pytest.raises(ValueError, match="must be an integer"):
        keras.random.SeedGenerator("x")
    with pytest.raises(ValueError, match="seed"):
        keras.random.normal((2,), seed=1.5)


def test_seeding_as_keras():
    keras.utils.set_random_seed(7)
    a = keras.random.normal((5,))
    keras.utils.set_random_seed(7)
    np.testing.assert_array_equal(a, keras.random.normal((5,)))
    # An int seed is stateless; a SeedGenerator advances and repeats its sequence.
    np.testing.assert_array_equal(keras.random.uniform((4,), seed=3), keras.random.uniform((4,), seed=3))
    g1, g2 = keras.random.SeedGenerator(5), keras.random.SeedGenerator(5)
    first, second = keras.random.normal((4,), seed=g1), keras.random.normal((4,), seed=g1)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, keras.random.normal((4,), seed=g2))
    np.testing.assert_array_equal(g1.next(), [5, 2])


def test_seed_generator_serializes_like_keras():
    g = keras.random.SeedGenerator(42, name="gen")
    assert g.get_config() == {"seed": 42, "name": "gen"}
    clone = keras.random.SeedGenerator.from_config(g.get_config())
    np.testing.assert_array_equal(keras.random.normal((3,), seed=g), keras.random.normal((3,), seed=clone))
    assert keras.random.SeedGenerator().get_config()["seed"] is None
    entry = keras.saving.serialize_keras_object(g)
    assert entry == {
        "module": "keras.random",
        "class_name": "SeedGenerator",
        "config": g.get_config(),
        "registered_name": None,
    }  # Keras 3.15's entry
    restored = keras.saving.deserialize_keras_object(entry)
    assert isinstance(restored, keras.random.SeedGenerator) and restored.seed == 42 and restored.name == "gen"


class Sampling(keras.layers.Layer):
    """keras-io's VAE layer, verbatim but for the import."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


def _sampling_model():
    x = keras.Input((4,))
    z_mean = keras.layers.Dense(2, kernel_initializer="zeros")(x)
    z_log_var = keras.layers.Dense(2, kernel_initializer="zeros")(x)
    return keras.Model(x, Sampling()([z_mean, z_log_var]))


def test_sampling_layer_draws_fresh_noise_each_run_and_repeats_with_its_seed():
    data = np.ones((256, 4), "float32")
    a = _sampling_model()
    first, second = a.predict(data, verbose=0), a.predict(data, verbose=0)
    assert first.shape == (256, 2) and not np.allclose(first, second)
    assert abs(first.mean()) < 0.15 and abs(first.std() - 1.0) < 0.1  # zero weights: the output is the noise
    np.testing.assert_array_equal(first, _sampling_model().predict(data, verbose=0))


def _fit_vae_pattern():
    keras.utils.set_random_seed(0)
    x = keras.Input((6,))
    h = keras.layers.Dense(8, activation="relu")(x)
    sampling = Sampling()
    z = sampling([keras.layers.Dense(2)(h), keras.layers.Dense(2)(h)])
    model = keras.Model(x, keras.layers.Dense(6)(z))
    model.compile(optimizer="adam", loss="mse")
    data = np.random.rand(64, 6).astype("float32")
    history = model.fit(data, data, epochs=3, batch_size=16, shuffle=False, verbose=0)
    return history.history["loss"], sampling.seed_generator


def test_vae_sampling_pattern_fits_drawing_once_per_step_and_repeats_with_the_seed():
    losses, generator = _fit_vae_pattern()
    assert np.isfinite(losses).all()
    assert int(generator.state.numpy()) == 3 * 4  # one draw per training step: 3 epochs of 4 batches
    assert _fit_vae_pattern()[0] == losses


class _Draw(keras.layers.Layer):
    def __init__(self, fn, **kwargs):
        super().__init__(**kwargs)
        self.fn = fn

    def call(self, x):
        return self.fn(x)


def _graph_draw(fn, batch=2000):
    x = keras.Input((3,))
    return keras.Model(x, _Draw(fn)(x)).predict(np.zeros((batch, 3), "float32"), verbose=0, batch_size=batch)


def test_graph_draws_follow_their_distributions():
    gen = keras.random.SeedGenerator(1)
    u = _graph_draw(lambda x: keras.random.uniform((None, 3), minval=2.0, maxval=4.0, seed=gen))
    assert u.shape == (2000, 3) and u.min() >= 2.0 and u.max() < 4.0 and abs(u.mean() - 3.0) < 0.05
    r = _graph_draw(lambda x: ops.cast(keras.random.randint((None, 3), -2, 3, seed=gen), "float32"))
    assert set(np.unique(r)) == {-2, -1, 0, 1, 2}
    t = _graph_draw(lambda x: keras.random.truncated_normal((None, 3), stddev=2.0, seed=gen))
    assert np.abs(t).max() <= 4.0 and abs(t.std() - 2 * 0.8796) < 0.08
    n = _graph_draw(lambda x: keras.random.normal((5, 7), seed=gen) + ops.sum(x) * 0)
    assert n.shape == (5, 7)
    d = _graph_draw(lambda x: keras.random.dropout(x + 1.0, rate=0.5, seed=gen))
    assert set(np.unique(d)) == {0.0, 2.0} and abs((d == 0).mean() - 0.5) < 0.05
    shared = _graph_draw(lambda x: keras.random.dropout(x + 1.0, rate=0.5, noise_shape=(None, 1), seed=gen))
    assert (shared == shared[:, :1]).all()


def test_graph_int_seed_is_the_same_every_step_and_a_generator_is_not():
    x = keras.Input((3,))
    fixed = keras.Model(x, _Draw(lambda t: keras.random.uniform((None, 3), seed=4))(x))
    data = np.zeros((8, 3), "float32")
    np.testing.assert_array_equal(fixed.predict(data, verbose=0), fixed.predict(data, verbose=0))
    gen = keras.random.SeedGenerator(4)
    moving = keras.Model(x, _Draw(lambda t: keras.random.uniform((None, 3), seed=gen))(x))
    assert not np.array_equal(moving.predict(data, verbose=0), moving.predict(data, verbose=0))


def test_functional_dropout_on_a_keras_tensor():
    x = keras.Input((50,))
    model = keras.Model(x, keras.random.dropout(x, 0.5, seed=keras.random.SeedGenerator(2)))
    out = model.predict(np.ones((40, 50), "float32"), verbose=0)
    assert set(np.unique(out)) == {0.0, 2.0}


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: keras.random.shuffle(x),
        lambda x: keras.random.categorical(x, 2),
        lambda x: x + keras.random.gamma((3,), 2.0),
        lambda x: x + keras.random.beta((3,), 2.0, 2.0),
        lambda x: x + keras.random.binomial((3,), 2, 0.5),
    ],
)
def test_draws_without_an_engine_node_say_so_in_a_graph(fn):
    x = keras.Input((3,))
    with pytest.raises(NotImplementedError, match=r"keras\.random\.\w+ cannot run inside a graph"):
        _Draw(fn)(x)


def test_dynamic_size_past_the_batch_axis_is_refused():
    x = keras.Input((None,))
    with pytest.raises(ValueError, match="dynamic size past the first axis"):
        _Draw(lambda t: keras.random.normal((None, None)))(x)


def test_graph_unseeded_draws_use_the_global_generator_reset_by_set_random_seed():
    def run():
        keras.utils.set_random_seed(3)
        x = keras.Input((3,))
        model = keras.Model(x, _Draw(lambda t: keras.random.normal((None, 3)))(x))
        data = np.zeros((6, 3), "float32")
        return model.predict(data, verbose=0), model.predict(data, verbose=0)

    (a1, a2), (b1, b2) = run(), run()
    assert not np.array_equal(a1, a2)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
