"""Every op's forward pass against a NumPy reference, in float32 and float64."""

import numpy as np
import pytest
import reference as ref
from helpers import run_op

ACTIVATIONS = ["linear", "relu", "elu", "sigmoid", "tanh", "softmax"]
FLOATS = [np.float32, np.float64]


def tol(dtype):
    return dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("kind", ACTIVATIONS)
@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (2, 3, 5)])
def test_dense(kind, shape, dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal((shape[-1], 6)).astype(dtype)
    b = rng.standard_normal(6).astype(dtype)
    (got,) = run_op("dense", [x, w, b], {"activation": kind, "alpha": 0.7})
    np.testing.assert_allclose(got, ref.dense(x, w, b, kind, 0.7), **tol(dtype))
    (got,) = run_op("dense", [x, w], {"activation": kind})
    np.testing.assert_allclose(got, ref.dense(x, w, None, kind), **tol(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("ta,tb", [(0, 0), (1, 0), (0, 1), (1, 1)])
@pytest.mark.parametrize("m,n,k", [(1, 1, 1), (3, 5, 7), (17, 2, 33), (64, 31, 1)])
def test_matmul(ta, tb, m, n, k, dtype):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
    (got,) = run_op("matmul", [a, b], {"transpose_a": ta, "transpose_b": tb})
    want = (a.T if ta else a) @ (b.T if tb else b)
    np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5)


def test_matmul_folds_leading_axes():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 3, 4))
    b = rng.standard_normal((4, 5))
    (got,) = run_op("matmul", [a, b])
    np.testing.assert_allclose(got, a @ b, rtol=1e-12)
    c = rng.standard_normal((2, 3, 5))
    (got,) = run_op("matmul", [a, c], {"transpose_a": 1})  # contracts every leading axis
    np.testing.assert_allclose(got, a.reshape(6, 4).T @ c.reshape(6, 5), rtol=1e-12)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("kind", ACTIVATIONS)
def test_activation(kind, dtype):
    rng = np.random.default_rng(4)
    x = (3 * rng.standard_normal((4, 5, 6))).astype(dtype)
    (got,) = run_op("activation", [x], {"kind": kind, "alpha": 0.5})
    np.testing.assert_allclose(got, ref.activation(x, kind, 0.5), **tol(dtype))


@pytest.mark.parametrize("kind", ["elu", "sigmoid", "tanh"])
def test_float32_activations_are_accurate_over_the_whole_range(kind):
    """float32 uses polynomial exp/tanh/expm1 (vectorised): relative error stays at a few
    ulp from tiny inputs (where 1 - 2/(e^2x + 1) would cancel) to saturation."""
    mags = np.concatenate([np.geomspace(1e-30, 1e-3, 200), np.linspace(1e-3, 20, 4000), [50.0, 87.0, 100.0]])
    x = np.concatenate([-mags[::-1], [0.0], mags]).astype(np.float32)
    (got,) = run_op("activation", [x], {"kind": kind, "alpha": 1.0})
    want = ref.activation(x.astype(np.float64), kind, 1.0)
    np.testing.assert_allclose(got, want, rtol=3e-6, atol=1e-37)
    (nan,) = run_op("activation", [np.array([np.nan], np.float32)], {"kind": kind})
    assert np.isnan(nan).all()


@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_softmax_axis(axis):
    x = np.random.default_rng(5).standard_normal((3, 4, 5))
    (got,) = run_op("activation", [x], {"kind": "softmax", "axis": axis})
    np.testing.assert_allclose(got, ref.activation(x, "softmax", axis=axis), rtol=1e-12)


def test_softmax_and_sigmoid_are_stable_for_large_inputs():
    x = np.array([[1000.0, -1000.0, 0.0]], np.float32)
    (soft,) = run_op("activation", [x], {"kind": "softmax"})
    (sig,) = run_op("activation", [x], {"kind": "sigmoid"})
    assert np.all(np.isfinite(soft)) and np.all(np.isfinite(sig))
    np.testing.assert_allclose(soft, [[1, 0, 0]])
    np.testing.assert_allclose(sig, [[1, 0, 0.5]])


@pytest.mark.parametrize("kind", ACTIVATIONS)
def test_activation_grad_kernel(kind):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 7))
    y = ref.activation(x, kind, 0.5)
    dy = rng.standard_normal((3, 7))
    (got,) = run_op("activation_grad", [dy, y], {"kind": kind, "alpha": 0.5})
    h = 1e-6  # directional derivative of the reference, row by row (softmax couples a row)
    want = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        want[i] = np.sum(dy * (ref.activation(x + e, kind, 0.5) - ref.activation(x - e, kind, 0.5))) / (2 * h)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_add(n):
    rng = np.random.default_rng(7)
    xs = [rng.standard_normal((4, 3, 2)).astype(np.float32) for _ in range(n)]
    (got,) = run_op("add", xs)
    np.testing.assert_allclose(got, np.sum(xs, axis=0), rtol=1e-6)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_concatenate_and_split(axis):
    rng = np.random.default_rng(8)
    base = [2, 3, 4]
    xs = []
    for extra in (1, 2, 3):
        shape = list(base)
        shape[axis] = extra
        xs.append(rng.standard_normal(shape).astype(np.float32))
    (got,) = run_op("concatenate", xs, {"axis": axis})
    np.testing.assert_array_equal(got, np.concatenate(xs, axis=axis))
    pieces = run_op("split_like", [got] + xs, {"axis": axis})
    for piece, x in zip(pieces, xs):
        np.testing.assert_array_equal(piece, x)


def test_concatenate_int_tensors():
    a, b = np.arange(6, dtype=np.int64).reshape(2, 3), np.arange(4, dtype=np.int64).reshape(2, 2)
    (got,) = run_op("concatenate", [a, b])
    np.testing.assert_array_equal(got, np.concatenate([a, b], axis=-1))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(1, 1), (8, 3), (2, 5, 4)])
def test_losses(shape, dtype):
    rng = np.random.default_rng(9)
    p = rng.uniform(0.01, 0.99, shape).astype(dtype)
    t_cont = rng.standard_normal(shape).astype(dtype)
    t_bin = (rng.uniform(size=shape) > 0.5).astype(dtype)
    t_cat = np.eye(shape[-1], dtype=dtype)[rng.integers(0, shape[-1], shape[:-1])]
    r = dict(rtol=1e-5) if dtype == np.float32 else dict(rtol=1e-12)
    np.testing.assert_allclose(run_op("mse", [p, t_cont])[0], ref.mse(p, t_cont), **r)
    np.testing.assert_allclose(run_op("binary_crossentropy", [p, t_bin])[0], ref.binary_crossentropy(p, t_bin), **r)
    np.testing.assert_allclose(
        run_op("categorical_crossentropy", [p, t_cat])[0], ref.categorical_crossentropy(p, t_cat), **r
    )


def test_crossentropy_clips_like_keras():
    p = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
    t = np.array([[1.0, 0.0], [1.0, 0.0]], np.float32)
    (got,) = run_op("binary_crossentropy", [p, t])
    assert np.isfinite(got)
    # Clipping happens in float32, as in Keras: 1 - 1e-7 rounds to 1 - 2**-23.
    np.testing.assert_allclose(got, ref.binary_crossentropy(p, t), rtol=1e-5)
    (got,) = run_op("categorical_crossentropy", [p, t])
    np.testing.assert_allclose(got, ref.categorical_crossentropy(p, t), rtol=1e-5)


def test_loss_gradient_kernels_match_reference():
    rng = np.random.default_rng(10)
    p = rng.uniform(0.05, 0.95, (3, 4))
    t = np.eye(4)[[0, 2, 3]]
    g = np.array(1.7)
    for name in ("mse", "binary_crossentropy", "categorical_crossentropy"):
        fn = getattr(ref, name)
        (got,) = run_op(name + "_grad", [g, p, t])
        want = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            e = np.zeros_like(p)
            e[i] = 1e-6
            want[i] = 1.7 * (fn(p + e, t) - fn(p - e, t)) / 2e-6
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)


def test_fill_scale_and_sum_leading_axes():
    x = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    np.testing.assert_array_equal(run_op("fill_like", [x], {"value": 2.5})[0], np.full((2, 3, 4), 2.5))
    np.testing.assert_array_equal(run_op("scale", [x], {"factor": -3})[0], -3 * x)
    np.testing.assert_array_equal(run_op("sum_leading_axes", [x])[0], x.sum(axis=(0, 1)))
    np.testing.assert_array_equal(
        run_op("fill_like", [x.astype(np.int32)], {"value": 7})[0], np.full((2, 3, 4), 7, np.int32)
    )


def test_accuracy_metrics():
    rng = np.random.default_rng(11)
    p = rng.uniform(size=(20, 4)).astype(np.float32)
    labels = rng.integers(0, 4, 20)
    onehot = np.eye(4, dtype=np.float32)[labels]
    want = np.mean(p.argmax(1) == labels)
    assert run_op("accuracy", [p, onehot], {"kind": "categorical"})[0] == pytest.approx(want)
    assert run_op("accuracy", [p, labels.astype(np.int64)], {"kind": "sparse_categorical"})[0] == pytest.approx(want)
    assert run_op("accuracy", [p, labels[:, None].astype(np.float32)], {"kind": "sparse_categorical"})[
        0
    ] == pytest.approx(want)
    binary_t = (rng.uniform(size=(20, 1)) > 0.5).astype(np.float32)
    pb = p[:, :1]
    assert run_op("accuracy", [pb, binary_t], {"kind": "binary"})[0] == pytest.approx(np.mean((pb > 0.5) == binary_t))
    assert run_op("accuracy", [pb, binary_t], {"kind": "binary", "threshold": 0.2})[0] == pytest.approx(
        np.mean((pb > 0.2) == binary_t)
    )
