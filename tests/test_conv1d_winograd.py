"""Winograd F(4, 5) and F(4, 3) (the float32 CPU path of stride-1 1-D convolutions of 5 or
3 taps with >= 64 channels in and out): forward (bias + activation epilogue, both data
formats, valid/same/causal padding), input gradient and (F(r, 4)) kernel gradient against
a direct float64 NumPy reference, edge tiles from lengths that are not multiples of 4, the same bits at 1 and 2
threads, and that the dispatch really takes it (and leaves other convolutions alone)."""

import conv_reference as ref
import numpy as np
import pytest
from helpers import run_op

from dagnet import _engine
from dagnet.engine import Executor, Graph, gradients


def _calls():
    return _engine.winograd_1d_call_count()


def _grad_kernel_calls():
    return _engine.winograd_1d_grad_kernel_call_count()


def _batched(shape, k, padding):
    """`shape` with enough images that the problem has the >= 256 four-output tiles below
    which the dispatch keeps the direct path (ConvGeometry::kWinograd1dMinTiles): the edge
    cases stay per image."""
    ow, _ = ref.axis_window(shape[1], k, 1, 1, padding)
    per_image = max(1, (ow + 3) // 4)
    return (max(shape[0], -(-256 // per_image)),) + tuple(shape[1:])


def _tolerance(want):
    # float32 rounding through the transforms (B^T entries up to 5.25 for F(4, 5)):
    # measured ~3e-6 of the largest output at 256 -> 128 channels; a wrong tap or tile is
    # off by O(1) of it.
    return 2e-5 * np.abs(want).max()


@pytest.mark.parametrize(
    "shape,filters,k,padding",
    [
        ((2, 23, 64), 64, 5, "valid"),
        ((1, 31, 80), 72, 5, "same"),  # channels not multiples of 16, 31 = 7 tiles + 3
        ((3, 18, 66), 130, 5, "causal"),
        ((1, 5, 64), 65, 5, "valid"),  # one output
        ((2, 3, 64), 64, 5, "same"),  # shorter than the window
        ((2, 21, 72), 96, 3, "same"),
        ((1, 10, 64), 70, 3, "valid"),
    ],
)
@pytest.mark.parametrize("act", ["linear", "relu"])
def test_forward_matches_direct(shape, filters, k, padding, act):
    shape = _batched(shape, k, padding)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(np.float32)
    w = (rng.standard_normal((k, shape[-1], filters)) * 0.1).astype(np.float32)
    b = rng.standard_normal(filters).astype(np.float32)
    want = ref.conv1d(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), padding=padding)
    if act == "relu":
        want = np.maximum(want, 0)
    attrs = {"padding": padding, "activation": act}
    before = _calls()
    (got,) = run_op("conv1d", [x, w, b], attrs)
    assert _calls() == before + 1
    np.testing.assert_allclose(got, want, rtol=0, atol=_tolerance(want))
    if padding != "causal":
        cf_attrs = {**attrs, "data_format": "channels_first"}
        (got_cf,) = run_op("conv1d", [x.transpose(0, 2, 1).copy(), w, b], cf_attrs)
        np.testing.assert_allclose(got_cf, want.transpose(0, 2, 1), rtol=0, atol=_tolerance(want))


def _input_gradient_reference(dy, w, x_shape, padding):
    """dx of y = conv1d(x, w) (stride 1) by scattering each output's gradient into its window."""
    n, length, c = x_shape
    k = w.shape[0]
    ow, pl = ref.axis_window(length, k, 1, 1, padding)
    dx = np.zeros(x_shape)
    for ox in range(ow):
        for kx in range(k):
            ix = ox - pl + kx
            if 0 <= ix < length:
                dx[:, ix, :] += dy[:, ox, :] @ w[kx].T
    return dx


def _forward_and_input_gradient(x, w, padding, dtype=np.float32, data_format="channels_last"):
    rng = np.random.default_rng(2)
    g = Graph()
    feed = x.transpose(0, 2, 1).copy() if data_format == "channels_first" else x
    xi, wi = g.param("x", feed.astype(dtype)), g.param("w", w.astype(dtype))
    (y,) = g.node("conv1d", [xi, wi], {"padding": padding, "data_format": data_format})
    target = rng.standard_normal(g.shape(y))
    t = g.param("t", target.astype(dtype))
    (loss,) = g.node("mse", [y, t])
    y_got, dx_got = Executor(g, [y, *gradients(g, loss, [xi])]).run([])
    return y_got, dx_got, target


@pytest.mark.parametrize(
    "shape,filters,k,padding",
    [
        ((2, 27, 64), 64, 5, "same"),
        ((1, 30, 72), 80, 5, "valid"),
        ((3, 13, 66), 64, 5, "causal"),
        ((2, 19, 64), 67, 3, "valid"),
    ],
)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_input_gradient_matches_direct(shape, filters, k, padding, data_format):
    if padding == "causal" and data_format == "channels_first":
        pytest.skip("Keras's causal padding is channels_last only")
    shape = _batched(shape, k, padding)
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((k, shape[-1], filters)) * 0.1
    before = _calls()
    y_got, dx_got, target = _forward_and_input_gradient(x, w, padding, data_format=data_format)
    assert _calls() == before + 2  # the forward and the input gradient
    y_want = ref.conv1d(x, w, padding=padding)
    if data_format == "channels_first":
        y_want = y_want.transpose(0, 2, 1)
    dy = 2 * (y_want - target) / y_want.size
    if data_format == "channels_first":
        dy = dy.transpose(0, 2, 1)
    dx_want = _input_gradient_reference(dy, w, shape, padding)
    if data_format == "channels_first":
        dx_want = dx_want.transpose(0, 2, 1)
    np.testing.assert_allclose(y_got, y_want, rtol=0, atol=_tolerance(y_want))
    np.testing.assert_allclose(dx_got, dx_want, rtol=0, atol=_tolerance(dx_want))


@pytest.mark.parametrize(
    "dtype,shape,filters,k,attrs",
    [
        (np.float64, (64, 20, 64), 64, 5, {"padding": "same"}),
        (np.float32, (1, 20, 64), 64, 5, {"padding": "same"}),  # too few tiles (batch 1: 5)
        (np.float32, (64, 20, 32), 64, 5, {"padding": "same"}),  # too few channels in
        (np.float32, (64, 20, 64), 48, 5, {"padding": "same"}),  # too few filters
        (np.float32, (64, 20, 64), 64, 5, {"padding": "same", "strides": [2]}),
        (np.float32, (64, 20, 64), 64, 5, {"padding": "same", "dilation": [2]}),
        (np.float32, (64, 20, 64), 64, 7, {"padding": "same"}),
        (np.float32, (64, 20, 64), 64, 5, {"padding": "same", "groups": 2}),
    ],
)
def test_other_convolutions_stay_direct(dtype, shape, filters, k, attrs):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape).astype(dtype)
    groups = attrs.get("groups", 1)
    w = (rng.standard_normal((k, shape[-1] // groups, filters)) * 0.1).astype(dtype)
    before = _calls()
    (got,) = run_op("conv1d", [x, w], attrs)
    assert _calls() == before
    assert got.shape[-1] == filters


def test_same_bits_at_one_and_two_threads():
    """Blocks are fixed by the problem, so the thread count never changes a result."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 203, 96)).astype(np.float32)
    w = (rng.standard_normal((5, 96, 80)) * 0.1).astype(np.float32)
    threads = _engine.num_threads()
    try:
        results = []
        for n in (1, 2):
            _engine.set_num_threads(n)
            results.append(_forward_and_input_gradient(x, w, "same")[:2])
    finally:
        _engine.set_num_threads(threads)
    for got, want in zip(results[1], results[0]):
        np.testing.assert_array_equal(got, want)


def test_training_step_matches_float64():
    """The float32 forwards and input gradients (Winograd) of a 2-layer 1-D model agree with
    the float64 direct path, kernel gradients included."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((26, 41, 64))
    w1 = rng.standard_normal((5, 64, 72)) * 0.05
    b1 = rng.standard_normal(72) * 0.1
    w2 = rng.standard_normal((3, 72, 64)) * 0.05
    results = {}
    for dtype in (np.float32, np.float64):
        g = Graph()
        params = (("x", x), ("w1", w1), ("b1", b1), ("w2", w2))
        xi, k1, bi, k2 = (g.param(name, a.astype(dtype)) for name, a in params)
        (h,) = g.node("conv1d", [xi, k1, bi], {"padding": "same", "activation": "relu"})
        (y,) = g.node("conv1d", [h, k2], {"padding": "valid"})
        t = g.param("t", np.ones(g.shape(y), dtype))
        (loss,) = g.node("mse", [y, t])
        before, before_kernel = _calls(), _grad_kernel_calls()
        results[dtype] = Executor(g, [y] + gradients(g, loss, [xi, k1, bi, k2])).run([])
        # float32: two forwards and two input gradients (x's and h's), both kernel gradients
        assert _calls() - before == (4 if dtype == np.float32 else 0)
        assert _grad_kernel_calls() - before_kernel == (2 if dtype == np.float32 else 0)
    for got, want in zip(results[np.float32], results[np.float64]):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5 * np.abs(want).max())


def test_conv1d_transpose_stride_1_takes_winograd():
    """A stride-1 5-tap transposed convolution is the input gradient of a convolution: it
    runs the same Winograd routine, then its bias and activation."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((52, 17, 64)).astype(np.float32)
    w = (rng.standard_normal((5, 72, 64)) * 0.1).astype(np.float32)  # (k, filters, input channels)
    b = rng.standard_normal(72).astype(np.float32)
    before = _calls()
    (got,) = run_op("conv1d_transpose", [x, w, b], {"padding": "same", "activation": "relu"})
    assert _calls() == before + 1
    dx = _input_gradient_reference(x.astype(np.float64), w.astype(np.float64), (52, 17, 72), "same")
    want = np.maximum(dx + b, 0)
    np.testing.assert_allclose(got, want, rtol=0, atol=_tolerance(want))


def _run_kernel_gradient(x, dy, filters, k, padding):
    kernel = np.zeros((k, x.shape[-1], filters), np.float32)
    (dw,) = run_op("conv1d_grad_kernel", [dy, x, kernel], {"padding": padding})
    return dw


@pytest.mark.parametrize(
    "shape,filters,k,padding",
    [
        ((2, 27, 64), 64, 5, "same"),
        ((1, 30, 72), 80, 5, "valid"),  # 26 outputs: an edge tile of 2
        ((3, 13, 66), 64, 5, "causal"),
        ((2, 19, 64), 67, 3, "valid"),
        ((40, 61, 64), 96, 5, "same"),  # several blocks and groups of partial sums
    ],
)
def test_kernel_gradient_matches_direct(shape, filters, k, padding):
    shape = _batched(shape, k, padding)
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape).astype(np.float32)
    ow, pl = ref.axis_window(shape[1], k, 1, 1, padding)
    dy = rng.standard_normal((shape[0], ow, filters)).astype(np.float32)
    before = _grad_kernel_calls()
    got = _run_kernel_gradient(x, dy, filters, k, padding)
    assert _grad_kernel_calls() == before + 1
    xd, dyd = x.astype(np.float64), dy.astype(np.float64)
    want = np.zeros((k, shape[-1], filters))
    for kx in range(k):
        for ox in range(ow):
            ix = ox - pl + kx
            if 0 <= ix < shape[1]:
                want[kx] += xd[:, ix, :].T @ dyd[:, ox, :]
    np.testing.assert_allclose(got, want, rtol=0, atol=_tolerance(want))


def test_kernel_gradient_does_not_depend_on_the_thread_count():
    """Blocks and their groups of partial sums are fixed by the problem."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((40, 61, 64)).astype(np.float32)
    dy = rng.standard_normal((40, 61, 67)).astype(np.float32)
    threads = _engine.num_threads()
    try:
        results = []
        for n in (1, 2, 3):
            _engine.set_num_threads(n)
            results.append(_run_kernel_gradient(x, dy, 67, 5, "same"))
    finally:
        _engine.set_num_threads(threads)
    for got in results[1:]:
        np.testing.assert_array_equal(got, results[0])
