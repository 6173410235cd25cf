"""ONNX export and the convolution family: grouped convolutions (ONNX Conv with `group`),
Conv3D, depthwise and separable convolutions (Conv with one group per input channel),
transposed convolutions (ConvTranspose with Keras's output size), 3-D pooling and zero
padding. onnxruntime must equal predict (check_onnx) for each option that changes the ONNX
graph: strides, dilation, padding, output_padding, data format, groups, depth multiplier,
weights or computed kernels, static or free spatial sizes."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason='ONNX export needs `pip install "dagnet[onnx]"`')
ort = pytest.importorskip("onnxruntime", reason="the ONNX tests run the exported models with onnxruntime")

from onnx_check import check_onnx, random_inputs  # noqa: E402

from dagnet import Input, Model, layers  # noqa: E402
from dagnet.export.converters.conv_variants import transpose_padding  # noqa: E402


def _check(make, shape, tmp_path, lengths=(None,)):
    """Exports Input(shape) -> make() with random biases and checks it at two batch sizes
    (and, for an input with None axes, at each length of `lengths`)."""
    inputs = Input(shape, name="x")
    layer = make()
    model = Model(inputs, layer(inputs), name="family")
    rng = np.random.default_rng(3)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    batches = []
    for i, length in enumerate(lengths):
        size = {} if length is None else {"length": length}
        batches += [random_inputs(model, 3, seed=i, **size), random_inputs(model, 1, seed=i + 7, **size)]
    return check_onnx(model, batches, tmp_path)


def _op_types(proto):
    return [n.op_type for n in proto.graph.node]


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: layers.Conv2D(6, 3, groups=2, padding="same"), (7, 6, 4)),
        (lambda: layers.Conv2D(8, (3, 2), strides=2, groups=4, data_format="channels_first"), (8, 9, 7)),
        (lambda: layers.Conv1D(6, 3, groups=3, activation="relu"), (9, 6)),
        (lambda: layers.Conv3D(4, 2, groups=2, padding="same", strides=2), (5, 4, 6, 4)),
    ],
)
def test_grouped_convolutions_export(make, shape, tmp_path):
    _check(make, shape, tmp_path)


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: layers.Conv3D(3, 2), (4, 5, 3, 2)),
        (lambda: layers.Conv3D(3, (3, 2, 2), strides=(2, 1, 2), padding="same", activation="tanh"), (5, 4, 6, 2)),
        (lambda: layers.Conv3D(2, 3, dilation_rate=(2, 1, 1), padding="same", use_bias=False), (6, 4, 4, 3)),
        (lambda: layers.Conv3D(3, 2, strides=2, data_format="channels_first"), (2, 5, 4, 6)),
    ],
)
def test_conv3d(make, shape, tmp_path):
    _check(make, shape, tmp_path)


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: layers.DepthwiseConv2D(3), (6, 5, 3)),
        (lambda: layers.DepthwiseConv2D((3, 2), strides=2, padding="same", depth_multiplier=2), (7, 6, 3)),
        (lambda: layers.DepthwiseConv2D(3, dilation_rate=2, padding="same", activation="relu"), (7, 7, 2)),
        (lambda: layers.DepthwiseConv2D(2, depth_multiplier=3, data_format="channels_first"), (2, 5, 4)),
        (lambda: layers.DepthwiseConv1D(3, strides=2, padding="same", depth_multiplier=2), (9, 3)),
        (lambda: layers.DepthwiseConv1D(2, dilation_rate=3, data_format="channels_first"), (3, 8)),
        (lambda: layers.SeparableConv2D(4, 3, padding="same", depth_multiplier=2, activation="softmax"), (6, 5, 3)),
        (lambda: layers.SeparableConv2D(4, 3, strides=2, data_format="channels_first"), (2, 7, 6)),
        (lambda: layers.SeparableConv1D(5, 3, dilation_rate=2, depth_multiplier=3), (9, 2)),
        # One input channel per group: lowered to a depthwise convolution over a reshaped kernel
        (lambda: layers.Conv2D(6, 3, groups=3, padding="same"), (5, 5, 3)),
        (lambda: layers.Conv1D(4, 2, groups=4, strides=2), (7, 4)),
    ],
)
def test_depthwise_and_separable(make, shape, tmp_path):
    proto = _check(make, shape, tmp_path)
    groups = [a.i for n in proto.graph.node if n.op_type == "Conv" for a in n.attribute if a.name == "group"]
    assert max(groups) > 1  # the depthwise step is one Conv with a group per channel


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize(
    "kernel,strides,output_padding,dilation",
    [(3, 1, None, 1), (3, 2, None, 1), (3, 2, 1, 1), (4, 3, 2, 1), (2, 3, None, 1), (1, 2, None, 1), (3, 1, None, 2)],
)
def test_conv2d_transpose(padding, kernel, strides, output_padding, dilation, tmp_path):
    def make():
        return layers.Conv2DTranspose(
            3, kernel, strides=strides, padding=padding, output_padding=output_padding, dilation_rate=dilation
        )

    proto = _check(make, (4, 5, 2), tmp_path)
    assert "ConvTranspose" in _op_types(proto)


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: layers.Conv1DTranspose(3, 3, strides=2, padding="same", activation="relu"), (5, 2)),
        (lambda: layers.Conv1DTranspose(2, 4, strides=3, output_padding=1, data_format="channels_first"), (2, 5)),
        (lambda: layers.Conv2DTranspose(3, (3, 2), strides=(2, 1), padding="same", use_bias=False), (4, 5, 2)),
        (
            lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=(1, 0), data_format="channels_first"),
            (3, 4, 5),
        ),
        (lambda: layers.Conv3DTranspose(2, 3, strides=2, padding="same"), (3, 4, 2, 2)),
        (lambda: layers.Conv3DTranspose(2, (2, 3, 2), strides=(1, 2, 2), output_padding=(0, 1, 1)), (3, 2, 3, 2)),
        (lambda: layers.Conv3DTranspose(3, 2, strides=2, data_format="channels_first"), (2, 3, 2, 4)),
    ],
)
def test_transposed_convolutions(make, shape, tmp_path):
    _check(make, shape, tmp_path)


def test_transposed_convolution_keeps_free_spatial_sizes(tmp_path):
    """The pads depend on the window only, so one file serves every image size."""
    proto = _check(
        lambda: layers.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=1),
        (None, None, 2),
        tmp_path,
        lengths=(4, 7),
    )
    assert [d.dim_param != "" for d in proto.graph.input[0].type.tensor_type.shape.dim] == [True, True, True, False]


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: layers.Conv3D(2, 3, strides=2, padding="same"), (None, None, None, 2)),
        (lambda: layers.Conv3D(2, 3, strides=2, padding="same", data_format="channels_first"), (2, None, None, None)),
        (lambda: layers.AveragePooling3D(3, strides=2, padding="same"), (None, None, None, 2)),
        (lambda: layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2), (None, None, 3)),
        (lambda: layers.SeparableConv1D(3, 4, strides=2, padding="same"), (None, 3)),
        (lambda: layers.Conv3DTranspose(2, 3, strides=2, padding="same"), (None, None, None, 2)),
        (lambda: layers.ZeroPadding2D(2), (None, None, 2)),
    ],
)
def test_free_spatial_sizes(make, shape, tmp_path):
    """'same' with strides on a size known only at run time is ONNX's SAME_UPPER."""
    _check(make, shape, tmp_path, lengths=(5, 8))


def test_transpose_padding_gives_keras_output_sizes():
    """ONNX's output size (in - 1) * s + op + span - pads against Keras's formula, for every
    small window, stride, dilation and output_padding Keras accepts."""
    for k in range(1, 6):
        for s in range(1, 4):
            for d in range(1, 3) if s == 1 else (1,):
                span = (k - 1) * d + 1
                for op in [None] + list(range(s)):
                    for padding in ("valid", "same"):
                        got = transpose_padding(padding, [k], [s], [d], [] if op is None else [op])
                        assert min(got["pads"] + got["output_padding"]) >= 0
                        for n in (1, 2, 5):
                            size = (n - 1) * s + got["output_padding"][0] + span - sum(got["pads"])
                            if op is None:
                                want = n * s if padding == "same" else (n - 1) * s + max(span, s)
                            else:
                                want = (n - 1) * s + (span % 2 if padding == "same" else span) + op
                            assert size == want, (k, s, d, op, padding, n)


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: layers.MaxPooling3D(), (4, 5, 4, 2)),
        (lambda: layers.MaxPooling3D((2, 3, 1), strides=(2, 1, 1), padding="same"), (5, 4, 3, 2)),
        (lambda: layers.AveragePooling3D(2, data_format="channels_first"), (2, 4, 5, 4)),
        (lambda: layers.AveragePooling3D((3, 2, 3), strides=(1, 2, 2), padding="same"), (5, 4, 5, 2)),
    ],
)
def test_pool3d(make, shape, tmp_path):
    _check(make, shape, tmp_path)


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: layers.ZeroPadding1D((2, 1)), (5, 2)),
        (lambda: layers.ZeroPadding2D(((1, 0), (2, 3))), (3, 4, 2)),
        (lambda: layers.ZeroPadding2D(1, data_format="channels_first"), (2, 3, 4)),
        (lambda: layers.ZeroPadding3D((1, 0, 2)), (2, 3, 2, 2)),
        (lambda: layers.Cropping2D(((1, 0), (0, 2))), (4, 5, 2)),
    ],
)
def test_padding_and_cropping(make, shape, tmp_path):
    _check(make, shape, tmp_path)


def test_zero_padding_of_integers(tmp_path):
    ids = Input((4, 2), dtype="int32", name="ids")
    model = Model(ids, layers.ZeroPadding1D((2, 1))(ids), name="int_pad")
    check_onnx(model, [[np.arange(16, dtype="int32").reshape(2, 4, 2)]], tmp_path)
