"""float32 convolutions on few channels and filters (the inception model's 3, 10 and 40
channels, 10 and 40 filters) against NumPy: the indirect kernels that read a window row's
kw * c input floats as one span (forward, the input gradient by output phases, the kernel
gradient), with spans crossing the image edges, strides, dilation (one tap per span),
'valid' windows, batch 1, odd sizes and 1-, 2- and 3-D windows. The float64 gradient
checks do not reach these paths (float32 only), so the gradients are compared here."""

import itertools

import conv_reference as ref
import numpy as np
import pytest
from helpers import run_op


def _taps(x_shape, kernel, strides, dilation, padding):
    """(output index, input index) pairs of every (output position, tap) inside the image."""
    geo = ref._windows(x_shape[1:-1], kernel, strides, dilation, padding)
    for out in itertools.product(*[range(o) for o, _ in geo]):
        for tap in itertools.product(*[range(k) for k in kernel]):
            src = tuple(o * s - p + t * d for o, t, s, d, (_, p) in zip(out, tap, strides, dilation, geo))
            if all(0 <= i < n for i, n in zip(src, x_shape[1:-1])):
                yield out, tap, src


def grad_input_ref(dy, w, x_shape, strides, dilation, padding):
    dx = np.zeros(x_shape)
    for out, tap, src in _taps(x_shape, w.shape[: len(strides)], strides, dilation, padding):
        dx[(slice(None),) + src] += dy[(slice(None),) + out] @ w[tap].T
    return dx


def grad_kernel_ref(dy, x, w_shape, strides, dilation, padding):
    dk = np.zeros(w_shape)
    for out, tap, src in _taps(x.shape, w_shape[: len(strides)], strides, dilation, padding):
        dk[tap] += x[(slice(None),) + src].T @ dy[(slice(None),) + out]
    return dk


CASES = [
    # (x shape, kernel, strides, dilation, padding, filters)
    ((2, 12, 12, 10), (3, 3), (2, 2), (1, 1), "same", 10),  # inception module 1, small
    ((2, 11, 9, 10), (5, 5), (2, 2), (1, 1), "same", 10),
    ((1, 9, 10, 10), (5, 5), (2, 2), (1, 1), "valid", 10),
    ((1, 3, 4, 10), (5, 5), (1, 1), (1, 1), "same", 10),  # spans cross both edges
    ((2, 8, 8, 40), (3, 3), (2, 2), (1, 1), "same", 40),  # module 2
    ((1, 7, 9, 40), (5, 5), (2, 2), (1, 1), "same", 40),
    ((2, 10, 10, 3), (1, 1), (2, 2), (1, 1), "same", 10),  # 1x1 stride 2 on the image
    ((1, 9, 7, 40), (1, 1), (2, 2), (1, 1), "same", 40),
    ((2, 9, 8, 3), (3, 3), (1, 1), (1, 1), "same", 7),
    ((1, 10, 11, 10), (3, 3), (1, 1), (2, 2), "same", 10),  # dilation: one tap per span
    ((2, 7, 13, 6), (2, 4), (1, 3), (1, 1), "valid", 12),
    ((1, 6, 6, 32), (3, 3), (1, 1), (1, 1), "same", 40),  # whole panels per span
    ((1, 5, 7, 10), (3, 3), (1, 1), (1, 1), "valid", 33),
]


def _case(shape, kernel, strides, filters, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal(kernel + (shape[-1], filters)).astype(np.float32)
    return rng, x, w


@pytest.mark.parametrize("shape,kernel,strides,dilation,padding,filters", CASES)
def test_forward(shape, kernel, strides, dilation, padding, filters):
    rng, x, w = _case(shape, kernel, strides, filters, 0)
    b = rng.standard_normal(filters).astype(np.float32)
    attrs = {"strides": list(strides), "dilation": list(dilation), "padding": padding, "activation": "elu"}
    (got,) = run_op(f"conv{len(kernel)}d", [x, w, b], attrs)
    z = ref.conv_nd(x.astype(np.float64), w.astype(np.float64), b, strides, dilation, padding)
    want = np.where(z > 0, z, np.expm1(np.minimum(z, 0)))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shape,kernel,strides,dilation,padding,filters", CASES)
def test_gradients(shape, kernel, strides, dilation, padding, filters):
    rng, x, w = _case(shape, kernel, strides, filters, 1)
    y_shape = ref.conv_nd(x[:1, ..., :1], w[..., :1, :1], None, strides, dilation, padding).shape
    dy = rng.standard_normal((shape[0],) + y_shape[1:-1] + (filters,)).astype(np.float32)
    attrs = {"strides": list(strides), "dilation": list(dilation), "padding": padding}
    op = f"conv{len(kernel)}d"
    (dx,) = run_op(op + "_grad_input", [dy, w, x], attrs)
    (dk,) = run_op(op + "_grad_kernel", [dy, x, w], attrs)
    d64, x64, w64 = dy.astype(np.float64), x.astype(np.float64), w.astype(np.float64)
    np.testing.assert_allclose(dx, grad_input_ref(d64, w64, x.shape, strides, dilation, padding), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dk, grad_kernel_ref(d64, x64, w.shape, strides, dilation, padding), rtol=1e-4, atol=2e-4)


@pytest.mark.parametrize(
    "shape,kernel,strides,padding",
    [((2, 13, 10), (5,), (2,), "same"), ((1, 4, 5, 6, 3), (3, 3, 3), (2, 1, 2), "same")],
)
def test_conv1d_conv3d(shape, kernel, strides, padding):
    rng, x, w = _case(shape, kernel, strides, 10, 2)
    dilation = (1,) * len(kernel)
    attrs = {"strides": list(strides), "padding": padding}
    op = f"conv{len(kernel)}d"
    (y,) = run_op(op, [x, w], attrs)
    np.testing.assert_allclose(y, ref.conv_nd(x.astype(np.float64), w, None, strides, dilation, padding), atol=1e-4)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    (dx,) = run_op(op + "_grad_input", [dy, w, x], attrs)
    (dk,) = run_op(op + "_grad_kernel", [dy, x, w], attrs)
    d64 = dy.astype(np.float64)
    np.testing.assert_allclose(dx, grad_input_ref(d64, w, x.shape, strides, dilation, padding), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dk, grad_kernel_ref(d64, x, w.shape, strides, dilation, padding), rtol=1e-4, atol=2e-4)


@pytest.mark.parametrize("channels", [1, 3, 10, 40, 63, 64, 130])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_grad_bias(channels, dtype):
    """The bias gradient sums rows in flat runs of several rows and in blocks of 2048 rows:
    4133 rows cross two block boundaries and leave rows over at the end."""
    rng = np.random.default_rng(channels)
    dy = rng.standard_normal((1, 4133, channels)).astype(dtype)
    (got,) = run_op("conv_grad_bias", [dy], {})
    np.testing.assert_allclose(got, dy.astype(np.float64).sum(axis=(0, 1)), rtol=1e-4 if dtype == np.float32 else 1e-12)
    (small,) = run_op("conv_grad_bias", [dy[:, :5]], {})
    np.testing.assert_allclose(small, dy[:, :5].astype(np.float64).sum(axis=(0, 1)), rtol=1e-5, atol=1e-5)
