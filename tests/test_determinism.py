"""Determinism on CPU: with a fixed seed, training gives bit-identical weights run after
run and for any thread count. Work is shared out by output elements, reductions combine
fixed blocks in a fixed order, the GEMM's deep-K split depends on the problem alone and
the recurrent layers hand threads batch slices of a bounded size (csrc/cpu/gemm.h), so the thread
count never changes the order of a floating-point sum. The models below reach those
paths: a batch deep enough for split-K kernel gradients (dense and a 3-channel
convolution), an LSTM with more batch rows than one slice and more gates than one GEMM
depth block, a GRU and a SimpleRNN likewise, batch and layer normalization, dropout and an
embedding."""

import numpy as np

import dagnet
from dagnet import _engine, layers, utils


def train(threads, rng_seed=0):
    before = _engine.num_threads()
    _engine.set_num_threads(threads)
    try:
        utils.clear_session()
        utils.set_random_seed(0)
        rng = np.random.default_rng(rng_seed)
        weights = []
        x = dagnet.Input((24,))
        dense = dagnet.Model(x, layers.Dense(4)(layers.Dropout(0.3)(layers.Dense(16, activation="tanh")(x))))
        dense.compile("adam", "mse")
        dense.fit(
            rng.standard_normal((2304, 24)).astype("float32"),
            rng.standard_normal((2304, 4)).astype("float32"),
            batch_size=2304,
            epochs=2,
            verbose=0,
        )
        weights += dense.get_weights()

        img = dagnet.Input((12, 12, 3))
        h = layers.GlobalAveragePooling2D()(layers.Conv2D(8, 3, activation="relu")(img))
        conv = dagnet.Model(img, layers.Dense(2)(h))
        conv.compile(dagnet.optimizers.SGD(0.05, momentum=0.9), "mse")
        conv.fit(
            rng.standard_normal((24, 12, 12, 3)).astype("float32"),
            rng.standard_normal((24, 2)).astype("float32"),
            batch_size=24,
            epochs=2,
            verbose=0,
        )
        weights += conv.get_weights()

        tok = dagnet.Input((None,), dtype="int32")
        seq = layers.LSTM(72, dropout=0.2)(layers.Embedding(30, 6, mask_zero=True)(tok))
        rnn = dagnet.Model(tok, layers.Dense(1)(seq))
        rnn.compile("rmsprop", "mse")
        rnn.fit(
            rng.integers(0, 30, (400, 5)).astype("int32"),
            rng.standard_normal((400, 1)).astype("float32"),
            batch_size=400,
            epochs=2,
            verbose=0,
        )
        weights += rnn.get_weights()

        # GRU (recurrent dropout) and SimpleRNN slices; batch and layer normalization's
        # statistics, reduced over 400 rows.
        tok = dagnet.Input((5,), dtype="int32")
        seq = layers.GRU(20, recurrent_dropout=0.2, return_sequences=True)(layers.Embedding(30, 6)(tok))
        seq = layers.SimpleRNN(12)(layers.LayerNormalization()(seq))
        norm = dagnet.Model(tok, layers.Dense(1)(layers.BatchNormalization()(seq)))
        norm.compile("adam", "mse")
        norm.fit(
            rng.integers(0, 30, (400, 5)).astype("int32"),
            rng.standard_normal((400, 1)).astype("float32"),
            batch_size=400,
            epochs=2,
            verbose=0,
        )
        weights += norm.get_weights()
        return weights
    finally:
        _engine.set_num_threads(before)


def assert_bit_identical(a, b):
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        assert x.dtype == y.dtype and x.shape == y.shape
        assert np.array_equal(x.view(np.uint8), y.view(np.uint8)), f"weight {i} differs"


def test_training_is_repeatable_and_independent_of_the_thread_count():
    one = train(1)
    assert_bit_identical(one, train(1))
    for threads in (2, 3):
        assert_bit_identical(one, train(threads))
    # The data matter (the check is not vacuous): other data, other weights.
    assert not all(np.array_equal(x, y) for x, y in zip(one, train(1, rng_seed=1)))
