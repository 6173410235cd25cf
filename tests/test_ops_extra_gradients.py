"""Float64 finite-difference gradients of the keras.ops compositions in ops/elementwise_extra.py,
array_extra.py, nan_reductions.py, scatter_ops.py, conv_ops.py and inverse_trig.py, each
lowered into the check's graph (the symbolic path's nodes); and their argument errors."""

import numpy as np
import pytest
from helpers import fd_check, mse_to

import dagnet
from dagnet import ops
from dagnet._tracing import GraphBuilder, GraphTensor

RNG = np.random.default_rng(21)
K = RNG.standard_normal((2, 2, 1, 2))
W = RNG.standard_normal((4, 3))


def _lowered(fn):
    def build(g, ids):
        builder = GraphBuilder()
        builder.graph = g
        with builder.active():
            out = fn(*(GraphTensor(builder, i) for i in ids))
        return mse_to(g, out.id, rng=np.random.default_rng(1))

    return build


def image(x):
    return ops.reshape(x, (1, 3, 4, 1))


GRADIENT_CASES = {
    "arcsin": lambda x: ops.arcsin(x * 0.2),
    "arccosh": lambda x: ops.arccosh(x + 1.1),
    "erfinv": lambda x: ops.erfinv(x * 0.2),
    "arctan2": lambda x: ops.arctan2(x - 2.0, x[::-1] - 1.5),
    "sinc": lambda x: ops.sinc(x - 1.3),
    "logaddexp2": lambda x: ops.logaddexp2(x, x[:, ::-1]),
    "logaddexp2_tie": lambda x: ops.logaddexp2(x, x),
    "ldexp": lambda x: ops.ldexp(x, np.array([1, -2, 0, 3], "int32")),
    "fmax": lambda x: ops.fmax(x, x[::-1]),
    "fmin": lambda x: ops.fmin(x, 1.5),
    "fmod": lambda x: ops.fmod(x, 1.1),
    "fabs": lambda x: ops.fabs(x - 2.0),
    "i0": lambda x: ops.i0(x * 3 - 6),
    "vander": lambda x: ops.vander(x[0], 3),
    "kron": lambda x: ops.kron(x[:2, :2], x[1:, 2:]),
    "diagflat": lambda x: ops.diagflat(x[0], 1),
    "trapezoid_x": lambda x: ops.trapezoid(x, x=x[0] * 2, axis=1),
    "extract_sequences": lambda x: ops.extract_sequences(x, 3, 1),
    "psnr": lambda x: ops.reshape(ops.psnr(x, x[::-1] * 0.5, 2.0), (1,)),
    "correlate_same": lambda x: ops.correlate(x[0], x[1, :3], mode="same"),
    "correlate_full": lambda x: ops.correlate(x[0], x[2], mode="full"),
    "cdist": lambda x: ops.cdist(x, x[:2] * 0.5 + 1.0),
    "corrcoef": lambda x: ops.corrcoef(x),
    "depth_to_space": lambda x: ops.depth_to_space(ops.reshape(x, (1, 1, 3, 4)), 2),
    "space_to_depth": lambda x: ops.space_to_depth(ops.reshape(x[:2], (1, 2, 4, 1)), 2),
    "nanvar": lambda x: ops.nanvar(ops.where(x > 3.5, np.nan, x), axis=1),
    "nanstd": lambda x: ops.nanstd(ops.where(x > 3.5, np.nan, x), axis=0),
    "nanprod": lambda x: ops.nanprod(ops.where(x > 3.5, np.nan, x), axis=1),
    "nancumsum": lambda x: ops.nancumsum(ops.where(x > 3.5, np.nan, x), axis=1),
    "nancumprod": lambda x: ops.nancumprod(ops.where(x > 3.5, np.nan, x), axis=0),
    "nanquantile": lambda x: ops.nanquantile(ops.where(x > 3.5, np.nan, x), 0.3, axis=1),
    "nanmedian": lambda x: ops.nanmedian(ops.where(x > 3.5, np.nan, x), axis=1),
    "slice": lambda x: ops.slice(x, (1, 1), (2, 2)),
    "slice_update": lambda x: ops.slice_update(x, (0, 1), x[1:, :2] * 3.0),
    "scatter": lambda x: ops.scatter(np.array([[1], [0], [1]], "int32"), x, (2, 4)),
    "scatter_update": lambda x: ops.scatter_update(x, np.array([[2, 1], [0, 0], [2, 1]]), x[0, :3] * 2.0),
    "scatter_update_add": lambda x: ops.scatter_update(x, np.array([[1], [1]]), x[:2] * 2.0, reduction="add"),
    "scatter_update_max": lambda x: ops.scatter_update(x, np.array([[1], [2]]), x[:2] * 1.3, reduction="max"),
    "scatter_update_mul": lambda x: ops.scatter_update(x, np.array([[1], [1]]), x[:2] - 1.0, reduction="mul"),
    "conv": lambda x: ops.conv(image(x), ops.reshape(x[:2, :2], (2, 2, 1, 1)), padding="same"),
    "conv_kernel_const": lambda x: ops.conv(image(x), K, strides=(1, 2)),
    "depthwise_conv": lambda x: ops.depthwise_conv(image(x), ops.reshape(x[0], (2, 1, 1, 2))),
    "separable_conv": lambda x: ops.separable_conv(image(x), K[:, :1], ops.reshape(x[0, :2], (1, 1, 2, 1))),
    "conv_transpose": lambda x: ops.conv_transpose(image(x), ops.reshape(x[:2, :2], (2, 2, 1, 1)), strides=2),
    "max_pool": lambda x: ops.max_pool(image(x), 2, strides=1, padding="same"),
    "average_pool": lambda x: ops.average_pool(image(x), (2, 3), strides=1, padding="same"),
    "adaptive_average_pool": lambda x: ops.adaptive_average_pool(image(x), (2, 3)),
    "adaptive_max_pool": lambda x: ops.adaptive_max_pool(image(x), (2, 3)),
    "unfold": lambda x: ops.unfold(ops.reshape(x, (1, 1, 3, 4)), 2, padding=1),
    "fold": lambda x: ops.fold(ops.reshape(x, (1, 4, 3)), (2, 6), 2, stride=(1, 2)),
    "ctc_loss": lambda x: ops.ctc_loss(
        np.array([[1, 2], [3, 3]], "int32"), ops.stack([x, x[::-1] * 0.5]), np.array([2, 2]), np.array([3, 3])
    ),
    "ctc_loss_short": lambda x: ops.ctc_loss(
        np.array([[2, 0]], "int32"), ops.reshape(x, (1, 3, 4)), np.array([1]), np.array([2]), mask_index=3
    ),
    "conv1d": lambda x: ops.conv(ops.reshape(x, (1, 4, 3)), ops.reshape(ops.matmul(x[:2], W), (2, 3, 1))),
}


@pytest.mark.parametrize("name", list(GRADIENT_CASES))
def test_float64_gradients_by_finite_differences(name):
    rng = np.random.default_rng(3)
    # Distinct values a few steps apart: maxima, sorts and NaN masks stay put under the FD step.
    x = rng.permutation(12).reshape(3, 4) * 0.37 + rng.uniform(-0.05, 0.05, (3, 4))
    fd_check(_lowered(GRADIENT_CASES[name]), [x], rng, rtol=1e-5, atol=1e-7)


def test_logaddexp2_tie_gradient_is_half_each():
    """At x1 = x2 each operand gets half the gradient (the max shift is a constant to autodiff)."""
    x = dagnet.Input((2,))
    y = dagnet.Input((2,))
    model = dagnet.Model([x, y], ops.logaddexp2(x, y))
    data = np.array([[1.0, -3.0]], "float32")
    np.testing.assert_allclose(model.predict([data, data], verbose=0), data + 1.0, rtol=1e-6)
    np.testing.assert_allclose(ops.logaddexp2(np.array([np.inf, -np.inf]), np.array([1.0, -np.inf])), [np.inf, -np.inf])


def test_conv_ops_train_a_kernel_in_a_layer():
    """A custom layer's call written with ops.conv and ops.max_pool lowers to the native conv
    and pool nodes and trains its kernel."""

    class FunctionalConv(dagnet.layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(3, 3, input_shape[-1], 2), name="kernel")

        def call(self, x):
            return ops.max_pool(ops.conv(x, self.kernel, padding="same"), 2)

    inputs = dagnet.Input((6, 6, 3))
    layer = FunctionalConv()
    model = dagnet.Model(inputs, layer(inputs))
    data = np.random.default_rng(0).standard_normal((4, 6, 6, 3)).astype("float32")
    kernel = layer.kernel.numpy()
    want = ops.max_pool(ops.conv(data, kernel, padding="same"), 2)
    np.testing.assert_allclose(model.predict(data, verbose=0), want, rtol=1e-5, atol=1e-6)
    model.compile("sgd", "mse")
    model.train_on_batch(data, np.zeros((4, 3, 3, 2), "float32"))
    assert not np.allclose(layer.kernel.numpy(), kernel)


def test_argument_errors():
    x = np.ones((2, 5, 5, 3), "float32")
    with pytest.raises(ValueError, match=r"conv: the input channels \(3\) must be a multiple"):
        ops.conv(x, np.ones((3, 3, 2, 4), "float32"))
    with pytest.raises(ValueError, match="conv: `padding` must be 'valid' or 'same'"):
        ops.conv(x, np.ones((3, 3, 3, 4), "float32"), padding="causal")
    with pytest.raises(ValueError, match=r"depthwise_conv: kernel must be \(\*window, 3, multiplier\)"):
        ops.depthwise_conv(x, np.ones((3, 3, 2, 1), "float32"))
    with pytest.raises(ValueError, match="inputs must have rank 3, 4"):
        ops.depthwise_conv(np.ones((2, 3, 4, 4, 1), "float32"), np.ones((2, 2, 1, 1), "float32"))
    with pytest.raises(ValueError, match="output_padding` must be smaller than `strides`"):
        ops.conv_transpose(x, np.ones((3, 3, 2, 3), "float32"), strides=2, output_padding=2)
    with pytest.raises(ValueError, match=r"max_pool: `pool_size` must be an int or 2 ints"):
        ops.max_pool(x, (2, 2, 2))
    with pytest.raises(ValueError, match=r"slice: \[3, 6\) is outside axis 1"):
        ops.slice(np.ones((2, 5)), (0, 3), (1, 3))
    with pytest.raises(TypeError, match="slice_update: start_indices must be constant"):
        inp = dagnet.Input((4,))
        ops.slice_update(inp, ops.cast(inp[0, :2], "int32"), inp[:, :2])
    with pytest.raises(ValueError, match=r"scatter: index \[4\] is out of range for \(3,\)"):
        ops.scatter(np.array([[4]]), np.ones(1), (3,))
    with pytest.raises(ValueError, match="scatter_update: updates of shape"):
        ops.scatter_update(np.zeros((3, 4)), np.array([[1], [2]]), np.ones((2, 3)))
    with pytest.raises(ValueError, match="unsupported reduction 'avg'"):
        ops.scatter_update(np.zeros(3), np.array([[1]]), np.ones(1), reduction="avg")
    with pytest.raises(TypeError, match="ldexp: the exponent x2 must be an integer"):
        ops.ldexp(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="psnr: x1 and x2 must have the same shape"):
        ops.psnr(np.ones(3), np.ones(4), 1.0)
    with pytest.raises(ValueError, match="correlate: mode must be"):
        ops.correlate(np.ones(3), np.ones(2), mode="circular")
    with pytest.raises(ValueError, match=r"depth_to_space: channels \(3\) must be divisible"):
        ops.depth_to_space(x, 2)
    with pytest.raises(ValueError, match="space_to_depth: height 5 and width 5 must be divisible"):
        ops.space_to_depth(x, 2)
    with pytest.raises(TypeError, match="hanning: the window length must be a Python int"):
        ops.hanning(4.5)
    with pytest.raises(ValueError, match="extract_sequences: sequence_length 6 exceeds"):
        ops.extract_sequences(np.ones((2, 5)), 6, 1)
    with pytest.raises(ValueError, match="nanquantile: q must be"):
        ops.nanquantile(np.ones(3), 1.5)
    with pytest.raises(ValueError, match="adaptive_average_pool: expects a 3D, 4D or 5D input"):
        ops.adaptive_average_pool(np.ones((2, 3)), 2)
    with pytest.raises(ValueError, match=r"unfold: a 6x6 window \(dilation 1x1\) does not fit"):
        ops.unfold(np.ones((1, 1, 5, 5)), 6)
    with pytest.raises(ValueError, match=r"fold: x must be \(N, C \* 4, 16\)"):
        ops.fold(np.ones((1, 4, 15)), (5, 5), 2)
    with pytest.raises(ValueError, match="ctc_loss: mask_index 4 is not a class of 4"):
        ops.ctc_loss(np.ones((1, 2), "int32"), np.ones((1, 3, 4)), np.array([2]), np.array([3]), mask_index=4)
    with pytest.raises(NotImplementedError, match="ctc_decode: only strategy='greedy' is supported"):
        ops.ctc_decode(np.ones((1, 3, 4)), np.array([3]), strategy="beam_search")
    with pytest.raises(ValueError, match="histogram: x must be 1-D"):
        ops.histogram(np.ones((2, 2)))


def test_symbolic_scatter_with_runtime_indices():
    """Indices fed at run time: duplicates add in scatter, the last wins in scatter_update, and
    an index out of range selects nothing."""
    idx = dagnet.Input((3, 1), dtype="int32")
    vals = dagnet.Input((3,))
    model = dagnet.Model(
        [idx, vals],
        [ops.scatter(idx[0], vals[0], (4,))[None], ops.scatter_update(ops.zeros((4,)), idx[0], vals[0])[None]],
    )
    added, replaced = model.predict(
        [np.array([[[1], [1], [7]]], "int32"), np.array([[2.0, 5.0, 9.0]], "float32")], verbose=0
    )
    np.testing.assert_array_equal(added[0], [0, 7, 0, 0])
    np.testing.assert_array_equal(replaced[0], [0, 5, 0, 0])


def test_windows_and_integer_vander_match_numpy():
    for name in ("bartlett", "blackman", "hamming", "hanning"):
        got = getattr(ops, name)(7)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, getattr(np, name)(7), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ops.kaiser(6, 3.5), np.kaiser(6, 3.5), rtol=1e-6)
    x = np.array([3, -2, 5], "int64")
    got = ops.vander(x, 5)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, np.vander(x, 5))
    assert ops.array([1, 2]).dtype == np.int32 and ops.array([1.5]).dtype == np.float32
    assert ops.array(np.arange(3.0)).dtype == np.float64 and ops.array([1, 2], "float64").dtype == np.float64
    source = np.arange(3.0)
    copied = ops.copy(source)
    source[0] = 9.0
    assert copied[0] == 0.0
