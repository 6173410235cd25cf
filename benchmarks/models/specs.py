"""The eight seed models' benchmark settings: batch size and one batch of synthetic data.

Every framework trains on the same arrays (made here once per run, seeded); inputs are
in the Keras layout (images NHWC, sequences (batch, steps, features), token ids int32)
and each framework's adapter converts them to its own layout outside the timed region.
Targets follow the Keras losses: one-hot rows for categorical cross-entropy, class ids
for the sparse one, a (batch, 1) column of 0/1 for binary cross-entropy.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Arrays = list[np.ndarray]


@dataclass(frozen=True)
class Spec:
    name: str
    batch: int
    about: str
    data: Callable[[int, np.random.Generator], tuple[Arrays, Arrays]]  # (batch, rng) -> (inputs, targets)


def _floats(rng, *shape):
    return rng.uniform(size=shape).astype(np.float32)


def _tokens(rng, vocabulary, *shape):
    return rng.integers(1, vocabulary, size=shape).astype(np.int32)


def _one_hot(rng, classes, n):
    return np.eye(classes, dtype=np.float32)[rng.integers(0, classes, n)]


def _binary(rng, n):
    return rng.integers(0, 2, size=(n, 1)).astype(np.float32)


SPECS = {
    s.name: s
    for s in [
        Spec(
            "mlp",
            128,
            "Dense 64->32->32->10 softmax, rmsprop (DLwP 7.1 notebook)",
            lambda n, r: ([_floats(r, n, 64)], [_one_hot(r, 10, n)]),
        ),
        Spec(
            "inception",
            32,
            "two inception modules (10 and 40 filters, elu) on 32x32x3, Dense 100-20-1, Adam 1e-4",
            lambda n, r: ([_floats(r, n, 32, 32, 3)], [_binary(r, n)]),
        ),
        Spec(
            "dual_inception",
            32,
            "the inception sub-network shared by two 32x32x3 inputs, Dense 20-1, Adam 1e-4",
            lambda n, r: ([_floats(r, n, 32, 32, 3), _floats(r, n, 32, 32, 3)], [_binary(r, n)]),
        ),
        Spec(
            "text_qa",
            128,
            "text and question (100 tokens, vocab 10000) through LSTM 32 and 16, softmax 500, rmsprop",
            lambda n, r: ([_tokens(r, 10000, n, 100), _tokens(r, 10000, n, 100)], [_one_hot(r, 500, n)]),
        ),
        Spec(
            "siamese_lstm",
            32,
            "one LSTM 64 shared by two (140, 256) tweets, sigmoid, rmsprop",
            lambda n, r: (
                [
                    (_floats(r, n, 140, 256) > 0.9).astype(np.float32),
                    (_floats(r, n, 140, 256) > 0.9).astype(np.float32),
                ],
                [_binary(r, n)],
            ),
        ),
        Spec(
            "conv1d_multi",
            64,
            "posts (500 tokens, vocab 50000, embed 256), five Conv1D 128/256, three heads, rmsprop",
            lambda n, r: (
                [_tokens(r, 50000, n, 500)],
                [r.integers(18, 50, size=(n, 1)).astype(np.float32), _one_hot(r, 10, n), _binary(r, n)],
            ),
        ),
        Spec(
            "resnet_block",
            16,
            "identity then projection residual block, 128 filters 3x3 on 32x32x128, rmsprop",
            lambda n, r: ([_floats(r, n, 32, 32, 128)], [r.integers(0, 10, size=n).astype(np.int32)]),
        ),
        Spec(
            "headline",
            32,
            "headline (100 tokens, vocab 10000, embed 512) LSTM 32 + 5 aux features, two sigmoid outputs, rmsprop",
            lambda n, r: ([_tokens(r, 10000, n, 100), _floats(r, n, 5)], [_binary(r, n), _binary(r, n)]),
        ),
    ]
}

# Loss weights per output, in output order, where a model has several outputs.
LOSS_WEIGHTS = {"conv1d_multi": [0.25, 1.0, 10.0], "headline": [1.0, 0.2]}


def make_data(name: str, batch: int, seed: int = 0) -> tuple[Arrays, Arrays]:
    """One batch of inputs and targets for model `name` (the same arrays in every process)."""
    return SPECS[name].data(batch, np.random.default_rng(seed))
