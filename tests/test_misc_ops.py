"""Embedding, reshape family, mae / sparse / from-logits losses, l2 penalty: NumPy
references, float64 finite-difference gradients and error cases."""

import numpy as np
import pytest
from helpers import fd_check, mse_to, run_op

from dagnet.engine import Graph

EPS = 1e-7


def test_embedding_forward_and_errors():
    rng = np.random.default_rng(0)
    table = rng.standard_normal((10, 3)).astype(np.float32)
    for dtype in (np.int32, np.int64):
        idx = rng.integers(0, 10, (4, 5)).astype(dtype)
        (got,) = run_op("embedding", [idx, table])
        np.testing.assert_array_equal(got, table[idx])
    for bad in (10, -1, 1000):
        idx = np.array([[1, 2], [3, bad]], np.int64)
        with pytest.raises(ValueError, match=rf"index {bad} at position \(1, 1\) is out of range \[0, 10\)"):
            run_op("embedding", [idx, table])
    with pytest.raises(TypeError, match="indices must be int32 or int64"):
        run_op("embedding", [np.zeros((2,), np.float32), table])


def test_embedding_gradient_accumulates_repeated_rows():
    rng = np.random.default_rng(1)
    idx = np.array([[0, 2, 2], [1, 2, 0]], np.int64)
    g = Graph()
    g.param("idx", idx)

    def build(g2, ids):
        i = g2.param("i", idx)
        (e,) = g2.node("embedding", [i, ids[0]])
        return mse_to(g2, e, rng)

    fd_check(build, [rng.standard_normal((4, 3))], rng)
    dy = rng.standard_normal((2, 3, 3))
    (got,) = run_op("embedding_grad", [dy, idx, np.zeros((4, 3))])
    want = np.zeros((4, 3))
    np.add.at(want, idx.reshape(-1), dy.reshape(-1, 3))
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("target,expected", [([0, -1], (2, 12)), ([-1, 3, 2], (4, 3, 2)), ([6, 0, 0], None)])
def test_reshape(target, expected):
    x = (
        np.arange(24, dtype=np.float32).reshape(2, 6, 2)
        if expected is None
        else np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    )
    if expected is None:
        (got,) = run_op("reshape", [x.reshape(6, 2, 2)], {"shape": [6, 0, 0]})
        np.testing.assert_array_equal(got, x.reshape(6, 2, 2))
        return
    (got,) = run_op("reshape", [x], {"shape": target})
    assert got.shape == expected
    np.testing.assert_array_equal(got.reshape(-1), x.reshape(-1))


def test_reshape_errors_and_unknown_dims():
    with pytest.raises(ValueError, match="at most one dimension"):
        run_op("reshape", [np.zeros((2, 3), np.float32)], {"shape": [-1, -1]})
    with pytest.raises(ValueError, match="cannot reshape 6 elements"):
        run_op("reshape", [np.zeros((2, 3), np.float32)], {"shape": [4, -1]})
    g = Graph()
    x = g.input("x", [-1, 3, 4])
    (y,) = g.node("reshape", [x], {"shape": [0, -1]})
    assert g.shape(y) == [-1, 12]
    (z,) = g.node("merge_leading_axes", [x])
    assert g.shape(z) == [-1, 4]
    (w,) = g.node("split_leading_axes", [z, x])
    assert g.shape(w) == [-1, 3, 4]


def test_reshape_family_gradients():
    rng = np.random.default_rng(2)

    def build(g, ids):
        x = ids[0]
        (a,) = g.node("reshape", [x], {"shape": [0, -1]})
        (b,) = g.node("activation", [a], {"kind": "tanh"})
        (c,) = g.node("reshape_like", [b, x])
        (d,) = g.node("merge_leading_axes", [c])
        (e,) = g.node("activation", [d], {"kind": "sigmoid"})
        (f,) = g.node("split_leading_axes", [e, x])
        return mse_to(g, f, rng)

    fd_check(build, [rng.standard_normal((2, 3, 4))], rng)


def ref_sparse(p, labels, from_logits):
    z = p if from_logits else np.log(np.clip(p, EPS, 1 - EPS))
    z = z - z.max(-1, keepdims=True)
    logsm = z - np.log(np.exp(z).sum(-1, keepdims=True))
    return -np.mean(np.take_along_axis(logsm, labels[..., None], -1))


def ref_logits(name, x, t):
    if name == "binary_crossentropy_logits":
        return np.mean(np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x))))
    z = x - x.max(-1, keepdims=True)
    logsm = z - np.log(np.exp(z).sum(-1, keepdims=True))
    return np.mean(-(t * logsm).sum(-1))


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy(from_logits):
    rng = np.random.default_rng(3)
    p = rng.uniform(0.05, 1, (6, 4)) if not from_logits else rng.standard_normal((6, 4)) * 3
    labels = rng.integers(0, 4, 6)
    op = "sparse_categorical_crossentropy" + ("_logits" if from_logits else "")
    for lab in (labels, labels[:, None], labels.astype(np.int32), labels.astype(np.float64)):
        (got,) = run_op(op, [p, lab])
        np.testing.assert_allclose(got, ref_sparse(p, labels, from_logits), rtol=1e-10)
    with pytest.raises(ValueError, match="label 4 at position 0 is not a class index in \\[0, 4\\)"):
        run_op(op, [p, np.array([4, 0, 0, 0, 0, 0])])

    def build(g, ids):
        return g.node(op, [ids[0], g.param("l", labels)])[0]

    fd_check(build, [p], rng)


@pytest.mark.parametrize("name", ["binary_crossentropy_logits", "categorical_crossentropy_logits"])
def test_from_logits_losses(name):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 3)) * 2
    t = rng.uniform(size=(5, 3)) if "binary" in name else np.eye(3)[rng.integers(0, 3, 5)]
    (got,) = run_op(name, [x, t])
    np.testing.assert_allclose(got, ref_logits(name, x, t), rtol=1e-10)
    big = np.array([[100.0, -100.0, 0.0]], np.float32)
    tb = np.array([[0.0, 1.0, 0.0]], np.float32)
    (value,) = run_op(name, [big, tb])
    assert np.isfinite(value)
    np.testing.assert_allclose(value, ref_logits(name, big.astype(np.float64), tb), rtol=1e-5)

    def build(g, ids):
        return g.node(name, [ids[0], g.param("t", t)])[0]

    fd_check(build, [x], rng)


def test_mae_and_l2_penalty():
    rng = np.random.default_rng(5)
    p, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    np.testing.assert_allclose(run_op("mae", [p, t])[0], np.mean(np.abs(p - t)), rtol=1e-12)
    np.testing.assert_allclose(run_op("l2_penalty", [p], {"l2": 0.3})[0], 0.3 * np.sum(p**2), rtol=1e-12)

    def build_mae(g, ids):
        return g.node("mae", [ids[0], g.param("t", t)])[0]

    fd_check(build_mae, [p], rng)

    def build_l2(g, ids):
        return g.node("l2_penalty", ids, {"l2": 0.3})[0]

    fd_check(build_l2, [p], rng)
