"""The keras.ops engine ops against NumPy: broadcasting binaries and comparisons, where,
unary math, reductions, transpose, slicing, expand/squeeze/stack, batch matmul, cast,
dropout; float64 finite-difference gradients; errors."""

import math

import numpy as np
import pytest
from helpers import fd_check, mse_to, run_op

from dagnet.engine import Executor, Graph

BINARY = {
    "add": np.add,
    "subtract": np.subtract,
    "multiply": np.multiply,
    "divide": np.divide,
    "maximum": np.maximum,
    "minimum": np.minimum,
    "power": np.power,
}
COMPARE = {
    "equal": np.equal,
    "not_equal": np.not_equal,
    "less": np.less,
    "less_equal": np.less_equal,
    "greater": np.greater,
    "greater_equal": np.greater_equal,
}
SHAPES = [((3, 4), (3, 4)), ((3, 4), ()), ((), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1))]


@pytest.mark.parametrize("kind", list(BINARY) + list(COMPARE))
@pytest.mark.parametrize("sa,sb", SHAPES)
def test_binary_forward(kind, sa, sb):
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 2.0, sa)
    b = rng.uniform(0.5, 2.0, sb) if kind not in COMPARE else np.round(rng.uniform(0.5, 2.0, sb), 0)
    if kind in COMPARE:
        a = np.round(a, 0)
    (got,) = run_op("binary", [np.asarray(a), np.asarray(b)], {"kind": kind})
    want = {**BINARY, **COMPARE}[kind](a, b)
    np.testing.assert_allclose(got, want.astype(np.float64), rtol=1e-12)


def test_binary_on_integers():
    a, b = np.array([[1, 5], [3, 2]], np.int64), np.array([2, 2], np.int64)
    np.testing.assert_array_equal(run_op("binary", [a, b], {"kind": "add"})[0], a + b)
    np.testing.assert_array_equal(run_op("binary", [a, b], {"kind": "not_equal"})[0], (a != b).astype(np.int64))


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((300, 70), (70,)),
        ((3, 1, 5000), (1, 4, 1)),
        ((50, 7, 90), (50, 7, 1)),
        ((6, 40000), (6, 1)),
        ((41, 1, 3), (7, 1)),
    ],
)
def test_broadcasting_at_sizes_that_split_across_threads(sa, sb):
    """Broadcast walks (row by row, in parallel) and the sums back to each operand's shape."""
    rng = np.random.default_rng(12)
    a, b = rng.uniform(0.5, 2.0, sa).astype(np.float32), rng.uniform(0.5, 2.0, sb).astype(np.float32)
    (got,) = run_op("binary", [a, b], {"kind": "multiply"})
    np.testing.assert_allclose(got, a * b, rtol=1e-6)
    cond = (rng.random(got.shape) > 0.5).astype(np.float32)
    np.testing.assert_array_equal(run_op("where", [cond, a, b])[0], np.where(cond != 0, a, b))
    g = rng.standard_normal(got.shape).astype(np.float32)
    da, db = run_op("binary_grad", [g, a, b], {"kind": "multiply"})
    np.testing.assert_allclose(da, g * b, rtol=1e-6)
    for full, like in ((da, a), (db, b)):
        (summed,) = run_op("sum_to_shape", [full, like])
        lead = full.ndim - like.ndim
        axes = tuple(range(lead)) + tuple(
            d + lead for d in range(like.ndim) if like.shape[d] == 1 and full.shape[d + lead] != 1
        )
        np.testing.assert_allclose(
            summed, full.astype(np.float64).sum(axis=axes).reshape(like.shape), rtol=1e-4, atol=1e-3
        )


@pytest.mark.parametrize("kind", list(BINARY))
@pytest.mark.parametrize("sa,sb", [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), ())])
def test_binary_gradients(kind, sa, sb):
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0.5, 2.0, sa), rng.uniform(0.5, 2.0, sb)
    if kind in ("maximum", "minimum"):
        b = b + 0.01  # no exact ties for the finite differences

    def build(g, ids):
        (y,) = g.node("binary", ids, {"kind": kind})
        return mse_to(g, y, rng)

    fd_check(build, [a, b], rng)


def test_where_forward_and_gradient():
    rng = np.random.default_rng(2)
    cond = (rng.uniform(size=(3, 4)) > 0.5).astype(np.float64)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    np.testing.assert_array_equal(run_op("where", [cond, a, b])[0], np.where(cond != 0, a, b))

    def build(g, ids):
        (y,) = g.node("where", [g.param("c", cond)] + ids)
        return mse_to(g, y, rng)

    fd_check(build, [a, b], rng)


UNARY = {
    "neg": np.negative,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "square": np.square,
    "abs": np.abs,
    "sign": np.sign,
    "reciprocal": np.reciprocal,
    "log1p": np.log1p,
    "expm1": np.expm1,
    "softplus": lambda x: np.logaddexp(0, x),
    "sin": np.sin,
    "cos": np.cos,
    "floor": np.floor,
    "round": np.round,
    "rsqrt": lambda x: 1 / np.sqrt(x),
    "erf": np.vectorize(math.erf),
}


@pytest.mark.parametrize("kind", list(UNARY))
def test_unary(kind):
    rng = np.random.default_rng(3)
    x = rng.uniform(0.2, 3.0, (3, 5)) * (
        1 if kind in ("log", "sqrt", "rsqrt", "log1p") else rng.choice([-1, 1], (3, 5))
    )
    (got,) = run_op("unary", [x], {"kind": kind})
    np.testing.assert_allclose(got, UNARY[kind](x), rtol=1e-12)
    if kind in ("sign", "floor", "round"):
        return

    def build(g, ids):
        (y,) = g.node("unary", ids, {"kind": kind})
        return mse_to(g, y, rng)

    fd_check(build, [x], rng)


@pytest.mark.parametrize("kind", ["sum", "mean", "max", "min", "prod"])
@pytest.mark.parametrize("axes,keepdims", [([], False), ([1], False), ([0, 2], True), ([-1], True)])
def test_reduce(kind, axes, keepdims):
    rng = np.random.default_rng(4)
    x = rng.uniform(0.5, 1.5, (2, 3, 4))
    fn = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod}[kind]
    (got,) = run_op("reduce", [x], {"kind": kind, "axes": axes, "keepdims": int(keepdims)})
    want = fn(x, axis=tuple(axes) if axes else None, keepdims=keepdims)
    np.testing.assert_allclose(got, want, rtol=1e-12)

    def build(g, ids):
        (y,) = g.node("reduce", ids, {"kind": kind, "axes": axes, "keepdims": int(keepdims)})
        return y if not g.shape(y) else mse_to(g, y, rng)  # a full reduction is already a scalar

    fd_check(build, [x], rng)


@pytest.mark.parametrize("kind", ["sum", "mean", "max", "min", "prod"])
@pytest.mark.parametrize(
    "shape,axes",
    [
        ((3, 70001), [1]),
        ((70001,), []),
        ((5, 67, 300), [1]),
        ((4, 1, 300), [0, 1]),
        ((2, 3, 5, 7), [1, 2]),
        ((6, 5, 4), [0, 2]),
        ((300, 7), [0]),
    ],
)
def test_reduce_large_float32(kind, shape, axes):
    """Sizes past the kernels' lane, tile and block widths, one block of axes or not."""
    rng = np.random.default_rng(11)
    x = rng.uniform(0.999, 1.001, shape).astype(np.float32)
    fn = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod}[kind]
    (got,) = run_op("reduce", [x], {"kind": kind, "axes": axes})
    want = fn(x.astype(np.float64), axis=tuple(axes) if axes else None)
    np.testing.assert_allclose(got, want.astype(np.float32), rtol=1e-5)
    (dx,) = run_op("reduce_grad", [np.ones_like(got) * 2, x, got], {"kind": kind, "axes": axes})
    if kind in ("sum", "mean"):
        count = x.size // max(got.size, 1)
        np.testing.assert_allclose(dx, np.full(shape, 2 / (count if kind == "mean" else 1), np.float32), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_reduce_integers(dtype):
    x = np.arange(-50000, 70000, dtype=dtype).reshape(4, -1)
    for kind, fn in [("sum", np.sum), ("max", np.max), ("min", np.min)]:
        for axes in ([], [1], [0]):
            (got,) = run_op("reduce", [x], {"kind": kind, "axes": axes})
            np.testing.assert_array_equal(got, fn(x, axis=tuple(axes) if axes else None).astype(dtype))


def test_reduce_over_empty_axes():
    x = np.zeros((3, 0), np.float32)
    np.testing.assert_array_equal(run_op("reduce", [x], {"kind": "sum", "axes": [1]})[0], np.zeros(3))
    np.testing.assert_array_equal(run_op("reduce", [x], {"kind": "prod", "axes": [1]})[0], np.ones(3))
    assert np.isnan(run_op("reduce", [x], {"kind": "mean", "axes": [1]})[0]).all()
    with pytest.raises(ValueError, match="max over an empty axis"):
        run_op("reduce", [x], {"kind": "max", "axes": [1]})


def test_reduce_gradient_rules_for_ties_and_zeros():
    x = np.array([[1.0, 3.0, 3.0], [0.0, 2.0, 0.0]])
    g = Graph()
    p = g.param("x", x)
    (mx,) = g.node("reduce", [p], {"kind": "max", "axes": [1]})
    (pr,) = g.node("reduce", [p], {"kind": "prod", "axes": [1]})
    from dagnet.engine import gradients

    (total,) = g.node("add", [g.node("reduce", [mx], {"kind": "sum"})[0], g.node("reduce", [pr], {"kind": "sum"})[0]])
    (grad,) = Executor(g, gradients(g, total, [p])).run([])
    # max: ties split evenly (TF); prod: the others' product, exact with zeros
    np.testing.assert_allclose(grad, [[0 + 9, 0.5 + 3, 0.5 + 3], [0 + 0, 1 + 0, 0 + 0]])


@pytest.mark.parametrize("perm", [[1, 0, 2], [2, 0, 1], []])
def test_transpose(perm):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 4))
    (got,) = run_op("transpose", [x], {"perm": perm})
    np.testing.assert_array_equal(got, np.transpose(x, perm or None))

    def build(g, ids):
        (y,) = g.node("transpose", ids, {"perm": perm})
        return mse_to(g, y, rng)

    fd_check(build, [x], rng)


def slice_attrs(key, ndim):
    begin, end, strides, bm, em, sq = [], [], [], [], [], []
    for axis, k in enumerate(key):
        if isinstance(k, int):
            begin.append(k), end.append(k + 1 if k != -1 else 0), strides.append(1)
            bm.append(0), em.append(int(k == -1)), sq.append(axis)
        else:
            begin.append(k.start or 0), end.append(k.stop or 0), strides.append(k.step or 1)
            bm.append(int(k.start is None)), em.append(int(k.stop is None))
    return {"begin": begin, "end": end, "strides": strides, "begin_mask": bm, "end_mask": em, "squeeze_axes": sq}


KEYS = [
    (slice(None), 1),
    (slice(1, 3),),
    (slice(None, None, -1),),
    (slice(-3, None, 2), slice(None), -1),
    (1, slice(4, 0, -2)),
    (slice(10, 20),),
    (slice(-100, 2), 0),
]


@pytest.mark.parametrize("key", KEYS)
def test_slice(key):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 5, 3))
    (got,) = run_op("slice", [x], slice_attrs(key, 3))
    np.testing.assert_array_equal(got, x[key])
    if x[key].size == 0:
        return

    def build(g, ids):
        (y,) = g.node("slice", ids, slice_attrs(key, 3))
        return mse_to(g, y, rng)

    fd_check(build, [x], rng)


def test_slice_errors_and_unknown_dims():
    with pytest.raises(IndexError, match="index 5 is out of bounds for axis 1 with size 3"):
        run_op("slice", [np.zeros((2, 3))], slice_attrs((slice(None), 5), 2))
    g = Graph()
    x = g.input("x", [-1, -1, 6])
    (y,) = g.node("slice", [x], slice_attrs((slice(None), 2), 3))
    assert g.shape(y) == [-1, 6]


def test_expand_squeeze_stack():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3))
    np.testing.assert_array_equal(run_op("expand_dims", [x], {"axis": 1})[0], x[:, None])
    np.testing.assert_array_equal(run_op("expand_dims", [x], {"axis": -1})[0], x[..., None])
    np.testing.assert_array_equal(run_op("squeeze", [x[:, None, :, None]], {"axes": []})[0], x)
    np.testing.assert_array_equal(run_op("squeeze", [x[:, None]], {"axes": [1]})[0], x)
    with pytest.raises(ValueError, match="cannot squeeze axis 0 of size 2"):
        run_op("squeeze", [x], {"axes": [0]})
    parts = [rng.standard_normal((2, 3)) for _ in range(3)]
    for axis in (0, 1, 2, -1):
        np.testing.assert_array_equal(run_op("stack", parts, {"axis": axis})[0], np.stack(parts, axis=axis))

    def build(g, ids):
        (s,) = g.node("stack", ids, {"axis": 1})
        (e,) = g.node("expand_dims", [s], {"axis": 0})
        (q,) = g.node("squeeze", [e], {"axes": [0]})
        return mse_to(g, q, rng)

    fd_check(build, parts, rng)


@pytest.mark.parametrize("ta,tb", [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_batch_matmul(ta, tb):
    rng = np.random.default_rng(8)
    a = rng.standard_normal((2, 4, 3) if ta else (2, 3, 4))
    b = rng.standard_normal((2, 5, 4) if tb else (2, 4, 5))
    (got,) = run_op("batch_matmul", [a, b], {"transpose_a": ta, "transpose_b": tb})
    want = (np.swapaxes(a, 1, 2) if ta else a) @ (np.swapaxes(b, 1, 2) if tb else b)
    np.testing.assert_allclose(got, want, rtol=1e-12)

    def build(g, ids):
        (y,) = g.node("batch_matmul", ids, {"transpose_a": ta, "transpose_b": tb})
        return mse_to(g, y, rng)

    fd_check(build, [a, b], rng)


def test_cast():
    x = np.array([[1.7, -2.2]], np.float64)
    np.testing.assert_array_equal(run_op("cast", [x], {"dtype": "int32"})[0], x.astype(np.int32))
    np.testing.assert_array_equal(run_op("cast", [x], {"dtype": "float32"})[0], x.astype(np.float32))

    def build(g, ids):
        (a,) = g.node("cast", ids, {"dtype": "float32"})
        (b,) = g.node("cast", [a], {"dtype": "float64"})
        return mse_to(g, b, np.random.default_rng(0))

    # The float32 round trip quantises the forward pass, so differences need a larger step.
    fd_check(build, [np.array([[0.5, 0.25]])], np.random.default_rng(0), eps=1e-3, rtol=1e-3, atol=1e-4)


def test_dropout_masks_scale_and_advance():
    g = Graph()
    x = g.input("x", [-1, 1000])
    state = g.param("state", np.zeros((), np.int64))
    y, keep = g.node("dropout", [x, state], {"rate": 0.3, "seed": 7})
    ex = Executor(g, [y, keep])
    data = np.ones((4, 1000), np.float32)
    y1, k1 = ex.run([data])
    y2, k2 = ex.run([data])
    assert abs(k1.mean() - 0.7) < 0.03
    np.testing.assert_allclose(y1, k1 / 0.7, rtol=1e-6)
    assert not np.array_equal(k1, k2)  # a fresh mask every run
    assert int(np.asarray(g.param_tensor(state))) == 2


def test_broadcast_error_names_node():
    with pytest.raises(ValueError, match=r"\(binary\): shapes \(3, 4\) and \(3,\) cannot be broadcast together"):
        run_op("binary", [np.zeros((3, 4)), np.zeros(3)], {"kind": "add"})
