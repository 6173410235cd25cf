"""Single-layer models of the convolution family (Conv3D, groups, Conv1D/2D/3DTranspose,
DepthwiseConv1D/2D, SeparableConv1D/2D, 3-D pooling, ZeroPadding1D/2D/3D, Cropping1D/2D/3D)
over a grid of arguments, written once for Keras 3 and dagnet (``build(lib, case)``).
tests/fixtures/make/keras3_conv_numerics.py saves Keras's weights, inputs, outputs, output
shapes, parameter counts and weights after one SGD step (with the machinery of
keras3_layer_numerics.py); test_keras3_conv_numerics.py checks dagnet against them.
Weightless layers follow a Dense so the step checks their gradients. Filter counts differ
from every spatial size (see layer_numerics_cases.py on Keras's channels_first bias
gradient). This module never imports keras."""

import layer_numerics_cases as base
from layer_numerics_cases import _seq, targets_for  # noqa: F401  (the shared machinery)

NO_TRAIN: set = set()
# Keras (TensorFlow backend, CPU) cannot run these; dagnet can, and the test checks them
# against the same case in channels_last instead (transposed).
KERAS_CANNOT = set()


def _shape(fmt, spatial, channels):
    return spatial + (channels,) if fmt == "channels_last" else (channels,) + spatial


FORMATS = ("channels_last", "channels_first")


def _cases():
    cases = {}

    def add(name, fn):
        assert name not in cases, name
        cases[name] = fn

    # Conv3D and grouped convolutions
    for pad in ("valid", "same"):
        for strides, dil in (((1, 1, 1), (1, 1, 1)), ((2, 1, 2), (1, 1, 1)), ((1, 1, 1), (2, 1, 1))):
            for fmt in FORMATS if strides[0] == 2 else FORMATS[:1]:
                add(
                    f"conv3d_{pad}_s{''.join(map(str, strides))}_d{''.join(map(str, dil))}_{fmt}",
                    lambda L, p=pad, s=strides, d=dil, f=fmt: _seq(
                        L,
                        _shape(f, (4, 5, 3), 2),
                        [L.layers.Conv3D(3, (2, 3, 2), strides=s, padding=p, dilation_rate=d, data_format=f)],
                    ),
                )
    add(
        "conv3d_tanh_nobias",
        lambda L: _seq(L, (4, 4, 4, 3), [L.layers.Conv3D(2, 3, activation="tanh", use_bias=False)]),
    )
    for fmt in FORMATS:
        add(
            f"conv2d_groups4_{fmt}",
            lambda L, f=fmt: _seq(
                L, _shape(f, (7, 8), 8), [L.layers.Conv2D(12, 3, groups=4, padding="same", data_format=f)]
            ),
        )
    add(
        "conv2d_groups2_relu_s2",
        lambda L: _seq(L, (7, 8, 6), [L.layers.Conv2D(10, (3, 2), strides=2, groups=2, activation="relu")]),
    )
    add("conv1d_groups3_causal", lambda L: _seq(L, (9, 6), [L.layers.Conv1D(9, 3, groups=3, padding="causal")]))
    add("conv3d_groups2", lambda L: _seq(L, (4, 5, 3, 4), [L.layers.Conv3D(6, 2, groups=2, padding="same")]))

    # Transposed convolutions
    for pad in ("valid", "same"):
        for k, strides, op, dil in (
            (3, 2, None, 1),
            (2, 2, None, 1),
            (3, 2, 1, 1),
            (4, 3, 2, 1),
            (3, 1, None, 2),
            (2, 3, None, 1),
        ):
            # channels_first for a few windows only (the fixture stays small)
            for fmt in FORMATS if (k, strides) in ((3, 2), (3, 1)) else FORMATS[:1]:
                tag = f"k{k}_s{strides}_op{op}_d{dil}_{pad}_{fmt}"
                add(
                    f"conv2dT_{tag}",
                    lambda L, p=pad, k=k, s=strides, o=op, d=dil, f=fmt: _seq(
                        L,
                        _shape(f, (3, 4), 3),
                        [
                            L.layers.Conv2DTranspose(
                                5, k, strides=s, padding=p, output_padding=o, dilation_rate=d, data_format=f
                            )
                        ],
                    ),
                )
                if (k, strides) not in ((3, 2), (4, 3), (3, 1)):
                    continue
                add(
                    f"conv1dT_{tag}",
                    lambda L, p=pad, k=k, s=strides, o=op, d=dil, f=fmt: _seq(
                        L,
                        _shape(f, (6,), 3),
                        [
                            L.layers.Conv1DTranspose(
                                5, k, strides=s, padding=p, output_padding=o, dilation_rate=d, data_format=f
                            )
                        ],
                    ),
                )
    add(
        "conv2dT_k32_s21_sigmoid",
        lambda L: _seq(
            L, (4, 5, 3), [L.layers.Conv2DTranspose(7, (3, 2), strides=(2, 1), padding="same", activation="sigmoid")]
        ),
    )
    add(
        "conv2dT_channels16_s2_same",
        lambda L: _seq(L, (3, 4, 16), [L.layers.Conv2DTranspose(18, 3, strides=2, padding="same")]),
    )
    for fmt in FORMATS:
        add(
            f"conv3dT_s2_same_{fmt}",
            lambda L, f=fmt: _seq(
                L,
                _shape(f, (3, 4, 2), 3),
                [L.layers.Conv3DTranspose(5, (3, 2, 3), strides=(2, 2, 1), padding="same", data_format=f)],
            ),
        )
    add(
        "conv3dT_valid_op",
        lambda L: _seq(L, (3, 2, 3, 2), [L.layers.Conv3DTranspose(5, 2, strides=2, output_padding=(1, 0, 1))]),
    )

    # Depthwise and separable convolutions
    for pad in ("valid", "same"):
        for strides, dil in (((1, 1), (1, 1)), ((2, 2), (1, 1)), ((1, 1), (2, 2)), ((2, 2), (2, 2))):
            for mult in (1, 2):
                for fmt in FORMATS if (mult == 2 and pad == "same") else FORMATS[:1]:
                    tag = f"{pad}_s{strides[0]}_d{dil[0]}_m{mult}_{fmt}"
                    add(
                        f"depthwise2d_{tag}",
                        lambda L, p=pad, s=strides, d=dil, m=mult, f=fmt: _seq(
                            L,
                            _shape(f, (6, 7), 3),
                            [
                                L.layers.DepthwiseConv2D(
                                    3, strides=s, padding=p, depth_multiplier=m, dilation_rate=d, data_format=f
                                )
                            ],
                        ),
                    )
                    add(
                        f"separable2d_{tag}",
                        lambda L, p=pad, s=strides, d=dil, m=mult, f=fmt: _seq(
                            L,
                            _shape(f, (6, 7), 3),
                            [
                                L.layers.SeparableConv2D(
                                    6, 3, strides=s, padding=p, depth_multiplier=m, dilation_rate=d, data_format=f
                                )
                            ],
                        ),
                    )
                    if dil[0] == 2:
                        continue
                    add(
                        f"depthwise1d_{tag}",
                        lambda L, p=pad, s=strides, m=mult, f=fmt: _seq(
                            L,
                            _shape(f, (9,), 3),
                            [L.layers.DepthwiseConv1D(3, strides=s[0], padding=p, depth_multiplier=m, data_format=f)],
                        ),
                    )
                    add(
                        f"separable1d_{tag}",
                        lambda L, p=pad, s=strides, m=mult, f=fmt: _seq(
                            L,
                            _shape(f, (9,), 3),
                            [
                                L.layers.SeparableConv1D(
                                    6, 3, strides=s[0], padding=p, depth_multiplier=m, data_format=f
                                )
                            ],
                        ),
                    )
    add(
        "depthwise1d_d2_same", lambda L: _seq(L, (9, 3), [L.layers.DepthwiseConv1D(3, padding="same", dilation_rate=2)])
    )
    add(
        "separable1d_d2_valid_m2",
        lambda L: _seq(L, (9, 3), [L.layers.SeparableConv1D(4, 2, dilation_rate=2, depth_multiplier=2)]),
    )
    add(
        "depthwise2d_k52_relu_nobias",
        lambda L: _seq(L, (8, 7, 4), [L.layers.DepthwiseConv2D((5, 2), activation="relu", use_bias=False)]),
    )
    add(
        "depthwise2d_channels20_elu",
        lambda L: _seq(L, (6, 7, 20), [L.layers.DepthwiseConv2D(3, padding="same", activation="elu")]),
    )
    add(
        "separable2d_channels20_softmax",
        lambda L: _seq(L, (6, 7, 20), [L.layers.SeparableConv2D(6, 3, padding="same", activation="softmax")]),
    )

    # 3-D pooling
    for kind in ("Max", "Average"):
        for pool, strides, pad in (
            ((2, 2, 2), None, "valid"),
            ((3, 2, 3), (1, 2, 2), "same"),
            ((2, 3, 1), (2, 1, 1), "same"),
        ):
            for fmt in FORMATS if pad == "valid" else FORMATS[:1]:
                window = f"p{''.join(map(str, pool))}_s{strides and ''.join(map(str, strides))}"
                add(
                    f"{kind.lower()}pool3d_{window}_{pad}_{fmt}",
                    lambda L, c=kind, p=pool, s=strides, pd=pad, f=fmt: _seq(
                        L,
                        _shape(f, (5, 6, 4), 2),
                        [getattr(L.layers, f"{c}Pooling3D")(p, strides=s, padding=pd, data_format=f)],
                        pre_dense=True,
                    ),
                )
        for keep in (False, True):
            for fmt in FORMATS:
                add(
                    f"global{kind.lower()}pool3d_keep{int(keep)}_{fmt}",
                    lambda L, c=kind, kp=keep, f=fmt: _seq(
                        L,
                        _shape(f, (3, 4, 5), 2),
                        [getattr(L.layers, f"Global{c}Pooling3D")(keepdims=kp, data_format=f)],
                        pre_dense=True,
                    ),
                )

    # Zero padding and cropping
    for fmt in FORMATS:
        add(
            f"zeropad1d_{fmt}",
            lambda L, f=fmt: _seq(
                L, _shape(f, (5,), 2), [L.layers.ZeroPadding1D((2, 1), data_format=f)], pre_dense=True
            ),
        )
        add(
            f"zeropad2d_{fmt}",
            lambda L, f=fmt: _seq(
                L, _shape(f, (4, 5), 2), [L.layers.ZeroPadding2D(((1, 2), (0, 3)), data_format=f)], pre_dense=True
            ),
        )
        add(
            f"zeropad3d_{fmt}",
            lambda L, f=fmt: _seq(
                L, _shape(f, (2, 3, 4), 2), [L.layers.ZeroPadding3D((1, 0, 2), data_format=f)], pre_dense=True
            ),
        )
        add(
            f"crop2d_{fmt}",
            lambda L, f=fmt: _seq(
                L, _shape(f, (6, 7), 2), [L.layers.Cropping2D(((1, 2), (0, 3)), data_format=f)], pre_dense=True
            ),
        )
        add(
            f"crop3d_{fmt}",
            lambda L, f=fmt: _seq(
                L, _shape(f, (4, 5, 6), 2), [L.layers.Cropping3D(((1, 0), 1, (2, 1)), data_format=f)], pre_dense=True
            ),
        )
    add("zeropad2d_int", lambda L: _seq(L, (3, 4, 2), [L.layers.ZeroPadding2D(2)], pre_dense=True))
    add("crop1d", lambda L: _seq(L, (7, 2), [L.layers.Cropping1D((2, 0))], pre_dense=True))
    add("crop1d_both", lambda L: _seq(L, (7, 2), [L.layers.Cropping1D(1)], pre_dense=True))
    add("crop2d_int", lambda L: _seq(L, (6, 7, 2), [L.layers.Cropping2D(2)], pre_dense=True))

    # A small encoder-decoder: strided convolution, separable block, transposed upsampling, crop
    def unet(L):
        x = L.Input((8, 8, 3))
        d = L.layers.Conv2D(6, 3, strides=2, padding="same", activation="relu")(x)
        d = L.layers.SeparableConv2D(8, 3, padding="same", activation="relu")(d)
        u = L.layers.Conv2DTranspose(6, 3, strides=2, padding="same")(d)
        u = L.layers.ZeroPadding2D(1)(u)
        u = L.layers.Cropping2D(1)(u)
        y = L.layers.Conv2D(2, 1)(L.layers.Concatenate()([u, x]))
        return L.Model(x, y)

    add("unet_block", unet)
    return cases


CASES = _cases()


def all_layers_model(L):
    """One model with every layer of the family (for .keras files both ways)."""
    a = L.Input((8, 8, 4))
    x = L.layers.Conv2D(6, 3, groups=2, padding="same", activation="relu")(a)
    x = L.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same")(x)
    x = L.layers.SeparableConv2D(5, 3, strides=2, activation="tanh")(x)
    x = L.layers.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1)(x)
    x = L.layers.ZeroPadding2D(((1, 0), (2, 1)))(x)
    x = L.layers.Cropping2D(((0, 1), (1, 1)))(x)
    x = L.layers.MaxPooling2D()(x)
    x = L.layers.GlobalAveragePooling2D()(x)
    b = L.Input((10, 4))
    y = L.layers.Conv1D(6, 3, groups=2)(b)
    y = L.layers.DepthwiseConv1D(2, dilation_rate=2)(y)
    y = L.layers.SeparableConv1D(5, 3, padding="same", depth_multiplier=2)(y)
    y = L.layers.Conv1DTranspose(3, 2, strides=2, data_format="channels_first")(y)
    y = L.layers.ZeroPadding1D(2)(y)
    y = L.layers.Cropping1D((1, 2))(y)
    y = L.layers.GlobalMaxPooling1D()(y)
    c = L.Input((4, 4, 4, 2))
    z = L.layers.Conv3D(3, 2, padding="same", activation="relu")(c)
    z = L.layers.MaxPooling3D(pool_size=2)(z)
    z = L.layers.Conv3DTranspose(4, 2, strides=2)(z)
    z = L.layers.ZeroPadding3D(1)(z)
    z = L.layers.Cropping3D(((1, 1), (0, 2), (2, 0)))(z)
    z = L.layers.AveragePooling3D(2, padding="same")(z)
    z = L.layers.Concatenate()([L.layers.GlobalMaxPooling3D()(z), L.layers.GlobalAveragePooling3D()(z)])
    out = L.layers.Dense(3)(L.layers.Concatenate()([x, y, z]))
    return L.Model([a, b, c], out)


def build(lib, case):
    return CASES[case](lib)


def inputs_for(model, seed):
    """layer_numerics_cases's inputs, two rows of them (the fixture stays small)."""
    return [x[:2] for x in base.inputs_for(model, seed)]
