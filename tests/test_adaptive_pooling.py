"""Adaptive pooling layers and ops.adaptive_average_pool / adaptive_max_pool against a NumPy
reference of PyTorch's bins ([floor(i L / n), ceil((i + 1) L / n)) per axis), both data
formats, shrinking and growing axes; a float64 finite-difference gradient check of the
composed ops; configs; errors naming the layer and shapes. Keras's own numbers, configs and
files are in test_keras3_more_layers.py."""

import itertools

import numpy as np
import pytest
from global_rng_isolation import keep_global_rng  # noqa: F401  (autouse: leaves the global RNG as found)
from helpers import fd_check, mse_to

import dagnet
from dagnet import layers, ops
from dagnet._tracing import GraphBuilder, GraphTensor


def _reference(x, output_size, mode, channels_first=False):
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    spatial = x.shape[1:-1]
    out = np.zeros((x.shape[0], *output_size, x.shape[-1]), x.dtype)
    reduce = np.mean if mode == "average" else np.max
    for index in itertools.product(*(range(n) for n in output_size)):
        window = tuple(
            slice(i * length // n, -(-(i + 1) * length // n)) for i, length, n in zip(index, spatial, output_size)
        )
        out[(slice(None), *index)] = reduce(x[(slice(None), *window)], axis=tuple(range(1, len(spatial) + 1)))
    return np.moveaxis(out, -1, 1) if channels_first else out


CASES = [
    (layers.AdaptiveAveragePooling1D, (2, 7, 3), (3,), "average"),
    (layers.AdaptiveMaxPooling1D, (2, 5, 3), (8,), "max"),
    (layers.AdaptiveAveragePooling2D, (2, 7, 6, 2), (3, 4), "average"),
    (layers.AdaptiveMaxPooling2D, (2, 9, 4, 2), (4, 3), "max"),
    (layers.AdaptiveAveragePooling3D, (1, 5, 4, 7, 2), (2, 3, 3), "average"),
    (layers.AdaptiveMaxPooling3D, (1, 4, 6, 3, 2), (3, 4, 2), "max"),
]


@pytest.mark.parametrize("channels_first", [False, True])
@pytest.mark.parametrize("cls,shape,size,mode", CASES)
def test_layers_and_ops_match_numpy_bins(cls, shape, size, mode, channels_first):
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    data_format = "channels_first" if channels_first else "channels_last"
    want = _reference(x, size, mode, channels_first)
    layer = cls(size, data_format=data_format)
    np.testing.assert_allclose(layer(x), want, rtol=1e-5, atol=1e-6)
    op = ops.adaptive_average_pool if mode == "average" else ops.adaptive_max_pool
    np.testing.assert_allclose(op(x, size, data_format=data_format), want, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, *shape[1:])) == (None, *want.shape[1:])
    assert cls.from_config(layer.get_config()).get_config() == layer.get_config()


@pytest.mark.parametrize("mode", ["average", "max"])
def test_float64_gradient_matches_finite_differences(mode):
    op = ops.adaptive_average_pool if mode == "average" else ops.adaptive_max_pool
    rng = np.random.default_rng(1)

    def build(g, ids):
        builder = GraphBuilder()
        builder.graph = g
        with builder.active():
            out = op(GraphTensor(builder, ids[0]), (3, 2))
        return mse_to(g, out.id, rng=np.random.default_rng(3))

    # distinct values, so a max's winner does not flip under the finite-difference step
    x = rng.permutation(40).reshape(2, 5, 4, 1).astype("float64") * 0.1
    fd_check(build, [x], rng, rtol=1e-5, atol=1e-7)


def test_symbolic_model_fits_and_int_output_size():
    x = dagnet.Input((6, 6, 3))
    y = layers.Flatten()(layers.AdaptiveAveragePooling2D(2)(layers.Conv2D(4, 3, padding="same")(x)))
    model = dagnet.Model(x, layers.Dense(1)(y))
    assert model.layers[2].output.shape == (None, 2, 2, 4)
    model.compile("sgd", "mse")
    data = np.random.default_rng(2).normal(size=(8, 6, 6, 3)).astype("float32")
    history = model.fit(data, np.zeros((8, 1)), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert ops.adaptive_max_pool(dagnet.Input((6, 3)), 2).shape == (None, 2, 3)


def test_errors_name_the_layer_and_shapes():
    with pytest.raises(TypeError, match="output_size"):
        layers.AdaptiveAveragePooling2D((1, 2, 3))
    with pytest.raises(ValueError, match="length 1"):
        layers.AdaptiveMaxPooling1D((2, 3))
    with pytest.raises(ValueError, match="positive"):
        layers.AdaptiveMaxPooling1D(0)
    with pytest.raises(ValueError, match="data_format"):
        layers.AdaptiveAveragePooling1D(2, data_format="nwc")
    with pytest.raises(ValueError, match=r'"pool".*\(None, None, 3\)'):
        layers.AdaptiveAveragePooling1D(2, name="pool")(dagnet.Input((None, 3)))
    with pytest.raises(ValueError, match="adaptive_max_pool.*output_size"):
        ops.adaptive_max_pool(np.ones((1, 4, 4, 1), "float32"), (2, 2, 2))
