"""The convolution family's CUDA kernels against the CPU engine (skipped without a GPU):
every op of the family (conv1d/2d/3d with groups, transposed and depthwise convolutions,
their input and kernel gradients, conv_grad_bias, pooling 1-D/2-D/3-D and global pooling with
their gradients, pad) in both data formats, float32 and float64, on random data."""

import numpy as np
import pytest

import dagnet
from dagnet.engine import Executor, Graph

pytestmark = pytest.mark.skipif("cuda:0" not in dagnet.devices(), reason="needs a CUDA GPU")


def run(op, arrays, attrs, device):
    g = Graph()
    ids = [g.input(f"x{i}", list(a.shape), str(a.dtype)) for i, a in enumerate(arrays)]
    outs = g.node(op, ids, attrs)
    return Executor(g, outs, device=device).run(list(arrays))


def output_shape(op, arrays, attrs):
    g = Graph()
    ids = [g.input(f"x{i}", list(a.shape), str(a.dtype)) for i, a in enumerate(arrays)]
    return g.shape(g.node(op, ids, attrs)[0])


def check(op, arrays, attrs):
    want = run(op, arrays, attrs, "cpu")
    got = run(op, arrays, attrs, "cuda")
    tol = 1e-4 if arrays[0].dtype == np.float32 else 1e-10
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * max(1.0, float(np.abs(b).max(initial=0))))


def check_with_gradients(op, x, w, b, attrs, grad_prefix):
    """The forward, then its input and kernel gradient ops at a random output gradient."""
    rng = np.random.default_rng(1)
    params = [x, w] + ([b] if b is not None else [])
    check(op, params, attrs)
    window = {k: v for k, v in attrs.items() if k not in ("activation", "output_padding")}
    dy = rng.standard_normal(output_shape(op, params, attrs)).astype(x.dtype)
    if op.endswith("_transpose"):
        check(grad_prefix, [dy, w], window)  # d x of a transposed convolution is the convolution
        check(grad_prefix + "_grad_kernel", [x, dy, w], window)
    else:
        check(grad_prefix + "_grad_input", [dy, w, x], window)
        check(grad_prefix + "_grad_kernel", [dy, x, w], window)
    fmt = {"data_format": attrs.get("data_format", "channels_last")}
    check("conv_grad_bias", [dy], fmt)


def to_first(a):
    return np.moveaxis(a, -1, 1).copy()


CONV = [
    ("conv2d", (2, 7, 8, 6), (3, 3, 6, 5), {"padding": "same", "activation": "relu"}),
    ("conv2d", (2, 9, 8, 8), (3, 2, 2, 12), {"strides": [2, 1], "groups": 4, "activation": "softmax"}),
    ("conv2d", (2, 5, 5, 8), (1, 1, 8, 4), {"padding": "valid"}),
    ("conv1d", (2, 11, 4), (3, 4, 6), {"padding": "causal", "dilation": [2], "activation": "tanh"}),
    ("conv3d", (2, 4, 5, 6, 3), (2, 3, 2, 3, 4), {"padding": "same", "strides": [2, 1, 2], "activation": "elu"}),
]


@pytest.mark.parametrize("op,x_shape,w_shape,attrs", CONV)
@pytest.mark.parametrize("channels_first", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_convolutions(op, x_shape, w_shape, attrs, channels_first, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = (rng.standard_normal(w_shape) * 0.3).astype(dtype)
    b = rng.standard_normal(w_shape[-1]).astype(dtype)
    if channels_first:
        x, attrs = to_first(x), {**attrs, "data_format": "channels_first"}
    check_with_gradients(op, x, w, b, attrs, op)


TRANSPOSE = [
    ("conv2d_transpose", (2, 4, 5, 3), (3, 3, 6, 3), {"strides": [2, 2], "padding": "same"}),
    ("conv2d_transpose", (2, 4, 5, 3), (4, 4, 6, 3), {"strides": [3, 2], "padding": "valid", "output_padding": [2, 1]}),
    ("conv2d_transpose", (2, 4, 5, 3), (3, 3, 6, 3), {"dilation": [2, 2], "padding": "same", "activation": "sigmoid"}),
    ("conv1d_transpose", (2, 6, 3), (3, 5, 3), {"strides": [2], "padding": "valid"}),
    ("conv3d_transpose", (1, 3, 4, 2, 3), (3, 2, 3, 4, 3), {"strides": [2, 2, 1], "padding": "same"}),
]


@pytest.mark.parametrize("op,x_shape,w_shape,attrs", TRANSPOSE)
@pytest.mark.parametrize("channels_first", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transposed_convolutions(op, x_shape, w_shape, attrs, channels_first, dtype):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = (rng.standard_normal(w_shape) * 0.3).astype(dtype)
    b = rng.standard_normal(w_shape[-2]).astype(dtype)
    if channels_first:
        x, attrs = to_first(x), {**attrs, "data_format": "channels_first"}
    check_with_gradients(op, x, w, b, attrs, op.replace("_transpose", ""))


DEPTHWISE = [
    ("depthwise_conv2d", (2, 9, 11, 37), (3, 3, 37, 1), {"padding": "same", "activation": "relu"}),
    ("depthwise_conv2d", (2, 9, 11, 5), (5, 3, 5, 3), {"strides": [2, 2], "padding": "same"}),
    ("depthwise_conv2d", (2, 9, 11, 4), (3, 3, 4, 2), {"dilation": [2, 2], "activation": "softmax"}),
    ("depthwise_conv1d", (2, 10, 6), (3, 6, 2), {"strides": [2], "padding": "valid"}),
]


@pytest.mark.parametrize("op,x_shape,w_shape,attrs", DEPTHWISE)
@pytest.mark.parametrize("channels_first", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_depthwise_convolutions(op, x_shape, w_shape, attrs, channels_first, dtype):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = (rng.standard_normal(w_shape) * 0.3).astype(dtype)
    b = rng.standard_normal(w_shape[-2] * w_shape[-1]).astype(dtype)
    if channels_first:
        x, attrs = to_first(x), {**attrs, "data_format": "channels_first"}
    check_with_gradients(op, x, w, b, attrs, op)


POOLS = [
    ("2d", (2, 7, 9, 3), {"pool_size": [2, 2]}),
    ("2d", (2, 7, 9, 3), {"pool_size": [3, 3], "strides": [1, 1], "padding": "same"}),
    ("1d", (2, 11, 3), {"pool_size": [3], "strides": [2], "padding": "same"}),
    ("3d", (2, 5, 6, 4, 3), {"pool_size": [2, 2, 2]}),
    ("3d", (2, 5, 6, 4, 3), {"pool_size": [3, 2, 3], "strides": [1, 2, 2], "padding": "same"}),
]


@pytest.mark.parametrize("rank,shape,attrs", POOLS)
@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("channels_first", [False, True])
def test_pooling(rank, shape, attrs, mode, channels_first):
    rng = np.random.default_rng(4)
    x = rng.permutation(np.prod(shape)).reshape(shape).astype(np.float32) * 0.1  # distinct: no ties
    if channels_first:
        x, attrs = to_first(x), {**attrs, "data_format": "channels_first"}
    op = f"{mode}_pool{rank}"
    check(op, [x], attrs)
    dy = rng.standard_normal(output_shape(op, [x], attrs)).astype(np.float32)
    check(op + "_grad", [dy, x], attrs)


@pytest.mark.parametrize("shape", [(2, 7, 3), (2, 5, 6, 3), (2, 3, 4, 5, 3)])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_global_pooling(shape, mode):
    rng = np.random.default_rng(5)
    x = rng.permutation(np.prod(shape)).reshape(shape).astype(np.float32)
    for attrs, data in (({}, x), ({"data_format": "channels_first"}, to_first(x))):
        check(f"global_{mode}_pool", [data], attrs)
        dy = rng.standard_normal((shape[0], shape[-1])).astype(np.float32)
        check(f"global_{mode}_pool_grad", [dy, data], attrs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_pad(dtype):
    x = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5).astype(dtype)
    check("pad", [x], {"pads": [0, 0, 1, 2, 3, 0, 2, 2], "value": 7.0})
