"""The keras.ops names added in ops/sorting.py, gather.py, padding.py, reductions_more.py,
elementwise_more.py, layout_more.py, bucketing.py, crossentropy.py and control_flow.py
against Keras 3's outputs (tests/fixtures/keras3_ops_more.npz, made by
tests/fixtures/make/keras3_ops_more.py from tests/keras3_ops_more_cases.py): each op run
eagerly on NumPy arrays and recorded on KerasTensors in a functional model (the symbolic
path, lowered into the native graph); plus gradients, errors and control flow."""

import os

import keras3_ops_more_cases as cases
import numpy as np
import pytest

import dagnet
from dagnet import layers, ops

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_ops_more.npz"))


def expected(name):
    outs, i = [], 0
    while f"{name}/{i}" in FIXTURE:
        outs.append((FIXTURE[f"{name}/{i}"], str(FIXTURE[f"{name}/dtype/{i}"])))
        i += 1
    return outs


def check(name, got):
    want = expected(name)
    got = list(got) if isinstance(got, (list, tuple)) else [got]
    assert len(got) == len(want), name
    for g, (w, dtype) in zip(got, want):
        g = np.asarray(g)
        assert g.shape == w.shape, (name, g.shape, w.shape)
        if dtype == "bool":  # dagnet has no bool dtype: truth values are 0/1
            np.testing.assert_array_equal(g != 0, w, err_msg=name)
            continue
        assert g.dtype.name == dtype, (name, g.dtype, dtype)
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6, err_msg=name)


@pytest.mark.parametrize("name", list(cases.CASES))
def test_eager_matches_keras(name):
    spec = cases.CASES[name]
    check(name, getattr(ops, spec["op"])(*spec["args"], **spec["kwargs"]))


SYMBOLIC = [n for n, s in cases.CASES.items() if s["symbolic"]]


@pytest.mark.parametrize("name", SYMBOLIC)
def test_symbolic_matches_keras(name):
    """The op on KerasTensors inside a functional model: each array named in `symbolic` is a
    model input of batch 1, sliced back to its own shape so every dimension is known."""
    spec = cases.CASES[name]
    args = list(spec["args"])
    inputs, feeds = [], []
    for position in spec["symbolic"]:
        array = args[position]
        x = dagnet.Input(shape=array.shape, dtype=array.dtype.name)
        inputs.append(x)
        feeds.append(array[None])
        args[position] = x[0]
    result = getattr(ops, spec["op"])(*args, **spec["kwargs"])
    results = list(result) if isinstance(result, (list, tuple)) else [result]
    model = dagnet.Model(inputs, [ops.expand_dims(r, 0) for r in results])
    got = model(feeds if len(feeds) > 1 else feeds[0])
    got = got if isinstance(got, list) else [got]
    check(name, [g[0] for g in got])


def _lowered(fn):
    """fd_check's build for a dagnet.ops function lowered into the check's graph."""
    from helpers import mse_to

    from dagnet._tracing import GraphBuilder, GraphTensor

    def build(g, ids):
        builder = GraphBuilder()
        builder.graph = g
        with builder.active():
            out = fn(*(GraphTensor(builder, i) for i in ids))
        return mse_to(g, out.id, rng=np.random.default_rng(1))

    return build


GRADIENT_CASES = {
    "sort": lambda x: ops.sort(x, axis=1),
    "top_k_values": lambda x: ops.top_k(x, 2)[0],
    "take": lambda x: ops.take(x, np.array([[2, 0], [2, -1]], "int32"), axis=1),
    "take_along_axis": lambda x: ops.take_along_axis(x, np.array([[0, 0], [3, 1], [2, 2]], "int32"), axis=1),
    "logsumexp": lambda x: ops.logsumexp(x, axis=0),
    "var": lambda x: ops.var(x, axis=1),
    "std": lambda x: ops.std(x, axis=0),
    "norm": lambda x: ops.norm(x, axis=1),
    "cumprod": lambda x: ops.cumprod(x, axis=1),
    "pad_reflect": lambda x: ops.pad(x, [[2, 1], [1, 3]], mode="reflect"),
    "pad_constant": lambda x: ops.pad(x, [[0, 1], [2, 0]], constant_values=1.0),
    "roll": lambda x: ops.roll(x, 1, axis=1),
    "flip": lambda x: ops.flip(x, 0),
    "diagonal": lambda x: ops.diagonal(x, 1),
    "trace": lambda x: ops.expand_dims(ops.trace(x), 0),
    "cross": lambda x: ops.cross(x[:, :3], x[:, 1:]),
    "segment_sum": lambda x: ops.segment_sum(x, np.array([1, 0, 1], "int32"), num_segments=2),
    "segment_max": lambda x: ops.segment_max(x, np.array([1, 0, 1], "int32"), num_segments=2),
    "segment_min": lambda x: ops.segment_min(x, np.array([1, 0, 1], "int32"), num_segments=2),
    "nan_to_num": lambda x: ops.nan_to_num(x),
    "categorical_crossentropy": lambda x: ops.categorical_crossentropy(
        np.eye(4)[[0, 3, 1]], ops.softmax(x), from_logits=False
    ),
    "binary_crossentropy_logits": lambda x: ops.binary_crossentropy(np.eye(4)[[0, 3, 1]], x, from_logits=True),
    "tan": lambda x: ops.tan(x * 0.3),
    "sinh_cosh": lambda x: ops.sinh(x) + ops.cosh(x),
    "logaddexp": lambda x: ops.logaddexp(x, x[::-1]),
    "hypot": lambda x: ops.hypot(x, 1.0),
    "divide_no_nan": lambda x: ops.divide_no_nan(x, np.array([0.0, 2.0, -1.0, 0.0])),
    "diff": lambda x: ops.diff(x, 2),
    "average_weights": lambda x: ops.average(x, axis=1, weights=np.array([1.0, 2.0, 0.5, 3.0])),
    "nanmean": lambda x: ops.nanmean(x, axis=0),
    "tensordot": lambda x: ops.tensordot(x, np.arange(8.0).reshape(4, 2), axes=1),
    "inner": lambda x: ops.inner(x, x),
    "quantile": lambda x: ops.quantile(x, [0.25, 0.6], axis=1),
    "median": lambda x: ops.median(x, axis=0),
    "nanmax": lambda x: ops.nanmax(x, axis=1),
    "ptp": lambda x: ops.ptp(x, axis=0),
    "rot90": lambda x: ops.rot90(x),
}


@pytest.mark.parametrize("name", list(GRADIENT_CASES))
def test_float64_gradients_by_finite_differences(name):
    from helpers import fd_check

    rng = np.random.default_rng(3)
    # Distinct values a few steps apart: the sorting ops' order is stable under the FD step.
    x = rng.permutation(12).reshape(3, 4) * 0.37 + rng.uniform(-0.05, 0.05, (3, 4))
    fd_check(_lowered(GRADIENT_CASES[name]), [x], rng, rtol=1e-5, atol=1e-7)


def test_index_ops_in_a_trained_custom_layer():
    """argmax / top_k indices inside a layer's call: the graph trains (no gradient reaches
    x through the indices; the gathered values carry it)."""

    class PickBest(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 4), name="w")

        def call(self, x):
            scores = ops.matmul(x, self.w)
            best = ops.argmax(scores, axis=-1)
            values, indices = ops.top_k(scores, 2)
            picked = ops.take_along_axis(scores, ops.expand_dims(best, -1), axis=-1)
            return ops.concatenate([picked, values, ops.cast(indices, "float32")], axis=-1)

    x = dagnet.Input((3,))
    layer = PickBest()
    model = dagnet.Model(x, layer(x))
    data = np.random.default_rng(0).standard_normal((6, 3)).astype("float32")
    w = layer.w.numpy()
    scores = data @ w
    order = np.argsort(-scores, axis=-1, kind="stable")[:, :2]
    want = np.concatenate(
        [scores.max(-1, keepdims=True), np.take_along_axis(scores, order, -1), order.astype("float32")], -1
    )
    np.testing.assert_allclose(model.predict(data, verbose=0), want, rtol=1e-5, atol=1e-6)
    model.compile("sgd", "mse")
    model.train_on_batch(data, np.zeros((6, 5), "float32"))
    assert not np.allclose(layer.w.numpy(), w)


def test_control_flow():
    assert ops.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i), (0, 0)) == (5, 10)
    assert ops.while_loop(lambda i: i < 100, lambda i: i * 2, 1, maximum_iterations=3) == 8
    np.testing.assert_array_equal(ops.fori_loop(0, 4, lambda i, v: ops.add(v, float(i)), np.zeros(2, "float32")), 6)
    carry, ys = ops.scan(lambda c, x: (c + x, c * x), np.float32(0), np.arange(4, dtype="float32"))
    assert carry == 6 and np.array_equal(ys, [0, 0, 2, 9])
    carry, ys = ops.scan(lambda c, x: (c + x, c), np.float32(0), np.arange(3, dtype="float32"), reverse=True)
    assert carry == 3 and np.array_equal(ys, [3, 2, 0])
    assert ops.cond(True, lambda: 1, lambda: 2) == 1 and ops.cond(np.asarray(0), lambda: 1, lambda: 2) == 2

    # Symbolic: cond selects with where, fori_loop and scan unroll, while_loop refuses.
    x = dagnet.Input((3,))
    chosen = ops.cond(ops.greater(x, 0.0), lambda: x * 2.0, lambda: x - 1.0)
    looped = ops.fori_loop(0, 3, lambda i, v: v + x, ops.zeros_like(x))
    columns = ops.transpose(x)  # (3, batch): scan walks the 3 features
    _, steps = ops.scan(lambda c, row: (ops.add(c, row), ops.add(c, row)), ops.zeros_like(columns[0]), columns)
    model = dagnet.Model(x, [chosen, looped, ops.transpose(steps)])
    data = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, 0.0]], "float32")
    got = model(data)
    np.testing.assert_allclose(got[0], np.where(data > 0, data * 2, data - 1))
    np.testing.assert_allclose(got[1], data * 3)
    np.testing.assert_allclose(got[2], np.cumsum(data, axis=1))
    with pytest.raises(TypeError, match="while_loop: a dagnet graph has no loop nodes"):
        ops.while_loop(lambda v: ops.less(ops.sum(v), 10.0), lambda v: v + 1.0, x)


def test_introspection():
    assert ops.is_tensor(dagnet.Input((2,))) and not ops.is_tensor(np.zeros(2))
    assert ops.dtype(np.zeros(2, "int32")) == "int32" and ops.dtype(dagnet.Input((2,))) == "float32"
    values, step = ops.linspace(0.0, 1.0, 5, retstep=True)
    assert step == np.float32(0.25) and values.dtype == np.float32


def test_errors_name_the_op():
    x = dagnet.Input((4,))
    with pytest.raises(TypeError, match="bincount: on a symbolic tensor the number of bins must be given"):
        ops.bincount(ops.cast(x, "int32"))
    with pytest.raises(TypeError, match="segment_sum: on a symbolic tensor the number of segments"):
        ops.segment_sum(x, ops.cast(x, "int32"))
    with pytest.raises(ValueError, match=r"top_k: k=5 is out of range for a last axis of length 3"):
        ops.top_k(np.zeros((2, 3), "float32"), 5)
    with pytest.raises(ValueError, match="argmax: the reduced axis' length is unknown"):
        ops.argmax(x, axis=0)
    with pytest.raises(ValueError, match="pad: reflect padding of"):
        ops.pad(np.zeros((2, 3), "float32"), [[0, 0], [3, 0]], mode="reflect")
    with pytest.raises(ValueError, match="pad: mode 'linear_ramp'"):  # edge and wrap are supported now
        ops.pad(np.zeros((2, 3), "float32"), 1, mode="linear_ramp")
    with pytest.raises(NotImplementedError, match="norm: matrix ord=2 needs an SVD"):
        ops.norm(np.zeros((2, 3), "float32"), ord=2, axis=(0, 1))
    with pytest.raises(ValueError, match="unstack: num=2"):
        ops.unstack(np.zeros((3, 2), "float32"), num=2)


def test_new_names_are_keras_names():
    new = [
        n
        for module in ("sorting", "gather", "padding", "reductions_more", "elementwise_more", "layout_more")
        + ("bucketing", "crossentropy", "control_flow", "math_more", "order_stats")
        for n in getattr(ops, module).__all__
    ]
    assert len(new) == len(set(new)) == 99
    assert set(new) <= set(ops.__all__)
    assert all(callable(getattr(ops, n)) for n in new)


def test_shapes_as_numpy_gives_them():
    """What the TensorFlow-made fixture cannot check: NumPy's vstack of 1-D rows (Keras's
    TensorFlow backend concatenates them flat; NumPy and JAX stack them as rows), ndim,
    size, empty."""
    np.testing.assert_array_equal(ops.vstack([X_ROW, X_ROW * 2]), np.vstack([X_ROW, X_ROW * 2]))
    np.testing.assert_array_equal(ops.hstack([X_ROW, X_ROW]), np.hstack([X_ROW, X_ROW]))
    assert ops.ndim(np.zeros((2, 3))) == 2 and ops.ndim(dagnet.Input((4, 5))) == 3
    assert ops.size(np.zeros((2, 3))) == 6
    assert ops.empty((2, 3)).shape == (2, 3) and ops.empty_like(np.ones(3, "float32")).tolist() == [0, 0, 0]
    np.testing.assert_array_equal(
        ops.select([X_ROW > 0.5, X_ROW < -0.5], [X_ROW, -X_ROW], 9.0),
        np.select([X_ROW > 0.5, X_ROW < -0.5], [X_ROW, -X_ROW], 9.0),
    )
    np.testing.assert_array_equal(ops.isclose([1.0, np.nan], [1.0, np.nan], equal_nan=True), [1, 1])
    np.testing.assert_array_equal(ops.dstack([X_ROW, X_ROW]), np.dstack([X_ROW, X_ROW]))
    # Keras's TensorFlow backend turns k=2 rotations wrongly; NumPy (and Keras on JAX) is the reference.
    np.testing.assert_array_equal(ops.rot90(cases.X3, 2, (1, 2)), np.rot90(cases.X3, 2, (1, 2)))
    np.testing.assert_array_equal(ops.rot90(cases.X, 2), np.rot90(cases.X, 2))
    np.testing.assert_allclose(ops.map(lambda r: ops.sum(r), cases.X), cases.X.sum(1), rtol=1e-6)
    assert ops.switch(5, [lambda v: v + 1, lambda v: v * 10], 2) == 20  # the index is clamped
    index = dagnet.Input((1,))  # one branch index per row
    row = dagnet.Input((3,))
    picked = ops.switch(index, [lambda v: v + 1.0, lambda v: v * 10.0, lambda v: -v], row)
    model = dagnet.Model([index, row], picked)
    data = np.arange(9, dtype="float32").reshape(3, 3)
    got = model([np.array([[0.0], [1.0], [2.0]], "float32"), data])
    np.testing.assert_allclose(got, [data[0] + 1, data[1] * 10, -data[2]])


X_ROW = cases.X[0]


def test_nan_order():
    """NaN sorts as larger than every number (NumPy's order, Keras on JAX; both Keras backends
    put it first in top_k); argmax/argmin pass over NaNs, as Keras's TensorFlow backend does."""
    x = np.array([[1.0, np.nan, 3.0], [2.0, 1.0, 0.0], [np.nan, 0.5, np.nan]], "float32")
    np.testing.assert_array_equal(ops.sort(x), np.sort(x))
    np.testing.assert_array_equal(ops.argsort(x), np.argsort(x, kind="stable"))
    values, indices = ops.top_k(x, 2)
    np.testing.assert_array_equal(indices, [[1, 2], [0, 1], [0, 2]])
    np.testing.assert_array_equal(values[1], [2.0, 1.0])
    np.testing.assert_array_equal(ops.argmax(x[:2], axis=1), [2, 0])
    np.testing.assert_array_equal(ops.argmin(x[:2], axis=1), [0, 2])


@pytest.mark.parametrize("name", ["sort", "argsort", "top_k"])
def test_orderings_refuse_axes_too_long_for_their_comparison_table(name):
    x = np.zeros((2, 5000), "float32")
    args = (x, 3) if name == "top_k" else (x,)
    with pytest.raises(ValueError, match=f"ops.{name}: an axis of length 5000"):
        getattr(ops, name)(*args)
    many_rows = np.zeros((20000, 100), "float32")  # 200 M elements of tables in all
    with pytest.raises(ValueError, match="too long"):
        getattr(ops, name)(*((many_rows, 3) if name == "top_k" else (many_rows,)))


@pytest.mark.parametrize("mode", ["edge", "wrap"])
@pytest.mark.parametrize("widths", [((1, 2), (0, 3)), ((2, 0), (3, 3)), 1])
def test_pad_edge_and_wrap_match_numpy(mode, widths):
    x = np.arange(12, dtype="float32").reshape(3, 4)
    np.testing.assert_array_equal(ops.pad(x, widths, mode=mode), np.pad(x, widths, mode=mode))
    inp = layers.Input((3, 4))
    model = dagnet.Model(
        inp,
        layers.Lambda(lambda t: ops.pad(t, ((0, 0),) + tuple(np.broadcast_to(widths, (2, 2)).tolist()), mode=mode))(
            inp
        ),
    )
    np.testing.assert_array_equal(
        model.predict_on_batch(x[None]),
        np.pad(x[None], ((0, 0),) + tuple(np.broadcast_to(widths, (2, 2)).tolist()), mode=mode),
    )


def test_pad_refuses_modes_it_lacks_and_too_wide_wraps():
    x = np.zeros((2, 3), "float32")
    with pytest.raises(ValueError, match="mode 'mean' is not supported"):
        ops.pad(x, 1, mode="mean")
    with pytest.raises(ValueError, match="too wide"):
        ops.pad(x, ((0, 0), (4, 0)), mode="wrap")


def test_bincount_counts_each_row_of_a_2d_x_as_keras():
    # Keras 3.15.1 (TensorFlow) gave these for the same calls.
    x = np.array([[0, 1, 1, 3], [2, 2, 0, 0]], "int32")
    w = np.array([[1.0, 2, 3, 4], [0.5, 0.5, 1, 1]], "float32")
    np.testing.assert_array_equal(ops.bincount(x), [[1, 2, 0, 1], [2, 0, 2, 0]])
    np.testing.assert_allclose(ops.bincount(x, weights=w, minlength=5), [[1, 5, 0, 4, 0], [2, 0, 1, 0, 0]])
    with pytest.raises(ValueError, match="bincount: x must be 1-D, or 2-D"):
        ops.bincount(np.zeros((2, 2, 2), "int32"))
