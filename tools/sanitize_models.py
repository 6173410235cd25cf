"""Whole-model runs for the sanitizer build (tools/sanitize.sh asan): a few models of
each layer family train for some steps, predict, evaluate, round-trip through .keras and
run natively under dagnet-bench, so AddressSanitizer and UBSan see complete training
steps, not just single ops. Usage: python tools/sanitize_models.py PATH/TO/dagnet-bench"""

import os
import subprocess
import sys
import tempfile

import numpy as np

import dagnet
from dagnet import layers, ops, utils


def mlp():
    x = dagnet.Input((12,))
    h = layers.Dropout(0.2)(layers.Dense(16, activation="relu")(x))
    return dagnet.Model(x, layers.Dense(3, activation="softmax")(h)), "sparse_categorical_crossentropy", "adam"


def cnn():
    x = dagnet.Input((10, 10, 2))
    h = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
    h = layers.AveragePooling2D()(layers.Conv2D(4, 3, strides=2, dilation_rate=1, activation="elu")(h))
    h = layers.concatenate([layers.GlobalMaxPooling2D()(h), layers.GlobalAveragePooling2D()(h)])
    return (
        dagnet.Model(x, layers.Dense(3, activation="softmax")(h)),
        "sparse_categorical_crossentropy",
        dagnet.optimizers.SGD(0.05, momentum=0.9),
    )


def sequence():
    tokens = dagnet.Input((None,), dtype="int32")
    series = dagnet.Input((None, 3))
    a = layers.LSTM(5, return_sequences=True)(layers.Embedding(20, 4, mask_zero=True)(tokens))
    a = layers.GlobalMaxPooling1D()(a)
    b = layers.MaxPooling1D(padding="same")(layers.Conv1D(4, 2, padding="causal", dilation_rate=2)(series))
    b = layers.LSTM(3, go_backwards=True)(b)
    out = layers.Dense(3, activation="softmax")(layers.concatenate([a, b]))
    return dagnet.Model([tokens, series], out), "sparse_categorical_crossentropy", "rmsprop"


def recurrent_norm():
    series = dagnet.Input((None, 3))
    h = layers.LayerNormalization()(series)
    h = layers.Bidirectional(layers.GRU(4, return_sequences=True, recurrent_dropout=0.3))(h)
    h = layers.GroupNormalization(groups=2)(h)
    h = layers.SimpleRNN(5, dropout=0.2)(layers.GRU(3, reset_after=False, return_sequences=True)(h))
    out = layers.Dense(3, activation="softmax")(layers.BatchNormalization()(h))
    return dagnet.Model(series, out), "sparse_categorical_crossentropy", "adagrad"


def raw_ops():
    x = dagnet.Input((4, 6))
    t = ops.transpose(x, (0, 2, 1))[:, 1:, ::2]
    h = ops.concatenate(
        [ops.sum(t, axis=-1), ops.max(x, axis=1), ops.prod(x[:, :2, :2], axis=(1, 2))[:, None]], axis=-1
    )
    h = ops.where(h > 0, h * 2.0, ops.exp(h)) - ops.mean(x, axis=(1, 2))[:, None]
    return dagnet.Model(x, layers.Dense(3, activation="softmax")(h)), "sparse_categorical_crossentropy", "nadam"


def data(model, n, rng):
    xs = []
    for inp in model.inputs:
        shape = [n] + [d if d is not None else 7 for d in inp.shape[1:]]
        if "int" in str(inp.dtype):
            xs.append(rng.integers(0, 20, shape).astype("int32"))
        else:
            xs.append(rng.standard_normal(shape).astype("float32"))
    return xs if len(xs) > 1 else xs[0], rng.integers(0, 3, n)


def main(bench):
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        for build in (mlp, cnn, sequence, recurrent_norm, raw_ops):
            utils.clear_session()
            utils.set_random_seed(0)
            model, loss, optimizer = build()
            model.compile(optimizer, loss, metrics=["accuracy"])
            x, y = data(model, 40, rng)
            model.fit(x, y, batch_size=16, epochs=2, validation_split=0.25, verbose=0)
            model.evaluate(x, y, verbose=0)
            predicted = model.predict(x, batch_size=8, verbose=0)
            path = os.path.join(tmp, build.__name__ + ".keras")
            model.save(path)
            np.testing.assert_allclose(
                dagnet.models.load_model(path).predict(x, verbose=0), predicted, rtol=1e-5, atol=1e-6
            )
            native = os.path.join(tmp, build.__name__ + ".dgn")
            model.export_native(native)
            subprocess.run(
                [
                    bench,
                    native,
                    "--batch",
                    "4",
                    "--length",
                    "5",
                    "--warmup",
                    "1",
                    "--iterations",
                    "2",
                    "--threads",
                    "2",
                ],
                check=True,
                capture_output=True,
            )
            print(f"{build.__name__}: trained, predicted, saved, ran natively")


if __name__ == "__main__":
    main(sys.argv[1])
