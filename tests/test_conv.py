"""conv1d / conv2d against a direct NumPy reference (TF padding rules, strides, dilation,
both data formats, the pointwise path), float64 finite-difference gradients, errors."""

import conv_reference as ref
import numpy as np
import pytest
from helpers import fd_check, mse_to, run_op


@pytest.mark.parametrize(
    "shape,kernel,strides,dilation,padding",
    [
        ((2, 7, 9, 3), (3, 3), (1, 1), (1, 1), "same"),
        ((1, 8, 8, 2), (3, 2), (2, 3), (1, 1), "same"),
        ((2, 9, 7, 3), (3, 3), (2, 2), (1, 1), "valid"),
        ((1, 10, 11, 2), (3, 3), (1, 1), (2, 2), "valid"),
        ((1, 10, 11, 2), (3, 3), (3, 1), (2, 1), "same"),
        ((3, 5, 5, 4), (1, 1), (1, 1), (1, 1), "valid"),  # pointwise: straight to GEMM
        ((2, 6, 6, 4), (1, 1), (2, 2), (1, 1), "same"),
        ((1, 1, 1, 1), (1, 1), (1, 1), (1, 1), "same"),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_forward(shape, kernel, strides, dilation, padding, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal(kernel + (shape[-1], 5)).astype(dtype)
    b = rng.standard_normal(5).astype(dtype)
    attrs = {"strides": list(strides), "dilation": list(dilation), "padding": padding}
    (got,) = run_op("conv2d", [x, w, b], attrs)
    want = ref.conv2d(x.astype(np.float64), w, b, strides, dilation, padding)
    np.testing.assert_allclose(got, want, rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-4)
    (got_cf,) = run_op("conv2d", [x.transpose(0, 3, 1, 2).copy(), w, b], {**attrs, "data_format": "channels_first"})
    np.testing.assert_allclose(got_cf, want.transpose(0, 3, 1, 2), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("act", ["relu", "tanh", "softmax", "elu"])
def test_conv_fused_activation(act):
    from reference import activation

    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 5, 3))
    w = rng.standard_normal((3, 3, 3, 4))
    (got,) = run_op("conv2d", [x, w], {"padding": "same", "activation": act})
    np.testing.assert_allclose(got, activation(ref.conv2d(x, w, padding="same"), act), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "length,k,stride,dilation,padding",
    [
        (10, 3, 1, 1, "valid"),
        (10, 3, 2, 1, "same"),
        (9, 4, 1, 2, "causal"),
        (7, 5, 3, 1, "causal"),
        (1, 1, 1, 1, "valid"),
        (13, 2, 2, 3, "same"),
    ],
)
def test_conv1d_forward(length, k, stride, dilation, padding):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, length, 3))
    w = rng.standard_normal((k, 3, 4))
    (got,) = run_op("conv1d", [x, w], {"strides": [stride], "dilation": [dilation], "padding": padding})
    np.testing.assert_allclose(got, ref.conv1d(x, w, None, stride, dilation, padding), rtol=1e-10, atol=1e-12)
    (got_cf,) = run_op(
        "conv1d",
        [x.transpose(0, 2, 1).copy(), w],
        {"strides": [stride], "dilation": [dilation], "padding": padding, "data_format": "channels_first"},
    )
    np.testing.assert_allclose(
        got_cf, ref.conv1d(x, w, None, stride, dilation, padding).transpose(0, 2, 1), rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize(
    "attrs",
    [
        {"padding": "same"},
        {"padding": "valid", "strides": [2, 1]},
        {"padding": "same", "strides": [2, 2], "dilation": [1, 1]},
        {"padding": "valid", "dilation": [2, 1]},
        {"padding": "same", "activation": "tanh"},
        {"padding": "same", "data_format": "channels_first", "activation": "sigmoid"},
    ],
)
def test_conv2d_gradients(attrs):
    rng = np.random.default_rng(3)
    cf = attrs.get("data_format") == "channels_first"
    x = rng.standard_normal((2, 3, 5, 4) if cf else (2, 5, 4, 3))
    w = rng.standard_normal((3, 2, 3, 2)) * 0.5
    b = rng.standard_normal(2) * 0.1

    def build(g, ids):
        (y,) = g.node("conv2d", ids, attrs)
        return mse_to(g, y, rng)

    fd_check(build, [x, w, b], rng)


def test_conv2d_pointwise_gradients():
    rng = np.random.default_rng(4)

    def build(g, ids):
        (y,) = g.node("conv2d", ids, {"padding": "valid"})
        return mse_to(g, y, rng)

    fd_check(build, [rng.standard_normal((2, 3, 3, 4)), rng.standard_normal((1, 1, 4, 3)), rng.standard_normal(3)], rng)


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
def test_conv1d_gradients(padding):
    rng = np.random.default_rng(5)

    def build(g, ids):
        (y,) = g.node("conv1d", ids, {"padding": padding, "strides": [2], "activation": "relu"})
        return mse_to(g, y, rng)

    fd_check(build, [rng.standard_normal((2, 7, 3)), rng.standard_normal((3, 3, 2)), rng.standard_normal(2)], rng)


def test_conv_errors_name_node_and_sizes():
    from dagnet.engine import Graph

    g = Graph()
    x = g.input("x", [-1, 3, 3, 8])
    k = g.param("k", np.zeros((5, 5, 8, 4), np.float32))
    with pytest.raises(
        ValueError,
        match=r"'conv2d_3' \(conv2d\): output would be empty: input height 3 is smaller "
        r"than the window 5 \(kernel 5\) with padding 'valid'.*data_format",
    ):
        g.node("conv2d", [x, k], {"padding": "valid"}, "conv2d_3")
    bad = g.param("bad", np.zeros((3, 3, 4, 4), np.float32))
    with pytest.raises(ValueError, match="the input has 8 channels but the kernel expects 4"):
        g.node("conv2d", [x, bad])
    k3 = g.param("k3", np.zeros((3, 3, 8, 4), np.float32))
    with pytest.raises(ValueError, match="attribute 'strides' must hold 2 integers >= 1"):
        g.node("conv2d", [x, k3], {"strides": [0, 1]})
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'"):
        g.node("conv2d", [x, k3], {"padding": "causal"})
    with pytest.raises(ValueError, match="expects an input of rank 4"):
        g.node("conv2d", [g.input("y", [-1, 3, 8]), k3])
    unknown = g.input("u", [-1, -1, -1, 8])
    (y,) = g.node("conv2d", [unknown, k3], {"padding": "same", "strides": [2, 2]})
    assert g.shape(y) == [-1, -1, -1, 4]


@pytest.mark.parametrize(
    "attrs",
    [
        {"padding": "same"},
        {"padding": "valid", "strides": [2, 1]},
        {"padding": "same", "dilation": [2, 2]},
        {"padding": "valid", "strides": [2, 2]},
    ],
)
@pytest.mark.parametrize("channels,filters", [(32, 20), (32, 10), (17, 40), (4, 7)])
def test_float32_gradients_match_float64(attrs, channels, filters):
    """float32 takes the fast paths (indirect kernels when channels fill the register
    width, half-width kernels for a narrow last panel of filters, im2col for few
    channels); they must agree with the float64 reference paths."""
    from dagnet.engine import Executor, Graph, gradients

    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 9, 7, channels))
    w = rng.standard_normal((3, 3, channels, filters)) * 0.1
    results = {}
    for dtype in (np.float32, np.float64):
        g = Graph()
        xi, wi = g.param("x", x.astype(dtype)), g.param("w", w.astype(dtype))
        (y,) = g.node("conv2d", [xi, wi], attrs)
        t = g.param("t", np.ones(g.shape(y), dtype))
        (loss,) = g.node("mse", [y, t])
        results[dtype] = Executor(g, [y] + gradients(g, loss, [xi, wi])).run([])
    for got, want in zip(results[np.float32], results[np.float64]):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5 * np.abs(want).max())


@pytest.mark.parametrize("isa", ["portable", "avx2"])
def test_float32_conv_paths_under_other_isas(isa):
    import os
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, %r); import test_conv; "
        "[test_conv.test_float32_gradients_match_float64(a, c, f) for a in "
        "[{'padding': 'same'}, {'padding': 'valid', 'strides': [2, 1]}] for c, f in [(32, 20), (17, 40)]]"
    ) % os.path.dirname(__file__)
    out = subprocess.run(
        [sys.executable, "-c", code], env=dict(os.environ, DAGNET_CPU_ISA=isa), capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
