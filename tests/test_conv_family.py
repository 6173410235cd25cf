"""The convolution family beyond conv1d/2d: conv3d, channel groups, transposed convolutions
(1-D/2-D/3-D, strides, output_padding, dilation, both formats), depthwise convolutions
(depth multiplier, both formats) and 3-D pooling, against direct NumPy references; float64
finite-difference gradients; float32 fast paths against float64; errors naming the node."""

import conv_reference as ref
import numpy as np
import pytest
from helpers import fd_check, mse_to, run_op

from dagnet.engine import Executor, Graph, gradients


def to_first(a):
    return np.moveaxis(a, -1, 1).copy()


def check_both_formats(op, x, params, attrs, want, rtol=1e-10, atol=1e-10):
    """op on channels-last x, then on channels_first x: both equal the channels-last reference."""
    (got,) = run_op(op, [x] + params, attrs)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    (got_cf,) = run_op(op, [to_first(x)] + params, {**attrs, "data_format": "channels_first"})
    np.testing.assert_allclose(got_cf, to_first(want), rtol=rtol, atol=atol)


@pytest.mark.parametrize(
    "kernel,strides,dilation,padding",
    [
        ((2, 3, 2), (1, 1, 1), (1, 1, 1), "valid"),
        ((3, 3, 3), (2, 1, 2), (1, 1, 1), "same"),
        ((2, 2, 3), (1, 1, 1), (2, 1, 2), "same"),
        ((1, 1, 1), (1, 1, 1), (1, 1, 1), "valid"),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv3d(kernel, strides, dilation, padding, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 6, 7, 4)).astype(dtype)
    w = rng.standard_normal(kernel + (4, 5)).astype(dtype)
    b = rng.standard_normal(5).astype(dtype)
    attrs = {"strides": list(strides), "dilation": list(dilation), "padding": padding}
    want = ref.conv_nd(x.astype(np.float64), w, b, strides, dilation, padding)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    check_both_formats("conv3d", x, [w, b], attrs, want, tol, tol)


# 2 and 4 groups of >= 16 channels run float32 on the dense block-diagonal kernel (ops/conv_layout.h)
@pytest.mark.parametrize(
    "groups,channels,filters", [(2, 8, 6), (4, 8, 12), (3, 18, 24), (8, 8, 8), (2, 32, 10), (4, 64, 8)]
)
@pytest.mark.parametrize(
    "kernel,strides,padding", [((3, 3), (1, 1), "same"), ((1, 1), (1, 1), "valid"), ((2, 3), (2, 1), "valid")]
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_grouped_conv2d(groups, channels, filters, kernel, strides, padding, dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 6, 7, channels)).astype(dtype)
    w = rng.standard_normal(kernel + (channels // groups, filters)).astype(dtype)
    b = rng.standard_normal(filters).astype(dtype)
    attrs = {"strides": list(strides), "padding": padding, "groups": groups, "activation": "relu"}
    want = np.maximum(ref.conv_nd(x.astype(np.float64), w, b, strides, None, padding, groups), 0)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    check_both_formats("conv2d", x, [w, b], attrs, want, tol, tol)


def test_grouped_conv1d_and_3d():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 9, 6))
    w = rng.standard_normal((3, 2, 9))
    (got,) = run_op("conv1d", [x, w], {"groups": 3, "padding": "causal"})
    np.testing.assert_allclose(got, ref.conv_nd(np.pad(x, ((0, 0), (2, 0), (0, 0))), w, groups=3), rtol=1e-10)
    x3 = rng.standard_normal((1, 4, 5, 3, 4))
    w3 = rng.standard_normal((2, 2, 2, 2, 6))
    (got,) = run_op("conv3d", [x3, w3], {"groups": 2, "padding": "same"})
    np.testing.assert_allclose(got, ref.conv_nd(x3, w3, None, None, None, "same", 2), rtol=1e-10)


TRANSPOSE_CASES = [
    # kernel, strides, padding, output_padding, dilation
    ((3, 3), (2, 2), "same", None, (1, 1)),
    ((2, 2), (2, 2), "same", None, (1, 1)),
    ((3, 3), (2, 2), "valid", None, (1, 1)),
    ((3, 3), (2, 2), "same", (1, 1), (1, 1)),
    ((4, 4), (3, 3), "valid", (2, 1), (1, 1)),
    ((1, 1), (3, 3), "valid", None, (1, 1)),
    ((2, 3), (3, 2), "same", None, (1, 1)),
    ((3, 3), (1, 1), "same", None, (2, 2)),
    ((3, 2), (1, 1), "valid", None, (2, 1)),
    ((5, 5), (2, 2), "same", None, (1, 1)),
]


def transpose_attrs(strides, padding, output_padding, dilation):
    attrs = {"strides": list(strides), "padding": padding, "dilation": list(dilation)}
    if output_padding is not None:
        attrs["output_padding"] = list(output_padding)
    return attrs


@pytest.mark.parametrize("kernel,strides,padding,output_padding,dilation", TRANSPOSE_CASES)
@pytest.mark.parametrize("channels,filters", [(3, 5), (24, 20)])  # few channels: im2col; many: the phase kernels
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv2d_transpose(kernel, strides, padding, output_padding, dilation, channels, filters, dtype):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 5, channels)).astype(dtype)
    w = rng.standard_normal(kernel + (filters, channels)).astype(dtype)
    b = rng.standard_normal(filters).astype(dtype)
    attrs = transpose_attrs(strides, padding, output_padding, dilation)
    want = ref.conv_transpose_nd(x.astype(np.float64), w, b, strides, dilation, padding, output_padding)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    check_both_formats("conv2d_transpose", x, [w, b], attrs, want, tol, tol)


@pytest.mark.parametrize(
    "kernel,strides,padding,output_padding",
    [((3,), (2,), "same", None), ((4,), (3,), "valid", (1,)), ((2,), (1,), "valid", None)],
)
def test_conv1d_transpose(kernel, strides, padding, output_padding):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 6, 3))
    w = rng.standard_normal(kernel + (4, 3))
    attrs = transpose_attrs(strides, padding, output_padding, (1,))
    want = ref.conv_transpose_nd(x, w, None, strides, None, padding, output_padding)
    check_both_formats("conv1d_transpose", x, [w], {**attrs, "activation": "tanh"}, np.tanh(want))


@pytest.mark.parametrize("channels", [3, 17])
def test_conv3d_transpose(channels):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 3, 4, 2, channels))
    w = rng.standard_normal((3, 2, 3, 16, channels))
    attrs = transpose_attrs((2, 2, 1), "same", (1, 1, 0), (1, 1, 1))
    want = ref.conv_transpose_nd(x, w, None, (2, 2, 1), None, "same", (1, 1, 0))
    check_both_formats("conv3d_transpose", x, [w], attrs, want, 1e-9, 1e-9)
    (got32,) = run_op("conv3d_transpose", [x.astype(np.float32), w.astype(np.float32)], attrs)
    np.testing.assert_allclose(got32, want, rtol=1e-4, atol=1e-4)


DEPTHWISE_CASES = [
    ((3, 3), (1, 1), (1, 1), "same"),
    ((3, 3), (2, 2), (1, 1), "same"),
    ((3, 3), (1, 1), (1, 1), "valid"),
    ((5, 3), (2, 1), (1, 1), "valid"),
    ((3, 3), (1, 1), (2, 2), "same"),
    ((1, 1), (1, 1), (1, 1), "valid"),
    ((4, 4), (3, 3), (1, 1), "same"),
]


@pytest.mark.parametrize("kernel,strides,dilation,padding", DEPTHWISE_CASES)
@pytest.mark.parametrize("channels,multiplier", [(3, 1), (37, 1), (5, 3), (16, 2)])  # 37: vector lanes + a remainder
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_depthwise_conv2d(kernel, strides, dilation, padding, channels, multiplier, dtype):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 9, 11, channels)).astype(dtype)
    w = rng.standard_normal(kernel + (channels, multiplier)).astype(dtype)
    b = rng.standard_normal(channels * multiplier).astype(dtype)
    attrs = {"strides": list(strides), "dilation": list(dilation), "padding": padding, "activation": "relu"}
    want = np.maximum(ref.depthwise_nd(x.astype(np.float64), w, b, strides, dilation, padding), 0)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    check_both_formats("depthwise_conv2d", x, [w, b], attrs, want, tol, tol)


@pytest.mark.parametrize("strides,padding,multiplier", [((1,), "same", 1), ((2,), "valid", 2)])
def test_depthwise_conv1d(strides, padding, multiplier):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 10, 4))
    w = rng.standard_normal((3, 4, multiplier))
    want = ref.depthwise_nd(x, w, None, strides, None, padding)
    check_both_formats("depthwise_conv1d", x, [w], {"strides": list(strides), "padding": padding}, want)


def test_depthwise_softmax_channels_first_takes_the_last_axis():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((1, 3, 5, 6))  # channels_first
    w = rng.standard_normal((3, 3, 3, 2))
    (got,) = run_op(
        "depthwise_conv2d", [x, w], {"padding": "same", "data_format": "channels_first", "activation": "softmax"}
    )
    z = to_first(ref.depthwise_nd(np.moveaxis(x, 1, -1), w, None, None, None, "same"))
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    np.testing.assert_allclose(got, e / e.sum(axis=-1, keepdims=True), rtol=1e-10)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize(
    "pool,strides,padding",
    [((2, 2, 2), (2, 2, 2), "valid"), ((3, 2, 3), (1, 2, 2), "same"), ((2, 3, 1), (2, 1, 1), "same")],
)
def test_pool3d(mode, pool, strides, padding):
    x = np.random.default_rng(9).standard_normal((2, 5, 6, 4, 3))
    want = ref.pool_nd(x, pool, strides, padding, mode)
    attrs = {"pool_size": list(pool), "strides": list(strides), "padding": padding}
    check_both_formats(f"{mode}_pool3d", x, [], attrs, want, 1e-12, 1e-12)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_global_pool3d(mode):
    x = np.random.default_rng(10).standard_normal((2, 3, 4, 5, 6))
    fn = np.max if mode == "max" else np.mean
    (got,) = run_op(f"global_{mode}_pool", [x])
    np.testing.assert_allclose(got, fn(x, axis=(1, 2, 3)), rtol=1e-12)
    (got,) = run_op(f"global_{mode}_pool", [to_first(x)], {"data_format": "channels_first"})
    np.testing.assert_allclose(got, fn(x, axis=(1, 2, 3)), rtol=1e-12)


# ---- float64 finite-difference gradients


def fd_op(op, arrays, attrs, seed=11):
    rng = np.random.default_rng(seed)

    def build(g, ids):
        (y,) = g.node(op, ids, attrs)
        return mse_to(g, y, rng)

    fd_check(build, arrays, rng)


@pytest.mark.parametrize(
    "attrs",
    [
        {"padding": "same", "strides": [2, 1, 2]},
        {"padding": "valid", "dilation": [2, 1, 1], "activation": "tanh"},
        {"padding": "same", "data_format": "channels_first"},
    ],
)
def test_conv3d_gradients(attrs):
    rng = np.random.default_rng(12)
    cf = attrs.get("data_format") == "channels_first"
    x = rng.standard_normal((2, 2, 4, 3, 3) if cf else (2, 4, 3, 3, 2))
    fd_op("conv3d", [x, rng.standard_normal((2, 2, 2, 2, 3)) * 0.5, rng.standard_normal(3) * 0.1], attrs)


@pytest.mark.parametrize("op,shape,kernel", [("conv2d", (2, 5, 4, 6), (3, 2, 2, 6)), ("conv1d", (2, 7, 4), (3, 2, 6))])
@pytest.mark.parametrize("extra", [{"padding": "same"}, {"padding": "valid", "strides": [2]}])
def test_grouped_conv_gradients(op, shape, kernel, extra):
    rng = np.random.default_rng(13)
    groups = shape[-1] // kernel[-2]
    rank = len(shape) - 2
    attrs = {**extra, "groups": groups, "activation": "sigmoid"}
    if "strides" in attrs:
        attrs["strides"] = attrs["strides"] * rank
    fd_op(op, [rng.standard_normal(shape), rng.standard_normal(kernel) * 0.5, rng.standard_normal(kernel[-1])], attrs)


@pytest.mark.parametrize("kernel,strides,padding,output_padding,dilation", TRANSPOSE_CASES[:8])
def test_conv2d_transpose_gradients(kernel, strides, padding, output_padding, dilation):
    rng = np.random.default_rng(14)
    attrs = {**transpose_attrs(strides, padding, output_padding, dilation), "activation": "elu"}
    fd_op(
        "conv2d_transpose",
        [rng.standard_normal((2, 3, 4, 2)), rng.standard_normal(kernel + (3, 2)) * 0.5, rng.standard_normal(3) * 0.1],
        attrs,
    )


@pytest.mark.parametrize("rank", [1, 3])
def test_conv_transpose_gradients_1d_3d_channels_first(rank):
    rng = np.random.default_rng(15)
    spatial = (5,) if rank == 1 else (2, 3, 2)
    attrs = transpose_attrs((2,) * rank, "same", None, (1,) * rank)
    attrs["data_format"] = "channels_first"
    fd_op(
        f"conv{rank}d_transpose",
        [rng.standard_normal((2, 2) + spatial), rng.standard_normal((2,) * rank + (3, 2))],
        attrs,
    )


@pytest.mark.parametrize("kernel,strides,dilation,padding", DEPTHWISE_CASES)
@pytest.mark.parametrize("multiplier", [1, 2])
def test_depthwise_gradients(kernel, strides, dilation, padding, multiplier):
    rng = np.random.default_rng(16)
    attrs = {"strides": list(strides), "dilation": list(dilation), "padding": padding, "activation": "tanh"}
    fd_op(
        "depthwise_conv2d",
        [
            rng.standard_normal((2, 7, 6, 3)),
            rng.standard_normal(kernel + (3, multiplier)) * 0.5,
            rng.standard_normal(3 * multiplier) * 0.1,
        ],
        attrs,
    )


def test_depthwise1d_channels_first_gradients():
    rng = np.random.default_rng(17)
    fd_op(
        "depthwise_conv1d",
        [rng.standard_normal((2, 3, 7)), rng.standard_normal((3, 3, 2)) * 0.5],
        {"padding": "same", "strides": [2], "data_format": "channels_first"},
    )


@pytest.mark.parametrize("op", ["max_pool3d", "avg_pool3d"])
def test_pool3d_gradients(op):
    rng = np.random.default_rng(18)
    shape = (2, 3, 4, 3, 2)
    fd_op(
        op,
        [rng.permutation(np.prod(shape)).reshape(shape) * 0.1],
        {"pool_size": [2, 2, 2], "strides": [1, 2, 1], "padding": "same"},
    )


# ---- float32 fast paths (indirect kernels, output phases, vector lanes) against float64


def gradients_by_dtype(op, x, w, attrs):
    results = {}
    for dtype in (np.float32, np.float64):
        g = Graph()
        xi, wi = g.param("x", x.astype(dtype)), g.param("w", w.astype(dtype))
        (y,) = g.node(op, [xi, wi], attrs)
        t = g.param("t", np.ones(g.shape(y), dtype))
        (loss,) = g.node("mse", [y, t])
        results[dtype] = Executor(g, [y] + gradients(g, loss, [xi, wi])).run([])
    return results


@pytest.mark.parametrize(
    "op,x_shape,w_shape,attrs",
    [
        ("conv2d_transpose", (2, 6, 5, 32), (3, 3, 24, 32), {"strides": [2, 2], "padding": "same"}),
        (
            "conv2d_transpose",
            (2, 6, 5, 32),
            (4, 4, 20, 32),
            {"strides": [2, 2], "padding": "valid", "output_padding": [1, 0]},
        ),
        ("conv3d_transpose", (1, 3, 4, 3, 16), (3, 3, 3, 16, 16), {"strides": [2, 1, 2], "padding": "same"}),
        ("conv2d", (2, 9, 8, 32), (3, 3, 32, 24), {"strides": [2, 2], "padding": "same"}),
        ("conv3d", (2, 5, 6, 5, 16), (3, 3, 3, 16, 20), {"strides": [2, 1, 2], "padding": "valid"}),
        ("conv2d", (2, 8, 8, 32), (3, 3, 8, 24), {"groups": 4, "padding": "same"}),
        ("depthwise_conv2d", (2, 12, 13, 48), (3, 3, 48, 1), {"padding": "same"}),
        ("depthwise_conv2d", (2, 12, 13, 40), (5, 5, 40, 2), {"strides": [2, 2], "padding": "same"}),
        ("depthwise_conv2d", (2, 12, 13, 35), (3, 3, 35, 1), {"dilation": [2, 2], "padding": "valid"}),
    ],
)
def test_float32_fast_paths_match_float64(op, x_shape, w_shape, attrs):
    rng = np.random.default_rng(19)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape) * 0.1
    results = gradients_by_dtype(op, x, w, attrs)
    for got, want in zip(results[np.float32], results[np.float64]):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5 * np.abs(want).max())


@pytest.mark.parametrize("isa", ["portable", "avx2"])
def test_depthwise_and_phases_under_other_isas(isa):
    import os
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, %r); import test_conv_family as t; "
        "[t.test_float32_fast_paths_match_float64(*case) for case in t.ISA_CASES]"
    ) % os.path.dirname(__file__)
    out = subprocess.run(
        [sys.executable, "-c", code], env=dict(os.environ, DAGNET_CPU_ISA=isa), capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr


ISA_CASES = [
    ("depthwise_conv2d", (2, 12, 13, 35), (3, 3, 35, 2), {"padding": "same"}),
    ("depthwise_conv2d", (2, 12, 13, 24), (3, 3, 24, 1), {"strides": [2, 2], "padding": "valid"}),
    ("conv2d_transpose", (2, 6, 5, 32), (3, 3, 24, 32), {"strides": [2, 2], "padding": "same"}),
]


# ---- errors


def test_errors_name_node_and_shapes():
    g = Graph()
    x = g.input("x", [-1, 6, 6, 8])
    with pytest.raises(
        ValueError,
        match=r"'g' \(conv2d\): the input has 8 channels, so with 4 groups the kernel expects 2 input channels, got 3",
    ):
        g.node("conv2d", [x, g.param("k", np.zeros((3, 3, 3, 8), np.float32))], {"groups": 4}, "g")
    with pytest.raises(ValueError, match="the kernel's 6 filters do not split into 4 groups"):
        g.node("conv2d", [x, g.param("k2", np.zeros((3, 3, 2, 6), np.float32))], {"groups": 4})
    with pytest.raises(ValueError, match="the input's 8 channels do not split into 3 groups"):
        g.node("conv2d", [x, g.param("k3", np.zeros((3, 3, 2, 6), np.float32))], {"groups": 3})
    t = g.param("t", np.zeros((3, 3, 5, 8), np.float32))
    with pytest.raises(
        ValueError,
        match=r"\(conv2d_transpose\): output_padding must hold 2 integers >= 0 and each less than its stride",
    ):
        g.node("conv2d_transpose", [x, t], {"strides": [2, 2], "output_padding": [2, 0]})
    with pytest.raises(ValueError, match="does not map back to the input's 6.*TensorFlow refuses it too"):
        g.node(
            "conv2d_transpose",
            [x, g.param("t2", np.zeros((2, 2, 5, 8), np.float32))],
            {"strides": [2, 2], "padding": "same", "output_padding": [0, 0]},
        )
    with pytest.raises(
        ValueError, match=r"the input has 8 channels but the transposed kernel \(3, 3, 8, 5\) expects 5"
    ):
        g.node("conv2d_transpose", [x, g.param("t3", np.zeros((3, 3, 8, 5), np.float32))])
    with pytest.raises(ValueError, match=r"the input has 8 channels but the depthwise kernel \(3, 3, 4, 2\) expects 4"):
        g.node("depthwise_conv2d", [x, g.param("d", np.zeros((3, 3, 4, 2), np.float32))])
    with pytest.raises(ValueError, match=r"the bias must have shape \(16,\) \(input channels x depth multiplier\)"):
        g.node(
            "depthwise_conv2d",
            [x, g.param("d2", np.zeros((3, 3, 8, 2), np.float32)), g.param("b", np.zeros(8, np.float32))],
        )
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same', got 'causal'"):
        g.node(
            "depthwise_conv1d",
            [g.input("s", [-1, 5, 8]), g.param("d3", np.zeros((3, 8, 1), np.float32))],
            {"padding": "causal"},
        )
    with pytest.raises(
        ValueError, match=r"expects an input of rank 5 \(batch, depth, height, width, channels\), got rank 4"
    ):
        g.node("conv3d", [x, g.param("k5", np.zeros((1, 1, 1, 8, 2), np.float32))])
    with pytest.raises(ValueError, match="output would be empty: input depth 2 is smaller than the window 3"):
        g.node("max_pool3d", [g.input("v", [-1, 2, 6, 6, 1])], {"pool_size": [3, 3, 3]})
    k = g.param("k6", np.zeros((3, 3, 8, 4), np.float32))
    dy = g.input("dy", [-1, 5, 5, 4])
    with pytest.raises(
        ValueError, match=r"the output gradient has shape \(None, 5, 5, 4\) but the output has shape \(None, 6, 6, 4\)"
    ):
        g.node("conv2d_grad_input", [dy, k, x], {"padding": "same"})
