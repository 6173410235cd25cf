"""The engine kinds added for keras.ops: unary arcsin arccos arctan arcsinh arccosh arctanh
erfc erfinv, binary arctan2 (float only) and the integer binaries bitwise_and bitwise_or
bitwise_xor left_shift right_shift gcd lcm, and the stop_gradient op: NumPy references in
float64 and float32, float64 finite-difference gradients, and errors."""

import math

import numpy as np
import pytest
from helpers import fd_check, mse_to, run_op

import dagnet
from dagnet import ops
from dagnet.engine import Executor, Graph, gradients

_erfc = np.vectorize(math.erfc)

UNARY = {
    "arcsin": (np.arcsin, (-0.95, 0.95)),
    "arccos": (np.arccos, (-0.95, 0.95)),
    "arctan": (np.arctan, (-4.0, 4.0)),
    "arcsinh": (np.arcsinh, (-4.0, 4.0)),
    "arccosh": (np.arccosh, (1.05, 5.0)),
    "arctanh": (np.arctanh, (-0.95, 0.95)),
    "erfc": (_erfc, (-3.0, 3.0)),
}


@pytest.mark.parametrize("kind", list(UNARY))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_unary_matches_numpy(kind, dtype):
    fn, (lo, hi) = UNARY[kind]
    x = np.random.default_rng(5).uniform(lo, hi, (3, 7)).astype(dtype)
    (got,) = run_op("unary", [x], {"kind": kind})
    assert got.dtype == dtype
    np.testing.assert_allclose(got, fn(x.astype("float64")), rtol=1e-12 if dtype == "float64" else 2e-6, atol=1e-30)


def test_unary_edges_match_numpy():
    edges = np.array([-1.0, 1.0, 0.0, -0.0, 2.0, -2.0, np.inf, -np.inf, np.nan])
    with np.errstate(all="ignore"):
        for kind, (fn, _) in UNARY.items():
            (got,) = run_op("unary", [edges], {"kind": kind})
            np.testing.assert_allclose(got, fn(edges), rtol=1e-15, atol=0, err_msg=kind)  # NaNs equal


def test_erfinv_inverts_erf():
    """erf(erfinv(y)) = y to float64 precision over (-1, 1), tails included; +-1 give +-inf,
    beyond NaN; and known values."""
    y = np.concatenate([np.linspace(-0.999999, 0.999999, 101), [1e-300, -1e-12, 1 - 1e-15, -(1 - 1e-13)]])
    (r,) = run_op("unary", [y], {"kind": "erfinv"})
    back = np.array([math.erf(v) for v in r])
    np.testing.assert_allclose(back, y, rtol=2e-15, atol=2e-16)
    tail = y[np.abs(y) > 0.5]  # 1 - |y| carries the information there: compare it through erfc
    (rt,) = run_op("unary", [tail], {"kind": "erfinv"})
    np.testing.assert_allclose([math.erfc(abs(v)) for v in rt], 1 - np.abs(tail), rtol=1e-12)
    (edges,) = run_op("unary", [np.array([1.0, -1.0, 1.5, -2.0, np.nan, 0.0])], {"kind": "erfinv"})
    np.testing.assert_array_equal(edges, [np.inf, -np.inf, np.nan, np.nan, np.nan, 0.0])
    (known,) = run_op("unary", [np.array([0.5, -0.9, 0.999])], {"kind": "erfinv"})
    np.testing.assert_allclose(known, [0.4769362762044699, -1.1630871536766743, 2.3267537655135246], rtol=1e-14)
    (f32,) = run_op("unary", [y[:101].astype("float32")], {"kind": "erfinv"})
    np.testing.assert_allclose([math.erf(v) for v in f32], y[:101].astype("float32"), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", list(UNARY) + ["erfinv"])
def test_unary_gradient_by_finite_differences(kind):
    rng = np.random.default_rng(6)
    lo, hi = UNARY[kind][1] if kind in UNARY else (-0.9, 0.9)
    x = rng.uniform(lo, hi, (2, 5))

    def build(g, ids):
        (y,) = g.node("unary", ids, {"kind": kind})
        return mse_to(g, y, rng)

    fd_check(build, [x], rng, rtol=1e-5, atol=1e-8)


def test_arctan2_matches_numpy():
    y = np.array([1.0, 1.0, -1.0, -1.0, 0.0, -0.0, 0.0, -0.0, 2.0, np.inf, -np.inf, np.inf, np.nan, 3.0])
    x = np.array([1.0, -1.0, 1.0, -1.0, 1.0, 1.0, -1.0, -1.0, 0.0, 1.0, -np.inf, np.inf, 1.0, -np.inf])
    (got,) = run_op("binary", [y, x], {"kind": "arctan2"})
    np.testing.assert_array_equal(got, np.arctan2(y, x))  # signed zeros and infinities included
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((3, 4)).astype("float32"), rng.standard_normal((4,)).astype("float32")
    (got,) = run_op("binary", [a, b], {"kind": "arctan2"})  # broadcast
    np.testing.assert_allclose(got, np.arctan2(a, b), rtol=1e-6)


def test_arctan2_gradient_by_finite_differences():
    rng = np.random.default_rng(8)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((1, 4))

    def build(g, ids):
        (y,) = g.node("binary", ids, {"kind": "arctan2"})
        return mse_to(g, y, rng)

    fd_check(build, [a, b], rng, rtol=1e-5, atol=1e-8)


INTEGER = {
    "bitwise_and": np.bitwise_and,
    "bitwise_or": np.bitwise_or,
    "bitwise_xor": np.bitwise_xor,
    "gcd": np.gcd,
    "lcm": np.lcm,
}


@pytest.mark.parametrize("kind", list(INTEGER))
@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integer_binaries_match_numpy(kind, dtype):
    rng = np.random.default_rng(9)
    a = rng.integers(-1000, 1000, (4, 6)).astype(dtype)
    b = rng.integers(-1000, 1000, (6,)).astype(dtype)
    a[0, :3], b[:3] = 0, [0, 7, -1]
    (got,) = run_op("binary", [a, b], {"kind": kind})
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, INTEGER[kind](a, b))


def test_gcd_lcm_extremes():
    low = np.iinfo("int32").min
    a = np.array([low, low, 0, 2**30, -6], "int32")
    b = np.array([0, 2, 0, 2**29 * 3, 4], "int32")
    (g,) = run_op("binary", [a, b], {"kind": "gcd"})
    np.testing.assert_array_equal(g, np.gcd(a, b))  # gcd(min, 0) wraps to min, as NumPy's
    (m,) = run_op("binary", [a[2:], b[2:]], {"kind": "lcm"})
    np.testing.assert_array_equal(m, np.lcm(a[2:], b[2:]))


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_shifts(dtype):
    bits = np.iinfo(dtype).bits
    a = np.array([1, -1, 5, -40, 123, 7, -7, 3], dtype)
    n = np.array([0, 3, bits - 1, 2, bits, -1, bits + 5, 1], dtype)
    (left,) = run_op("binary", [a, n], {"kind": "left_shift"})
    (right,) = run_op("binary", [a, n], {"kind": "right_shift"})
    ok = (n >= 0) & (n < bits)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(left[ok], np.left_shift(a[ok], n[ok]))  # wraps, as NumPy's
        np.testing.assert_array_equal(right[ok], np.right_shift(a[ok], n[ok]))
    # Counts outside [0, bits) shift every bit out: 0, or -1 for a negative number shifted right.
    np.testing.assert_array_equal(left[~ok], 0)
    np.testing.assert_array_equal(right[~ok], np.where(a[~ok] < 0, -1, 0))


def test_kind_dtype_errors():
    f = np.ones(3, "float32")
    i = np.ones(3, "int32")
    with pytest.raises(ValueError, match=r"bitwise_and needs integer operands .*float32"):
        run_op("binary", [f, f], {"kind": "bitwise_and"})
    with pytest.raises(TypeError, match="must be float32 or float64, got int32"):
        run_op("binary", [i, i], {"kind": "arctan2"})
    with pytest.raises(TypeError, match="must be float32 or float64"):
        run_op("unary", [i], {"kind": "erfinv"})
    with pytest.raises(ValueError, match="unknown unary kind 'arcsec'.*arctanh"):
        run_op("unary", [f], {"kind": "arcsec"})
    with pytest.raises(TypeError, match=r"gcd needs integer operands .*float32"):
        ops.gcd(f, i)
    with pytest.raises(TypeError, match="bitwise_not needs integer operands"):
        ops.bitwise_not(f)


def test_integer_ops_on_python_ints_and_mixed_dtypes():
    assert ops.bitwise_and(12, 10) == 8 and ops.bitwise_and(12, 10).dtype == np.int32
    got = ops.left_shift(np.array([1, 2], "int64"), np.array([3, 4], "int32"))
    assert got.dtype == np.int64 and got.tolist() == [8, 32]
    assert ops.lcm(np.array([4, 6], "int32"), 10).tolist() == [20, 30]


def test_stop_gradient_blocks_the_gradient():
    """d/dx of x * stop_gradient(x) is stop_gradient(x) alone; ints pass through."""
    x = np.array([0.5, -2.0, 3.0])
    g = Graph()
    p = g.param("p", x)
    (sg,) = g.node("stop_gradient", [p])
    (y,) = g.node("binary", [p, sg], {"kind": "multiply"})
    (loss,) = g.node("reduce", [y], {"kind": "sum", "axes": [], "keepdims": 0})
    (grad,) = Executor(g, gradients(g, loss, [p])).run([])
    np.testing.assert_array_equal(grad, x)
    (ints,) = run_op("stop_gradient", [np.array([3, -4], "int64")])
    assert ints.dtype == np.int64 and ints.tolist() == [3, -4]


def test_stop_gradient_freezes_weights_behind_it():
    inputs = dagnet.Input((3,))
    frozen = dagnet.layers.Dense(2, name="frozen")
    trained = dagnet.layers.Dense(1, name="trained")
    model = dagnet.Model(inputs, trained(ops.stop_gradient(frozen(inputs))))
    before = [w.copy() for w in model.get_weights()]
    model.compile("sgd", "mse")
    data = np.random.default_rng(0).standard_normal((8, 3)).astype("float32")
    model.train_on_batch(data, np.ones((8, 1), "float32"))
    after = model.get_weights()
    np.testing.assert_array_equal(after[0], before[0])  # frozen kernel and bias unchanged
    np.testing.assert_array_equal(after[1], before[1])
    assert not np.allclose(after[2], before[2])  # the layer after it still trains


def test_bitcast_matches_numpy_view():
    x = np.random.default_rng(4).standard_normal((3, 4)).astype("float32")
    for dtype in ("int32", "float64", "int64"):
        (got,) = run_op("bitcast", [x], {"dtype": dtype})
        np.testing.assert_array_equal(got, x.view(dtype))
    (back,) = run_op("bitcast", [x.view("int64")], {"dtype": "float32"})
    np.testing.assert_array_equal(back, x)
    with pytest.raises(ValueError, match="the last axis holds 12 bytes, not a whole number of float64 items"):
        run_op("bitcast", [np.ones((2, 3), "float32")], {"dtype": "float64"})
    with pytest.raises(TypeError, match="view: dagnet tensors are float32, float64, int32 or int64"):
        ops.view(x, "float16")
    inputs = dagnet.Input((4,))
    model = dagnet.Model(inputs, ops.cast(ops.view(inputs, "int32"), "float64"))
    np.testing.assert_array_equal(model.predict(x, verbose=0), x.view("int32"))
