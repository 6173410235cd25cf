"""Conv1D/Conv2D with one input channel per group (groups == channels, as ConvMixer and
MobileNet-style code write a depthwise step) lower to the depthwise kernels with the kernel
reshaped (same memory): outputs equal the grouped convolution (NumPy reference and the native
grouped op), gradients pass float64 finite differences, and a training step equals the
DepthwiseConv2D it is."""

import conv_reference as ref
import numpy as np
import pytest
from helpers import fd_check, mse_to, run_op

from dagnet import Input, Model, layers, optimizers


def _layer_output(layer, x):
    model = Model(inp := Input(x.shape[1:]), layer(inp))
    return model, model.predict(x, verbose=0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"padding": "same"},
        {"padding": "valid", "strides": 2},
        {"padding": "same", "dilation_rate": 2, "activation": "relu"},
        {"padding": "valid", "use_bias": False},
    ],
)
@pytest.mark.parametrize("multiplier", [1, 2])
def test_conv2d_one_channel_groups_matches_grouped_reference(kwargs, multiplier):
    rng = np.random.default_rng(0)
    c = 5
    x = rng.standard_normal((2, 9, 8, c)).astype(np.float32)
    layer = layers.Conv2D(c * multiplier, 3, groups=c, bias_initializer="random_normal", **kwargs)
    _, got = _layer_output(layer, x)
    kernel = layer.kernel.numpy().astype(np.float64)
    bias = layer.bias.numpy() if layer.use_bias else None
    want = ref.conv_nd(
        x.astype(np.float64),
        kernel,
        bias,
        strides=(kwargs.get("strides", 1),) * 2,
        dilation=(kwargs.get("dilation_rate", 1),) * 2,
        padding=kwargs["padding"],
        groups=c,
    )
    if kwargs.get("activation") == "relu":
        want = np.maximum(want, 0)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("padding", ["causal", "same"])
def test_conv1d_one_channel_groups_matches_the_native_grouped_op(padding):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 11, 4)).astype(np.float32)
    layer = layers.Conv1D(8, 3, groups=4, padding=padding, data_format="channels_first")
    xf = np.moveaxis(x, -1, 1).copy()
    _, got = _layer_output(layer, xf)
    attrs = {"padding": padding, "groups": 4, "data_format": "channels_first"}
    (want,) = run_op("conv1d", [xf, layer.kernel.numpy(), layer.bias.numpy()], attrs)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_lowered_graph_gradients_float64():
    """The layer's lowering (reshape of the (k, k, 1, filters) kernel, then depthwise_conv2d)
    against central differences."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 4, 3))
    kernel = rng.standard_normal((3, 2, 1, 6)) * 0.5
    bias = rng.standard_normal(6)

    def build(g, ids):
        k = g.node("reshape", [ids[1]], {"shape": [3, 2, 3, 2]})[0]
        (y,) = g.node("depthwise_conv2d", [ids[0], k, ids[2]], {"padding": "same", "activation": "tanh"})
        return mse_to(g, y, rng)

    fd_check(build, [x, kernel, bias], rng)


def test_training_step_equals_depthwise_conv2d():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 6, 6, 3)).astype(np.float32)
    y = rng.standard_normal((4, 6, 6, 6)).astype(np.float32)
    grouped = Model(a := Input((6, 6, 3)), layers.Conv2D(6, 3, groups=3, padding="same", activation="relu")(a))
    depthwise = Model(
        b := Input((6, 6, 3)), layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu")(b)
    )
    kernel, bias = grouped.get_weights()
    depthwise.set_weights([kernel.reshape(3, 3, 3, 2), bias])
    for model in (grouped, depthwise):
        model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
        model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    (k1, b1), (k2, b2) = grouped.get_weights(), depthwise.get_weights()
    assert not np.allclose(k1, kernel)
    np.testing.assert_allclose(k1.reshape(k2.shape), k2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b1, b2, rtol=1e-5, atol=1e-6)
