"""Winograd F(2x2, 3x3) (the float32 CPU path of 3x3 stride-1 convolutions with >= 64
channels in and out): forward (bias + activation epilogue, both data formats), input
gradient and (F(3x3, 2x2)) kernel gradient against a direct float64 NumPy reference, edge
tiles from odd image sizes, and that the dispatch really takes it (and leaves float64 and
other windows alone)."""

import conv_reference as ref
import numpy as np
import pytest
from helpers import run_op

from dagnet import _engine
from dagnet.engine import Executor, Graph, gradients


def _calls():
    return _engine.winograd_call_count()


def _grad_kernel_calls():
    return _engine.winograd_grad_kernel_call_count()


def _tolerance(want):
    # float32 rounding of sums of 9 * c products through the transforms: measured ~3e-7 of
    # the largest output at 64-128 channels; a wrong tap or tile is off by O(1) of it.
    return 2e-5 * np.abs(want).max()


@pytest.mark.parametrize(
    "shape,filters,padding",
    [
        ((2, 8, 8, 64), 64, "same"),
        ((1, 7, 9, 80), 72, "same"),  # odd sizes: edge tiles; channels not a multiple of 16
        ((1, 7, 9, 80), 72, "valid"),
        ((3, 5, 6, 66), 130, "valid"),
        ((1, 3, 3, 64), 64, "valid"),  # one output pixel
        ((2, 1, 2, 64), 65, "same"),  # thinner than a tile
    ],
)
@pytest.mark.parametrize("act", ["linear", "relu"])
def test_forward_matches_direct(shape, filters, padding, act):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(np.float32)
    w = (rng.standard_normal((3, 3, shape[-1], filters)) * 0.1).astype(np.float32)
    b = rng.standard_normal(filters).astype(np.float32)
    want = ref.conv2d(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), padding=padding)
    if act == "relu":
        want = np.maximum(want, 0)
    attrs = {"padding": padding, "activation": act}
    before = _calls()
    (got,) = run_op("conv2d", [x, w, b], attrs)
    assert _calls() == before + 1
    tol = _tolerance(want)
    np.testing.assert_allclose(got, want, rtol=0, atol=tol)
    (got_cf,) = run_op("conv2d", [x.transpose(0, 3, 1, 2).copy(), w, b], {**attrs, "data_format": "channels_first"})
    np.testing.assert_allclose(got_cf, want.transpose(0, 3, 1, 2), rtol=0, atol=tol)


def _input_gradient_reference(dy, w, x_shape, padding):
    """dx of y = conv2d(x, w) (stride 1) by scattering each output's gradient into its window."""
    n, h, wd, c = x_shape
    oh, pt = ref.axis_window(h, 3, 1, 1, padding)
    ow, pl = ref.axis_window(wd, 3, 1, 1, padding)
    dx = np.zeros(x_shape)
    for oy in range(oh):
        for ox in range(ow):
            for ky in range(3):
                iy = oy - pt + ky
                for kx in range(3):
                    ix = ox - pl + kx
                    if 0 <= iy < h and 0 <= ix < wd:
                        dx[:, iy, ix, :] += dy[:, oy, ox, :] @ w[ky, kx].T
    return dx


@pytest.mark.parametrize(
    "shape,filters,padding",
    [
        ((2, 8, 8, 64), 64, "same"),
        ((1, 7, 9, 72), 80, "same"),
        ((2, 7, 5, 64), 66, "valid"),
        ((1, 4, 3, 65), 64, "valid"),
    ],
)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_input_gradient_matches_direct(shape, filters, padding, data_format):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((3, 3, shape[-1], filters)) * 0.1
    g = Graph()
    feed = x.transpose(0, 3, 1, 2).copy() if data_format == "channels_first" else x
    xi, wi = g.param("x", feed.astype(np.float32)), g.param("w", w.astype(np.float32))
    (y,) = g.node("conv2d", [xi, wi], {"padding": padding, "data_format": data_format})
    target = rng.standard_normal(g.shape(y))
    t = g.param("t", target.astype(np.float32))
    (loss,) = g.node("mse", [y, t])
    before = _calls()
    y_got, dx_got = Executor(g, [y, *gradients(g, loss, [xi])]).run([])
    assert _calls() >= before + 2  # the forward and the input gradient
    y_want = ref.conv2d(x, w, padding=padding)
    if data_format == "channels_first":
        y_want = y_want.transpose(0, 3, 1, 2)
    dy = 2 * (y_want - target) / y_want.size
    if data_format == "channels_first":
        dy = dy.transpose(0, 2, 3, 1)
    dx_want = _input_gradient_reference(dy, w, shape, padding)
    if data_format == "channels_first":
        dx_want = dx_want.transpose(0, 3, 1, 2)
    np.testing.assert_allclose(y_got, y_want, rtol=0, atol=_tolerance(y_want))
    np.testing.assert_allclose(dx_got, dx_want, rtol=0, atol=_tolerance(dx_want))


@pytest.mark.parametrize(
    "dtype,shape,kernel,attrs",
    [
        (np.float64, (1, 8, 8, 64), (3, 3), {"padding": "same"}),
        (np.float32, (1, 8, 8, 32), (3, 3), {"padding": "same"}),  # too few channels
        (np.float32, (1, 8, 8, 64), (3, 3), {"padding": "same", "strides": [2, 2]}),
        (np.float32, (1, 8, 8, 64), (3, 3), {"padding": "same", "dilation": [2, 2]}),
        (np.float32, (1, 8, 8, 64), (5, 5), {"padding": "same"}),
    ],
)
def test_other_convolutions_stay_direct(dtype, shape, kernel, attrs):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape).astype(dtype)
    w = (rng.standard_normal(kernel + (shape[-1], 64)) * 0.1).astype(dtype)
    before = _calls()
    run_op("conv2d", [x, w], attrs)
    assert _calls() == before


def test_training_step_takes_winograd_and_matches_float64():
    """The float32 forward and input gradient (Winograd) agree with the float64 direct path."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 9, 7, 64))
    w1 = rng.standard_normal((3, 3, 64, 64)) * 0.05
    w2 = rng.standard_normal((3, 3, 64, 64)) * 0.05
    results = {}
    for dtype in (np.float32, np.float64):
        g = Graph()
        xi, k1, k2 = (g.param(name, a.astype(dtype)) for name, a in (("x", x), ("w1", w1), ("w2", w2)))
        (h,) = g.node("conv2d", [xi, k1], {"padding": "same", "activation": "relu"})
        (y,) = g.node("conv2d", [h, k2], {"padding": "valid"})
        t = g.param("t", np.ones(g.shape(y), dtype))
        (loss,) = g.node("mse", [y, t])
        before, before_kernel = _calls(), _grad_kernel_calls()
        results[dtype] = Executor(g, [y] + gradients(g, loss, [xi, k1, k2])).run([])
        # float32: two forwards and two input gradients (x's and h's) run Winograd, and
        # both kernel gradients
        assert _calls() - before == (4 if dtype == np.float32 else 0)
        assert _grad_kernel_calls() - before_kernel == (2 if dtype == np.float32 else 0)
    for got, want in zip(results[np.float32], results[np.float64]):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5 * np.abs(want).max())


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_conv2d_transpose_stride_1_takes_winograd(padding):
    """A stride-1 3x3 transposed convolution is the input gradient of a convolution: it
    runs the same Winograd routine, then its bias and activation."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 5, 7, 64)).astype(np.float32)
    w = (rng.standard_normal((3, 3, 72, 64)) * 0.1).astype(np.float32)  # (k, filters, channels)
    b = rng.standard_normal(72).astype(np.float32)
    want = np.maximum(ref.conv_transpose_nd(x.astype(np.float64), w.astype(np.float64), b, padding=padding), 0)
    attrs = {"padding": padding, "activation": "relu"}
    before = _calls()
    (got,) = run_op("conv2d_transpose", [x, w, b], attrs)
    assert _calls() == before + 1
    np.testing.assert_allclose(got, want, rtol=0, atol=_tolerance(want))
    (got_cf,) = run_op(
        "conv2d_transpose", [x.transpose(0, 3, 1, 2).copy(), w, b], {**attrs, "data_format": "channels_first"}
    )
    np.testing.assert_allclose(got_cf, want.transpose(0, 3, 1, 2), rtol=0, atol=_tolerance(want))


def _kernel_gradient_reference(x, dy, padding):
    """dW[ky, kx] = sum over n, oy, ox of x[n, oy + ky - pt, ox + kx - pl] dy[n, oy, ox]."""
    n, h, wd, c = x.shape
    _, oh, ow, f = dy.shape
    _, pt = ref.axis_window(h, 3, 1, 1, padding)
    _, pl = ref.axis_window(wd, 3, 1, 1, padding)
    xp = np.zeros((n, h + 4, wd + 4, c))
    xp[:, 2 : 2 + h, 2 : 2 + wd] = x
    dw = np.zeros((3, 3, c, f))
    for ky in range(3):
        for kx in range(3):
            y0, x0 = 2 + ky - pt, 2 + kx - pl
            dw[ky, kx] = np.einsum("nyxc,nyxf->cf", xp[:, y0 : y0 + oh, x0 : x0 + ow], dy)
    return dw


def _run_kernel_gradient(x, dy, filters, padding, data_format="channels_last"):
    k = np.zeros((3, 3, x.shape[-1], filters), np.float32)  # shape only
    attrs = {"padding": padding, "data_format": data_format}
    if data_format == "channels_first":
        x, dy = x.transpose(0, 3, 1, 2).copy(), dy.transpose(0, 3, 1, 2).copy()
    (got,) = run_op("conv2d_grad_kernel", [dy, x, k], attrs)
    return got


@pytest.mark.parametrize(
    "shape,filters,padding",
    [
        ((2, 8, 8, 64), 64, "same"),
        ((1, 7, 9, 80), 72, "same"),  # odd sizes: edge tiles; channels not a multiple of 16
        ((1, 7, 9, 80), 72, "valid"),
        ((3, 5, 6, 66), 130, "valid"),
        ((1, 3, 3, 64), 64, "valid"),  # one output pixel
        ((2, 1, 2, 64), 65, "same"),  # thinner than a tile
        ((3, 40, 38, 64), 67, "same"),  # 7 blocks of tiles in 4 groups of partial sums
        ((5, 20, 18, 72), 64, "valid"),  # 3 blocks, 3 groups
    ],
)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_kernel_gradient_matches_direct(shape, filters, padding, data_format):
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape).astype(np.float32)
    oh = shape[1] if padding == "same" else shape[1] - 2
    ow = shape[2] if padding == "same" else shape[2] - 2
    dy = rng.standard_normal((shape[0], oh, ow, filters)).astype(np.float32)
    want = _kernel_gradient_reference(x.astype(np.float64), dy.astype(np.float64), padding)
    before = _grad_kernel_calls()
    got = _run_kernel_gradient(x, dy, filters, padding, data_format)
    assert _grad_kernel_calls() == before + 1
    # the sums run over n * oh * ow products per weight; measured ~4e-7 of the largest
    np.testing.assert_allclose(got, want, rtol=0, atol=_tolerance(want))


def test_kernel_gradient_does_not_depend_on_the_thread_count():
    """Blocks and their groups of partial sums are fixed by the problem: 1 and 2 threads
    give the same bits (7 blocks, 4 groups here)."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 40, 38, 64)).astype(np.float32)
    dy = rng.standard_normal((3, 40, 38, 67)).astype(np.float32)
    threads = _engine.num_threads()
    try:
        results = []
        for n in (1, 2, 3):
            _engine.set_num_threads(n)
            results.append(_run_kernel_gradient(x, dy, 67, "same"))
    finally:
        _engine.set_num_threads(threads)
    for got in results[1:]:
        np.testing.assert_array_equal(got, results[0])


@pytest.mark.parametrize(
    "dtype,shape,filters,attrs",
    [
        (np.float64, (1, 8, 8, 64), 64, {"padding": "same"}),
        (np.float32, (1, 8, 8, 32), 64, {"padding": "same"}),  # too few channels in
        (np.float32, (1, 8, 8, 64), 48, {"padding": "same"}),  # too few filters
        (np.float32, (1, 8, 8, 64), 64, {"padding": "same", "strides": [2, 2]}),
        (np.float32, (1, 8, 8, 64), 64, {"padding": "same", "dilation": [2, 2]}),
    ],
)
def test_other_kernel_gradients_stay_direct(dtype, shape, filters, attrs):
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape).astype(dtype)
    (y,) = run_op("conv2d", [x, np.zeros((3, 3, shape[-1], filters), dtype)], attrs)
    dy = rng.standard_normal(y.shape).astype(dtype)
    before = _grad_kernel_calls()
    (got,) = run_op("conv2d_grad_kernel", [dy, x, np.zeros((3, 3, shape[-1], filters), dtype)], attrs)
    assert _grad_kernel_calls() == before
    assert got.shape == (3, 3, shape[-1], filters)
