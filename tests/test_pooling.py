"""Max / average pooling (1-D, 2-D, global) against NumPy, with Keras's 'same' averaging
over real elements only; float64 finite-difference gradients; errors."""

import conv_reference as ref
import numpy as np
import pytest
from helpers import fd_check, mse_to, run_op


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize(
    "shape,pool,strides,padding",
    [
        ((2, 7, 9, 3), (2, 2), (2, 2), "valid"),
        ((1, 7, 9, 2), (3, 3), (1, 1), "same"),
        ((2, 5, 5, 1), (3, 2), (2, 3), "same"),
        ((1, 4, 4, 2), (4, 4), (4, 4), "valid"),
    ],
)
def test_pool2d(mode, shape, pool, strides, padding):
    x = np.random.default_rng(0).standard_normal(shape)
    attrs = {"pool_size": list(pool), "strides": list(strides), "padding": padding}
    (got,) = run_op(f"{mode}_pool2d", [x], attrs)
    want = ref.pool2d(x, pool, strides, padding, mode)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    (got_cf,) = run_op(f"{mode}_pool2d", [x.transpose(0, 3, 1, 2).copy()], {**attrs, "data_format": "channels_first"})
    np.testing.assert_allclose(got_cf, want.transpose(0, 3, 1, 2), rtol=1e-12)


def test_same_average_divides_by_real_elements():
    x = np.ones((1, 3, 3, 1))
    (got,) = run_op("avg_pool2d", [x], {"pool_size": [3, 3], "strides": [1, 1], "padding": "same"})
    np.testing.assert_allclose(got, np.ones((1, 3, 3, 1)))  # padding would pull the corners to 4/9


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool1d(mode):
    x = np.random.default_rng(1).standard_normal((2, 11, 3))
    (got,) = run_op(f"{mode}_pool1d", [x], {"pool_size": [3], "strides": [2], "padding": "same"})
    want = ref.pool2d(x[:, None], (1, 3), (1, 2), "same", mode)[:, 0]
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_global_pooling(mode):
    rng = np.random.default_rng(2)
    fn = np.max if mode == "max" else np.mean
    x2 = rng.standard_normal((2, 4, 5, 3))
    np.testing.assert_allclose(run_op(f"global_{mode}_pool", [x2])[0], fn(x2, axis=(1, 2)), rtol=1e-12)
    np.testing.assert_allclose(
        run_op(f"global_{mode}_pool", [x2.transpose(0, 3, 1, 2).copy()], {"data_format": "channels_first"})[0],
        fn(x2, axis=(1, 2)),
        rtol=1e-12,
    )
    x1 = rng.standard_normal((3, 7, 2))
    np.testing.assert_allclose(run_op(f"global_{mode}_pool", [x1])[0], fn(x1, axis=1), rtol=1e-12)


@pytest.mark.parametrize(
    "op,attrs,shape",
    [
        ("max_pool2d", {"pool_size": [2, 2], "padding": "valid"}, (2, 5, 4, 2)),
        ("avg_pool2d", {"pool_size": [3, 3], "strides": [2, 2], "padding": "same"}, (2, 5, 4, 2)),
        ("max_pool2d", {"pool_size": [3, 2], "strides": [1, 2], "padding": "same"}, (1, 4, 5, 2)),
        ("avg_pool1d", {"pool_size": [2], "padding": "same"}, (2, 5, 3)),
        ("max_pool1d", {"pool_size": [3], "strides": [1], "padding": "valid"}, (2, 6, 3)),
        ("global_max_pool", {}, (2, 3, 4, 2)),
        ("global_avg_pool", {}, (2, 5, 3)),
    ],
)
def test_pooling_gradients(op, attrs, shape):
    rng = np.random.default_rng(3)

    def build(g, ids):
        (y,) = g.node(op, ids, attrs)
        return mse_to(g, y, rng)

    fd_check(build, [rng.permutation(np.prod(shape)).reshape(shape) * 0.1], rng)  # distinct values: no ties


def test_pooling_errors():
    from dagnet.engine import Graph

    g = Graph()
    x = g.input("x", [-1, 1, 200, 200])
    with pytest.raises(ValueError, match=r"'pool' \(max_pool2d\): output would be empty: input height 1 .*window 2"):
        g.node("max_pool2d", [x], {"pool_size": [2, 2]}, "pool")
    with pytest.raises(ValueError, match="rank 3 .*, 4 .* or 5"):
        g.node("global_max_pool", [g.input("z", [-1, 3])])


def test_nan_rules_match_tensorflow():
    """Keras 3.15 (TF): a MaxPooling window ignores NaN, a global max propagates it."""
    from dagnet import layers

    cases = [
        ([np.nan, 1.0], 1.0),
        ([1.0, np.nan], 1.0),
        ([np.nan, np.nan], np.finfo(np.float32).min),
        ([-5.0, np.nan], -5.0),
    ]
    for values, windowed in cases:
        x = np.array([[[v] for v in values]], "float32")
        np.testing.assert_array_equal(np.asarray(layers.MaxPooling1D(2)(x)).ravel(), np.float32([windowed]))
        assert np.isnan(np.asarray(layers.GlobalMaxPooling1D()(x))).all()
