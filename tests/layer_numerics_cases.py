"""Small single-layer (and a few two-layer) models over a grid of layer arguments, written once
for Keras 3 and dagnet: ``build(lib, case)`` takes the library module (``keras`` or ``dagnet``).
tests/fixtures/make/keras3_layer_numerics.py saves Keras's weights, inputs, outputs, output
shapes, parameter counts and the weights after one SGD step; test_keras3_layer_numerics.py
checks dagnet against them. Weightless layers (pooling, reshaping, merges) follow a Dense so
the SGD step checks their gradients too. This module never imports keras.

Conv filter counts differ from every output length on purpose: Keras 3.15 (TensorFlow
backend) gets the bias gradient of a channels_first convolution wrong when the number of
filters equals the last spatial size (it sums over the channel axis instead), and dagnet
does not copy that."""

import numpy as np

BATCH = 3
ACTIVATIONS = [
    "celu",
    "elu",
    "exponential",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
]


# Cases whose weights Keras's SGD step cannot reproduce: training-mode dropout is random;
# the masked average of a fully masked row is NaN (in Keras too), so is the loss.
NO_TRAIN = {"dropout_inference", "lstm_dropout_inference", "embed_gap_masked"}
# Keras's symbolic output shape ignores that glu halves the last axis (Dense reports units,
# Activation the input shape); dagnet reports the shape the outputs have.
KERAS_SHAPE_DIFFERS = {"dense_glu", "activation_glu"}


def _seq(lib, shape, layers, dtype=None, pre_dense=False):
    x = lib.Input(shape, dtype=dtype) if dtype else lib.Input(shape)
    y = lib.layers.Dense(shape[-1])(x) if pre_dense else x
    for layer in layers:
        y = layer(y)
    return lib.Model(x, y)


def _cases():
    cases = {}

    def add(name, fn):
        assert name not in cases, name
        cases[name] = fn

    for act in ACTIVATIONS:
        add(f"dense_{act}", lambda L, a=act: _seq(L, (6,), [L.layers.Dense(4, activation=a)]))
        add(f"activation_{act}", lambda L, a=act: _seq(L, (3, 4), [L.layers.Activation(a)]))
    add("dense_nobias_3d", lambda L: _seq(L, (5, 6), [L.layers.Dense(3, use_bias=False)]))

    for pad in ("valid", "same", "causal"):
        for strides in (1, 2):
            for dil in (1, 2):
                if strides > 1 and dil > 1:
                    continue
                for fmt in ("channels_last", "channels_first"):
                    if pad == "causal" and fmt == "channels_first":
                        continue
                    for k in (2, 3):
                        shape = (9, 3) if fmt == "channels_last" else (3, 9)
                        add(
                            f"conv1d_{pad}_s{strides}_d{dil}_k{k}_{fmt}",
                            lambda L, p=pad, s=strides, d=dil, f=fmt, k=k, sh=shape: _seq(
                                L,
                                sh,
                                [
                                    L.layers.Conv1D(
                                        10, k, strides=s, padding=p, dilation_rate=d, data_format=f, activation="relu"
                                    )
                                ],
                            ),
                        )
    for pad in ("valid", "same"):
        for strides in ((1, 1), (2, 2), (2, 1), (3, 3)):
            for dil in ((1, 1), (2, 2), (1, 2)):
                if max(strides) > 1 and max(dil) > 1:
                    continue
                for fmt in ("channels_last", "channels_first"):
                    for k in ((3, 3), (2, 3)):
                        shape = (7, 8, 2) if fmt == "channels_last" else (2, 7, 8)
                        add(
                            f"conv2d_{pad}_s{strides[0]}{strides[1]}_d{dil[0]}{dil[1]}_k{k[0]}{k[1]}_{fmt}",
                            lambda L, p=pad, s=strides, d=dil, f=fmt, k=k, sh=shape: _seq(
                                L, sh, [L.layers.Conv2D(9, k, strides=s, padding=p, dilation_rate=d, data_format=f)]
                            ),
                        )
    add("conv2d_nobias_tanh", lambda L: _seq(L, (5, 5, 3), [L.layers.Conv2D(2, 3, use_bias=False, activation="tanh")]))

    for kind in ("Max", "Average"):
        for pool in (2, 3):
            for strides in (None, 1, 2):
                for pad in ("valid", "same"):
                    for fmt in ("channels_last", "channels_first"):
                        sh1 = (9, 2) if fmt == "channels_last" else (2, 9)
                        add(
                            f"{kind.lower()}pool1d_p{pool}_s{strides}_{pad}_{fmt}",
                            lambda L, c=kind, p=pool, s=strides, pd=pad, f=fmt, sh=sh1: _seq(
                                L,
                                sh,
                                [getattr(L.layers, f"{c}Pooling1D")(p, strides=s, padding=pd, data_format=f)],
                                pre_dense=True,
                            ),
                        )
                        sh2 = (7, 8, 2) if fmt == "channels_last" else (2, 7, 8)
                        add(
                            f"{kind.lower()}pool2d_p{pool}_s{strides}_{pad}_{fmt}",
                            lambda L, c=kind, p=pool, s=strides, pd=pad, f=fmt, sh=sh2: _seq(
                                L,
                                sh,
                                [getattr(L.layers, f"{c}Pooling2D")(p, strides=s, padding=pd, data_format=f)],
                                pre_dense=True,
                            ),
                        )
        add(
            f"{kind.lower()}pool2d_p23_s21_same",
            lambda L, c=kind: _seq(
                L,
                (7, 8, 2),
                [getattr(L.layers, f"{c}Pooling2D")((2, 3), strides=(2, 1), padding="same")],
                pre_dense=True,
            ),
        )
        for dim in ("1D", "2D"):
            for keep in (False, True):
                for fmt in ("channels_last", "channels_first"):
                    sh = (5, 3) if dim == "1D" else (4, 5, 3)
                    add(
                        f"global{kind.lower()}pool{dim.lower()}_keep{int(keep)}_{fmt}",
                        lambda L, c=kind, d=dim, kp=keep, f=fmt, sh=sh: _seq(
                            L,
                            sh,
                            [getattr(L.layers, f"Global{c}Pooling{d}")(keepdims=kp, data_format=f)],
                            pre_dense=True,
                        ),
                    )

    add("flatten", lambda L: _seq(L, (2, 3, 4), [L.layers.Flatten()], pre_dense=True))
    add(
        "flatten_channels_first",
        lambda L: _seq(L, (2, 3, 4), [L.layers.Flatten(data_format="channels_first")], pre_dense=True),
    )
    add("reshape_minus1", lambda L: _seq(L, (2, 3, 4), [L.layers.Reshape((-1, 4))], pre_dense=True))
    add("reshape_minus1_mid", lambda L: _seq(L, (2, 3, 4), [L.layers.Reshape((2, -1, 3))], pre_dense=True))
    add("reshape_dense", lambda L: _seq(L, (12,), [L.layers.Reshape((3, 4)), L.layers.Dense(2)]))
    add("dropout_inference", lambda L: _seq(L, (5,), [L.layers.Dropout(0.5), L.layers.Dense(2)]))

    # Embedding + LSTM, with masks (input 0 is padding; the generator makes one row fully masked).
    for mask in (False, True):
        for rs in (False, True):
            for gb in (False, True):
                add(
                    f"embed_lstm_mask{int(mask)}_rs{int(rs)}_gb{int(gb)}",
                    lambda L, m=mask, r=rs, g=gb: _seq(
                        L,
                        (6,),
                        [L.layers.Embedding(7, 4, mask_zero=m), L.layers.LSTM(3, return_sequences=r, go_backwards=g)],
                        dtype="int32",
                    ),
                )
    add("embed_lstm_state", _embed_lstm_state)
    add("embed_lstm_state_seq", lambda L: _embed_lstm_state(L, True))
    add("lstm_initial_state", _lstm_initial_state)
    add(
        "embed_dense",
        lambda L: _seq(L, (4,), [L.layers.Embedding(10, 3), L.layers.Flatten(), L.layers.Dense(2)], dtype="int32"),
    )
    add("embed_lstm_state_gb", lambda L: _embed_lstm_state(L, True, True))
    add(
        "conv_pool_dense",
        lambda L: _seq(
            L,
            (9, 9, 2),
            [
                L.layers.Conv2D(5, 3, padding="same", activation="relu"),
                L.layers.MaxPooling2D(),
                L.layers.Flatten(),
                L.layers.Dense(3, activation="softmax"),
            ],
        ),
    )
    add(
        "conv1d_pool_global",
        lambda L: _seq(
            L,
            (11, 2),
            [
                L.layers.Conv1D(5, 3, activation="tanh"),
                L.layers.AveragePooling1D(3, padding="same"),
                L.layers.GlobalMaxPooling1D(),
            ],
        ),
    )
    add(
        "lstm_float",
        lambda L: _seq(L, (5, 3), [L.layers.LSTM(4, activation="relu", recurrent_activation="hard_sigmoid")]),
    )

    add("timedistributed_dense", lambda L: _seq(L, (4, 5), [L.layers.TimeDistributed(L.layers.Dense(3))]))
    add(
        "timedistributed_conv2d",
        lambda L: _seq(L, (2, 5, 5, 2), [L.layers.TimeDistributed(L.layers.Conv2D(3, 2, padding="same"))]),
    )

    for merge in ("Add", "Average", "Multiply", "Subtract", "Maximum", "Minimum"):
        add(f"merge_{merge.lower()}", lambda L, m=merge: _merge(L, getattr(L.layers, m)()))
    add("merge_add3", lambda L: _merge(L, L.layers.Add(), n=3))
    for axis in (-1, 1, 2):
        add(f"concat_axis{axis}", lambda L, a=axis: _merge(L, L.layers.Concatenate(axis=a)))
    add("concat_axis1_diff", lambda L: _merge(L, L.layers.Concatenate(axis=1), shapes=[(2, 3), (4, 3)]))
    add("concat_axis-1_diff", lambda L: _merge(L, L.layers.Concatenate(), shapes=[(2, 3), (2, 5)]))
    for axes in (1, -1, (1, 1), (2, 2), (1, 2)):
        for norm in (False, True):
            sh = [(4, 3), (4, 3)] if axes != (1, 2) else [(4, 3), (3, 4)]
            add(
                f"dot_{axes}_{int(norm)}".replace(" ", ""),
                lambda L, a=axes, n=norm, sh=sh: _merge(L, L.layers.Dot(axes=a, normalize=n), shapes=sh),
            )
    for norm in (False, True):
        add(f"dot_2d_{int(norm)}", lambda L, n=norm: _merge(L, L.layers.Dot(axes=1, normalize=n), shapes=[(5,), (5,)]))
    # Second round: fused softmax on conv outputs (Keras takes the last axis, also for
    # channels_first), masks through Dense / TimeDistributed / global pooling, LSTM options.
    add(
        "conv2d_softmax_channels_first",
        lambda L: _seq(L, (2, 7, 8), [L.layers.Conv2D(4, 3, activation="softmax", data_format="channels_first")]),
    )
    add("conv1d_softmax", lambda L: _seq(L, (9, 3), [L.layers.Conv1D(5, 3, activation="softmax")]))
    add("conv2d_elu_same", lambda L: _seq(L, (6, 6, 3), [L.layers.Conv2D(4, 3, padding="same", activation="elu")]))
    add("dense_softmax_3d", lambda L: _seq(L, (5, 6), [L.layers.Dense(4, activation="softmax")]))
    add("dense_4d", lambda L: _seq(L, (2, 3, 4), [L.layers.Dense(3, activation="sigmoid")]))
    add(
        "embed_gap_masked",
        lambda L: _seq(
            L, (6,), [L.layers.Embedding(7, 4, mask_zero=True), L.layers.GlobalAveragePooling1D()], dtype="int32"
        ),
    )
    add(
        "embed_gmp_masked",
        lambda L: _seq(
            L, (6,), [L.layers.Embedding(7, 4, mask_zero=True), L.layers.GlobalMaxPooling1D()], dtype="int32"
        ),
    )
    add(
        "embed_dense_lstm_masked",
        lambda L: _seq(
            L, (6,), [L.layers.Embedding(7, 4, mask_zero=True), L.layers.Dense(5), L.layers.LSTM(3)], dtype="int32"
        ),
    )
    add(
        "embed_td_lstm_masked",
        lambda L: _seq(
            L,
            (6,),
            [
                L.layers.Embedding(7, 4, mask_zero=True),
                L.layers.TimeDistributed(L.layers.Dense(5)),
                L.layers.LSTM(3, return_sequences=True),
            ],
            dtype="int32",
        ),
    )
    add(
        "embed_lstm_lstm_masked",
        lambda L: _seq(
            L,
            (6,),
            [L.layers.Embedding(7, 4, mask_zero=True), L.layers.LSTM(3, return_sequences=True), L.layers.LSTM(2)],
            dtype="int32",
        ),
    )
    add("lstm_dropout_inference", lambda L: _seq(L, (5, 3), [L.layers.LSTM(4, dropout=0.5, recurrent_dropout=0.5)]))
    add(
        "lstm_nobias_backwards_seq",
        lambda L: _seq(L, (5, 3), [L.layers.LSTM(4, use_bias=False, go_backwards=True, return_sequences=True)]),
    )
    add("merge_average3", lambda L: _merge(L, L.layers.Average(), n=3))
    add("merge_maximum3", lambda L: _merge(L, L.layers.Maximum(), n=3))
    add("concat_axis-2", lambda L: _merge(L, L.layers.Concatenate(axis=-2), shapes=[(2, 3), (4, 3)]))
    add("concat3_axis1", lambda L: _merge(L, L.layers.Concatenate(axis=1), shapes=[(2, 3), (1, 3), (3, 3)]))
    add(
        "maxpool2d_p32_s12_same_cf",
        lambda L: _seq(
            L,
            (2, 7, 8),
            [L.layers.MaxPooling2D((3, 2), strides=(1, 2), padding="same", data_format="channels_first")],
            pre_dense=True,
        ),
    )
    add(
        "avgpool2d_p3_s3_same",
        lambda L: _seq(L, (7, 8, 2), [L.layers.AveragePooling2D(3, strides=3, padding="same")], pre_dense=True),
    )
    add(
        "avgpool1d_p4_s3_same",
        lambda L: _seq(L, (10, 2), [L.layers.AveragePooling1D(4, strides=3, padding="same")], pre_dense=True),
    )
    add("reshape_flat", lambda L: _seq(L, (2, 3), [L.layers.Reshape((-1,))], pre_dense=True))
    add("flatten_2d", lambda L: _seq(L, (5,), [L.layers.Flatten()], pre_dense=True))
    add(
        "td_flatten_dense",
        lambda L: _seq(L, (3, 2, 2), [L.layers.TimeDistributed(L.layers.Flatten()), L.layers.Dense(2)]),
    )
    return cases


def _merge(L, layer, n=2, shapes=None):
    shapes = shapes or [(2, 3)] * n
    xs = [L.Input(s) for s in shapes]
    y = layer([L.layers.Dense(s[-1])(x) for s, x in zip(shapes, xs)])
    return L.Model(xs, y)


def _embed_lstm_state(L, seq=False, backwards=False):
    x = L.Input((6,), dtype="int32")
    e = L.layers.Embedding(7, 4, mask_zero=True)(x)
    outs = L.layers.LSTM(3, return_state=True, return_sequences=seq, go_backwards=backwards)(e)
    return L.Model(x, list(outs))


def _lstm_initial_state(L):
    x = L.Input((5, 2))
    h, c = L.Input((3,)), L.Input((3,))
    y = L.layers.LSTM(3, return_sequences=True)(x, initial_state=[h, c])
    return L.Model([x, h, c], y)


CASES = _cases()


def build(lib, case):
    return CASES[case](lib)


def inputs_for(model, seed):
    """Seeded inputs for a model's inputs: normal floats, integer ids in [0, 7) with zeros
    (zeros inside, at the end and at the start of rows; the second row fully zero, so fully masked)."""
    rng = np.random.default_rng(seed)
    xs = []
    for t in model.inputs:
        shape = (BATCH,) + tuple(t.shape[1:])
        if "int" in str(t.dtype):
            ids = rng.integers(1, 7, size=shape).astype("int32")
            ids[0, -2:] = 0
            ids[0, 2] = 0
            ids[1] = 0
            ids[2, :1] = 0
            xs.append(ids)
        else:
            xs.append(rng.normal(size=shape).astype("float32"))
    return xs


def targets_for(outputs, seed):
    rng = np.random.default_rng(seed + 1000)
    return [rng.normal(size=np.shape(o)).astype("float32") for o in outputs]
