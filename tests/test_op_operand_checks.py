"""Regression tests: every op's shape rule checks every input its kernel reads, so a
gradient op handed inconsistent operands (from a file or a hand-built graph) is a clear
error instead of a heap overflow or a silently wrong result; sizes that overflow int64 are
errors; integer kernels are defined for every input."""

import numpy as np
import pytest

from dagnet.engine import Executor, Graph

F32 = "float32"


def build(op, shapes, attrs=None, dtypes=None):
    g = Graph()
    ids = [g.input(f"x{i}", list(s), (dtypes or {}).get(i, F32)) for i, s in enumerate(shapes)]
    return g, g.node(op, ids, attrs or {})


def run(op, arrays, attrs=None, unknown=False):
    """Builds with every dim unknown when `unknown` (the rule then runs at plan time)."""
    g = Graph()
    ids = [g.input(f"x{i}", [-1] * a.ndim if unknown else list(a.shape), str(a.dtype)) for i, a in enumerate(arrays)]
    outs = g.node(op, ids, attrs or {})
    return Executor(g, outs).run(list(arrays))


def rejects(op, shapes, match, attrs=None, dtypes=None):
    with pytest.raises(ValueError, match=match):
        build(op, shapes, attrs, dtypes)
    # The same rule runs again when a plan is made for concrete shapes.
    arrays = [np.ones(s, (dtypes or {}).get(i, F32)) for i, s in enumerate(shapes)]
    with pytest.raises(ValueError, match=match):
        run(op, arrays, attrs, unknown=True)


def test_where_and_binary_grad_need_a_gradient_their_operands_broadcast_to():
    rejects("where_grad", [(), (3,)], "does not broadcast")
    rejects("where_grad", [(0,), (3,)], "does not broadcast")
    rejects("binary_grad", [(2,), (3,), (3,)], "does not broadcast", {"kind": "multiply"})
    rejects("binary_grad", [(), (4, 3), (3,)], "does not broadcast", {"kind": "add"})
    da, db = run(
        "binary_grad", [np.full((2, 3), 2, F32), np.ones((3,), F32), np.full((2, 1), 5, F32)], {"kind": "multiply"}
    )
    np.testing.assert_array_equal(da, np.full((2, 3), 10))
    np.testing.assert_array_equal(db, np.full((2, 3), 2))


def test_sum_to_shape_needs_a_shape_the_gradient_was_broadcast_from():
    rejects("sum_to_shape", [(4, 7), (2, 3)], "not a sum over its axes")
    g = np.arange(28, dtype=F32).reshape(4, 7)
    (cols,) = run("sum_to_shape", [g, np.zeros((1, 7), F32)], unknown=True)
    np.testing.assert_array_equal(cols, g.sum(0, keepdims=True))
    (total,) = run("sum_to_shape", [g, np.zeros((), F32)])
    assert total == g.sum()


def test_reduce_and_unary_and_activation_grads_check_their_gradient():
    rejects("reduce_grad", [(5,), (2, 3), (2,)], "output gradient", {"kind": "sum", "axes": [1]})
    rejects("reduce_grad", [(2,), (2, 3), (3,)], "reduction's output", {"kind": "max", "axes": [1]})
    rejects("unary_grad", [(2,), (3,), (3,)], "output gradient", {"kind": "exp"})
    rejects("unary_grad", [(3,), (3,), ()], "op's output", {"kind": "exp"})
    rejects("activation_grad", [(2, 5), (2, 3)], "output gradient", {"kind": "relu"})


def test_embedding_slice_and_split_grads_check_their_gradient():
    rejects("embedding_grad", [(2, 5), (3,), (10, 5)], "output gradient", dtypes={1: "int32"})
    rejects("embedding_grad", [(3, 4), (3,), (10, 5)], "output gradient", dtypes={1: "int32"})
    rejects(
        "slice_grad",
        [(9,), (4,)],
        "output gradient",
        {"begin": [1], "end": [3], "strides": [1], "begin_mask": [0], "end_mask": [0]},
    )
    rejects("split_like", [(3, 5), (2, 2), (2, 3)], "does not match the whole")


def test_pooling_and_convolution_grads_check_the_output_gradient():
    for op, x in [
        ("max_pool2d_grad", (1, 4, 4, 2)),
        ("avg_pool2d_grad", (1, 4, 4, 2)),
        ("max_pool1d_grad", (1, 4, 2)),
        ("avg_pool1d_grad", (1, 4, 2)),
    ]:
        rejects(op, [(1, 9, 9, 2)[: len(x)], x], "output gradient")
    rejects("global_max_pool_grad", [(1, 3), (1, 4, 2)], "output gradient")
    rejects("global_avg_pool_grad", [(2, 2), (1, 4, 2)], "output gradient")
    rejects("conv2d_grad_input", [(1, 9, 9, 4), (3, 3, 2, 4), (1, 5, 5, 2)], "output gradient")
    rejects("conv2d_grad_kernel", [(1, 3, 3, 5), (1, 5, 5, 2), (3, 3, 2, 4)], "output gradient")
    rejects("conv1d_grad_input", [(1, 2, 4), (3, 2, 4), (1, 5, 2)], "output gradient")
    rejects("conv1d_grad_kernel", [(2, 3, 4), (1, 5, 2), (3, 2, 4)], "output gradient")


def test_lstm_grad_checks_every_saved_tensor():
    n, t, f, u = 2, 3, 4, 5
    good = [(n, u), (n, u), (n, u), (n, t, f), (f, 4 * u), (u, 4 * u), (n, t, 4 * u), (n, t, u), (n, t, u)]
    build("lstm_grad", good)
    for i, what in [
        (0, "output's gradient"),
        (1, "final state's gradient"),
        (2, "final state's gradient"),
        (6, "saved activation"),
        (7, "saved activation"),
        (8, "saved activation"),
    ]:
        bad = list(good)
        bad[i] = tuple(d + 1 for d in good[i])
        rejects("lstm_grad", bad, what)
    rejects("lstm_grad", good[:4] + [(f + 1, 4 * u)] + good[5:], "kernel must be")


@pytest.mark.parametrize("reset_after", [0, 1])
def test_gru_grad_checks_every_operand(reset_after):
    n, t, f, u = 2, 3, 4, 5
    gates = (4 if reset_after else 3) * u
    good = [(n, t, u), (n, u), (n, t, f), (f, 3 * u), (u, 3 * u), (n, t, gates), (n, t, u), (n, u), (n, t)]
    attrs = {"return_sequences": 1, "reset_after": reset_after, "has_initial_state": 1, "has_mask": 1}
    build("gru_grad", good, attrs)
    for i, what in [
        (0, "output's gradient"),
        (1, "final state's gradient"),
        (3, "kernel must be"),
        (4, "recurrent kernel"),
        (5, "saved activation"),
        (6, "saved activation"),
        (7, "initial state"),
        (8, "mask"),
    ]:
        bad = list(good)
        bad[i] = tuple(d + 1 for d in good[i])
        rejects("gru_grad", bad, what, attrs)
    with pytest.raises(TypeError, match="dtype"):
        build("gru_grad", good, attrs, dtypes={6: "float64"})


def test_simple_rnn_grad_checks_every_operand():
    n, t, f, u = 2, 3, 4, 5
    good = [(n, u), (n, u), (n, t, f), (f, u), (u, u), (n, t, u), (n, u)]
    attrs = {"has_recurrent_mask": 1}
    build("simple_rnn_grad", good, attrs)
    for i, what in [
        (0, "output's gradient"),
        (1, "final state's gradient"),
        (2, "kernel must be"),
        (5, "saved activation"),
        (6, "recurrent dropout mask"),
    ]:
        bad = list(good)
        bad[i] = tuple(d + 1 for d in good[i])
        rejects("simple_rnn_grad", bad, what, attrs)


def test_recurrent_scratch_sizes_that_overflow_are_errors():
    # batch * steps * units past int64: a clear error when a plan is made, not a wrapped size.
    big = 1 << 22
    g = Graph()
    ids = [
        g.input("x", [-1, -1, 1], F32),
        g.input("w", [1, 4 * big], F32),
        g.input("r", [big, 4 * big], F32),
        g.input("b", [4 * big], F32),
    ]
    outs = g.node("lstm", ids, {})
    with pytest.raises((ValueError, MemoryError), match="too large"):
        Executor(g, outs).plan_stats([[big, big, 1], [1, 4 * big], [big, 4 * big], [4 * big]])


def test_metric_and_loss_extras_are_checked():
    rejects("accuracy", [(4, 3), (4, 3), (2,)], "row weights", {"kind": "categorical"})
    with pytest.raises(TypeError, match="upstream gradient has dtype float64"):
        build("mse_grad", [(), (4, 3), (4, 3)], dtypes={0: "float64"})
    with pytest.raises(ValueError, match="sample weights need weighted=1"):
        build("mse", [(4, 3), (4, 3), (4,), (4,)])


def test_dense_needs_a_batch_axis():
    with pytest.raises(ValueError, match="rank >= 2"):
        build("dense", [(3,), (3, 2)])


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
def test_huge_dilations_are_errors_not_wrapped_offsets(padding):
    # (3 - 1) * 2**62 does not fit in int64: an error, never a wrapped kernel tap.
    with pytest.raises(ValueError, match="too large"):
        build("conv1d", [(1, 7, 1), (3, 1, 1)], {"dilation": [2**62], "padding": padding})


@pytest.mark.parametrize("padding, tap", [("same", 3), ("causal", 0)])
def test_huge_dilations_that_fit_read_the_right_tap(padding, tap):
    # A window spanning 2**62 + 1 positions, centred (same) or ending (causal) on the input:
    # only one tap lands in it, x[3] or x[0] (as TensorFlow computes it).
    x = np.arange(7, dtype=F32).reshape(1, 7, 1) + 1
    k = np.array([10, 100, 1000], F32).reshape(3, 1, 1)
    (y,) = run("conv1d", [x, k], {"dilation": [2**61], "strides": [2**62], "padding": padding})
    expected = {"same": x[0, 3, 0] * 100, "causal": x[0, 0, 0] * 1000}[padding]
    np.testing.assert_array_equal(y.ravel(), [expected])


def test_huge_strides_take_one_window():
    x = np.arange(7, dtype=F32).reshape(1, 7, 1)
    for padding in ("valid", "same", "causal"):
        (y,) = run("conv1d", [x, np.ones((1, 1, 1), F32)], {"strides": [2**62], "padding": padding})
        np.testing.assert_array_equal(y.ravel(), [0])
    (p,) = run("max_pool1d", [x], {"pool_size": [2], "strides": [2**62], "padding": "same"})
    np.testing.assert_array_equal(p.ravel(), [1])


def test_huge_slice_steps_and_shapes():
    x = np.arange(5, dtype=F32)
    for step in (2**63 - 1, -(2**63)):
        attrs = {"begin": [0], "end": [5], "strides": [step], "begin_mask": [1], "end_mask": [1]}
        (y,) = run("slice", [x], attrs)
        np.testing.assert_array_equal(y, x[::step])
    with pytest.raises(ValueError, match="too large|too many"):
        build("reshape", [(2**40, 2**40)], {"shape": [-1]})
    with pytest.raises(ValueError, match="too large"):
        build("lstm", [(1, 1, 1), (1, 2**63 - 4), (2**62, 2**63 - 4), (2**63 - 4,)])


def test_integer_kernels_are_defined_for_every_input():
    a = np.array([7, -7, np.iinfo(np.int32).min, 5, np.iinfo(np.int32).max], np.int32)
    b = np.array([0, 0, -1, 2, 2], np.int32)
    (q,) = run("binary", [a, b], {"kind": "divide"})  # no SIGFPE: x / 0 = 0, min / -1 wraps
    np.testing.assert_array_equal(q, [0, 0, np.iinfo(np.int32).min, 2, np.iinfo(np.int32).max // 2])
    (s,) = run("binary", [a, b], {"kind": "add"})
    np.testing.assert_array_equal(s, a + b)  # NumPy wraps too
    f = np.array([np.nan, np.inf, -1e30, 3.7, -3.7], np.float32)
    for dt in (np.int32, np.int64):
        (c,) = run("cast", [f], {"dtype": np.dtype(dt).name})
        low = np.iinfo(dt).min
        np.testing.assert_array_equal(c, [low, low, low, 3, -3])  # x86's (and NumPy's) results
    (p,) = run("reduce", [np.full(70, 2**40, np.int64)], {"kind": "prod"})
    assert p == 0  # 2**2800 wraps to 0 in int64, as numpy.prod
    big = np.full((3, 70, 2), 2**40, np.int64)
    for axes in ([1], [0, 1]):  # reductions over middle and leading axes take other kernels
        (p,) = run("reduce", [big], {"kind": "prod", "axes": axes})
        np.testing.assert_array_equal(p, np.prod(big, axis=tuple(axes)))
        (s,) = run("reduce", [big * 2**22], {"kind": "sum", "axes": axes})
        np.testing.assert_array_equal(s, np.sum(big * 2**22, axis=tuple(axes)))


def test_softmax_over_an_empty_axis():
    # Found by the property suite under ASan: the row maximum started from x[0] of an empty row.
    for shape, axis in [((2, 0), -1), ((0, 3), 0), ((3, 0, 2), 1)]:
        (y,) = run("activation", [np.ones(shape, F32)], {"kind": "softmax", "axis": axis})
        assert y.shape == shape
    (d,) = run("dense", [np.ones((2, 3), F32), np.ones((3, 0), F32)], {"activation": "softmax"})
    assert d.shape == (2, 0)
