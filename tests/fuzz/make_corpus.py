"""Writes the seed corpus and dictionary of the libFuzzer targets (tests/fuzz): small
models exported with export_native (prediction and training programs covering the op
families and optimizers) and tensor files of every dtype. Run from the repository root:
    python tests/fuzz/make_corpus.py
The files are committed; tools/fuzz.sh fuzzes from them."""

import os
import struct

import numpy as np

import dagnet
from dagnet import _engine, layers, ops, utils
from dagnet.engine import op_names

HERE = os.path.dirname(os.path.abspath(__file__))


def models():
    utils.set_random_seed(0)
    x = dagnet.Input((4,))
    h = layers.Dense(
        3,
        activation="relu",
        kernel_regularizer=dagnet.regularizers.l1(0.01),
        kernel_constraint=dagnet.constraints.max_norm(2.0),
    )(x)
    m = dagnet.Model(x, layers.Dense(2, activation="softmax")(h))
    m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    yield "dense_adam", m

    x = dagnet.Input((5, 5, 2))
    h = layers.MaxPooling2D()(layers.Conv2D(2, 3, padding="same", activation="tanh")(x))
    m = dagnet.Model(x, layers.Dense(2)(layers.GlobalAveragePooling2D()(h)))
    m.compile(dagnet.optimizers.SGD(0.1, momentum=0.9, nesterov=True), "mse")
    yield "conv2d_sgd", m

    x = dagnet.Input((None,), dtype="int32")
    h = layers.LSTM(2, return_sequences=True)(layers.Embedding(5, 3, mask_zero=True)(x))
    m = dagnet.Model(x, layers.Dense(1, activation="sigmoid")(layers.GlobalMaxPooling1D()(h)))
    m.compile("rmsprop", "binary_crossentropy")
    yield "lstm_rmsprop", m

    x = dagnet.Input((None, 2))
    h = layers.AveragePooling1D(padding="same")(layers.Conv1D(2, 2, dilation_rate=2, padding="causal")(x))
    m = dagnet.Model(x, layers.Dense(1)(layers.GlobalAveragePooling1D()(h)))
    m.compile("nadam", "mae")
    yield "conv1d_nadam", m

    x = dagnet.Input((3, 4))
    t = ops.transpose(x, (0, 2, 1))[:, 1:, ::2]
    h = ops.concatenate([ops.sum(t, axis=-1), ops.max(x, axis=1)], axis=-1)
    h = ops.where(h > 0, h * 2.0, ops.exp(h)) - ops.mean(x, axis=(1, 2), keepdims=False)[:, None]
    m = dagnet.Model(x, layers.Dense(2)(layers.Dropout(0.5)(h)))
    m.compile("adamax", "huber")
    yield "ops_adamax", m

    x = dagnet.Input((None, 3))
    h = layers.GRU(2, return_sequences=True, recurrent_dropout=0.5)(layers.LayerNormalization()(x))
    h = layers.BatchNormalization()(layers.SimpleRNN(3)(h))  # moving statistics: state updates
    m = dagnet.Model(x, layers.Dense(1)(layers.GroupNormalization(groups=1)(h[:, :, None])[:, :, 0]))
    m.compile("adagrad", "mse")
    yield "gru_norm_adagrad", m

    x = dagnet.Input((2, 3))
    m = dagnet.Model(x, layers.Flatten()(layers.TimeDistributed(layers.Dense(2))(x)))
    yield "predict_only", m


def tensors():
    yield "float32", [np.arange(6, dtype=np.float32).reshape(2, 3)]
    yield "mixed", [np.array(1.5), np.array([[1, 2]], np.int32), np.array([7], np.int64), np.zeros((0, 3), np.float32)]
    yield "empty", []


def dictionary():
    words = set(op_names()) | {
        "predict",
        "train",
        "DAGNETP3",
        "DAGNETT1",
        "sgd",
        "adam",
        "rmsprop",
        "adagrad",
        "adadelta",
        "adamax",
        "nadam",
        "valid",
        "same",
        "causal",
        "channels_first",
        "channels_last",
        "relu",
        "softmax",
        "sigmoid",
        "tanh",
        "linear",
        "elu",
    }
    for attrs in (
        "kind axis axes keepdims shape perm begin end strides begin_mask end_mask squeeze_axes "
        "dilation padding data_format activation alpha pool_size transpose_a transpose_b rate seed "
        "dtype value factor weighted delta return_sequences has_initial_state has_mask "
        "has_recurrent_mask go_backwards recurrent_activation momentum nesterov zero_output_for_mask "
        "reset_after param_axes groups group_axis mode epsilon count_epsilon scale center bias "
        "fixed_stats stat_grads stop_stat_grads moments rms_scaling rms l2"
    ).split():
        words.add(attrs)
    # Strings in the files are a u32 length then the bytes: the length prefix is a token too.
    lines = [f'"{w}"' for w in sorted(words)]
    lines += ['"' + "".join(f"\\x{b:02x}" for b in struct.pack("<I", len(w)) + w.encode()) + '"' for w in sorted(words)]
    return (
        "# libFuzzer dictionary for the .dgn and tensor readers (tests/fuzz/make_corpus.py)\n" + "\n".join(lines) + "\n"
    )


def main():
    for name, m in models():
        path = os.path.join(HERE, "corpus", "program", name + ".dgn")
        m.export_native(path)
        os.chmod(path, 0o644)
    for name, arrays in tensors():
        _engine.write_tensors(os.path.join(HERE, "corpus", "tensor", name + ".bin"), arrays)
    with open(os.path.join(HERE, "dgn.dict"), "w") as f:
        f.write(dictionary())


if __name__ == "__main__":
    main()
