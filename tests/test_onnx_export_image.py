"""ONNX export of the resize op (UpSampling1D/2D/3D, Resizing, CenterCrop, ops.image.resize):
onnxruntime must equal predict for each option that changes the ONNX graph (factors or a
size, each interpolation, antialias, data format, fits, input sizes known only at run time).
ONNX Resize where it reproduces TensorFlow's rules, else a MatMul per axis with the engine's
taps (static sizes); what neither can do, and affine_transform, are refused by name. Keras's
own numbers: test_onnx_export_keras_cases.py."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason='ONNX export needs `pip install "dagnet[onnx]"`')
ort = pytest.importorskip("onnxruntime", reason="the ONNX tests run the exported models with onnxruntime")

from onnx_check import check_onnx, random_inputs  # noqa: E402

from dagnet import Input, Model, layers, ops  # noqa: E402


def _model(make, shape):
    inputs = Input(shape, name="x")
    return Model(inputs, make(inputs), name="image")


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda x: layers.UpSampling1D(3)(x), (4, 2)),
        (lambda x: layers.UpSampling2D((2, 3))(x), (3, 4, 2)),
        (lambda x: layers.UpSampling2D(2, data_format="channels_first", interpolation="bilinear")(x), (2, 3, 4)),
        (lambda x: layers.UpSampling2D((3, 2), interpolation="bilinear")(x), (3, 4, 2)),
        (lambda x: layers.UpSampling3D((2, 1, 3), data_format="channels_first")(x), (2, 2, 3, 2)),
        (lambda x: layers.Resizing(5, 9, interpolation="nearest")(x), (7, 4, 2)),
        (lambda x: layers.Resizing(3, 4, interpolation="bicubic", antialias=True)(x), (7, 9, 2)),
        (
            lambda x: layers.Resizing(8, 9, interpolation="bicubic", antialias=True, data_format="channels_first")(x),
            (2, 5, 4),
        ),
        (lambda x: layers.Resizing(8, 9, antialias=True)(x), (5, 4, 2)),  # scaling up: antialias changes nothing
        (lambda x: layers.Resizing(4, 6, crop_to_aspect_ratio=True)(x), (7, 5, 2)),
        (lambda x: layers.Resizing(6, 3, pad_to_aspect_ratio=True, fill_value=0.5)(x), (5, 7, 2)),
        (lambda x: layers.CenterCrop(3, 4)(x), (6, 5, 2)),
        (lambda x: layers.CenterCrop(8, 3)(x), (6, 5, 2)),  # a smaller input: smart_resize
        (lambda x: ops.image.resize(x, (5, 3), interpolation="nearest", data_format="channels_first"), (2, 9, 4)),
    ],
)
def test_resize_exports(make, shape, tmp_path):
    model = _model(make, shape)
    proto = check_onnx(model, [random_inputs(model, 2), random_inputs(model, 1, seed=1)], tmp_path)
    assert "MatMul" not in [n.op_type for n in proto.graph.node]  # one ONNX Resize (or a crop)


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda x: layers.UpSampling2D(2, interpolation="area")(x), (3, 4, 2)),
        (lambda x: layers.UpSampling2D((1, 3), interpolation="bicubic", data_format="channels_first")(x), (2, 3, 4)),
        (lambda x: layers.Resizing(3, 7, interpolation="lanczos3")(x), (8, 5, 2)),
        (lambda x: layers.Resizing(9, 4, interpolation="lanczos5", antialias=True)(x), (5, 6, 3)),
        (lambda x: layers.Resizing(4, 9, interpolation="bicubic")(x), (6, 5, 2)),
        (lambda x: layers.Resizing(3, 2, antialias=True, data_format="channels_first")(x), (2, 7, 5)),
        (lambda x: layers.Resizing(6, 3, pad_to_aspect_ratio=True, interpolation="area", fill_value=0.5)(x), (5, 7, 2)),
        (lambda x: ops.image.resize(x, (2, 3), interpolation="area", crop_to_aspect_ratio=True), (7, 5, 2)),
    ],
)
def test_resampling_onnx_resize_lacks_uses_the_engines_taps(make, shape, tmp_path):
    model = _model(make, shape)
    proto = check_onnx(model, [random_inputs(model, 2), random_inputs(model, 1, seed=1)], tmp_path)
    assert "MatMul" in [n.op_type for n in proto.graph.node]


@pytest.mark.parametrize("interpolation,antialias", [("nearest", False), ("bilinear", False), ("bicubic", True)])
def test_resizing_keeps_free_input_sizes(interpolation, antialias, tmp_path):
    """One file serves every input size: TensorFlow's half-pixel rules at each (h, w) in and out."""
    model = _model(
        lambda x: layers.Resizing(5, 7, interpolation=interpolation, antialias=antialias)(x), (None, None, 1)
    )
    rng = np.random.default_rng(0)
    batches = [
        [rng.normal(size=(1, h, w, 1)).astype("float32")] for h, w in [(1, 1), (3, 8), (7, 4), (10, 14), (13, 9)]
    ]
    check_onnx(model, batches, tmp_path)


@pytest.mark.parametrize(
    "make,reason",
    [
        (lambda x: layers.UpSampling2D(2, interpolation="area")(x), "'area' interpolation"),
        (lambda x: layers.Resizing(3, 3, interpolation="lanczos3")(x), "'lanczos3' interpolation"),
        (lambda x: layers.Resizing(9, 9, interpolation="bicubic")(x), "bicubic without antialias"),
        (lambda x: layers.Resizing(3, 3, antialias=True)(x), "antialiased bilinear downscaling"),
        (lambda x: layers.CenterCrop(3, 3)(x), "the 'center_crop' fit of an input whose size"),
    ],
)
def test_what_needs_a_static_size_is_refused_without_one(make, reason, tmp_path):
    model = _model(make, (None, None, 2))
    with pytest.raises(NotImplementedError, match=rf"native op 'resize'\) cannot be exported: {reason}"):
        model.export(str(tmp_path / "m.onnx"), format="onnx")


def test_affine_transform_is_refused(tmp_path):
    model = _model(lambda x: ops.image.affine_transform(x, ops.ones((1, 8)) * 0.5), (4, 4, 1))
    with pytest.raises(NotImplementedError, match=r"native op 'affine_transform'\) cannot be exported: no ONNX"):
        model.export(str(tmp_path / "m.onnx"), format="onnx")


@pytest.mark.parametrize("opset", [18, onnx.defs.onnx_opset_version()])
def test_family_converters_at_the_oldest_and_newest_opsets(opset, tmp_path):
    """The convolution family's and resize's converters in one model, at each end of the
    opset range export accepts."""
    image, volume = Input((8, 7, 3), name="image"), Input((4, 5, 4, 2), name="volume")
    h = layers.SeparableConv2D(4, 3, padding="same", depth_multiplier=2)(image)
    h = layers.Conv2DTranspose(3, 3, strides=2, output_padding=1)(layers.ZeroPadding2D(1)(h))
    h = layers.Resizing(9, 6, interpolation="bicubic", antialias=True)(h)
    h = layers.UpSampling2D(2, interpolation="area")(layers.MaxPooling2D()(h))
    v = layers.Conv3DTranspose(2, 2, strides=2, padding="same")(layers.Conv3D(3, 2, padding="same")(volume))
    v = layers.UpSampling3D((1, 2, 1))(layers.AveragePooling3D(2)(v))
    model = Model([image, volume], [h, v], name=f"family_opset_{opset}")
    proto = check_onnx(model, [random_inputs(model, 2), random_inputs(model, 1, seed=1)], tmp_path, opset_version=opset)
    assert proto.opset_import[0].version == opset
