"""The word-index preprocessing IMDB and Reuters share, step for step as Keras 3 does it
(so the same arguments give the same sequences)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np


def shuffled(rng: np.random.RandomState, *arrays: Any) -> Any:
    """The arrays in one random order drawn from `rng`."""
    indices = np.arange(len(arrays[0]))
    rng.shuffle(indices)
    return [a[indices] for a in arrays]


def mark_and_offset(sequences: Any, start_char: Any, index_from: Any) -> list[list[int]]:
    """Every word index shifted by `index_from`, each sequence led by `start_char` (if not None)."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in sequences]
    if index_from:
        return [[w + index_from for w in x] for x in sequences]
    return [list(x) for x in sequences]


def drop_long(maxlen: Any, sequences: Any, labels: Any) -> Any:
    """Only the sequences shorter than `maxlen` (strictly, as Keras), with their labels."""
    kept = [(x, y) for x, y in zip(sequences, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_vocabulary(sequences: Any, num_words: Any, skip_top: Any, oov_char: Any) -> list[list[int]]:
    """Words outside ``[skip_top, num_words)`` become `oov_char` (dropped when it is None).

    Without `num_words` the bound is the largest index present, which (as in Keras)
    also counts that one index as out of range."""
    if not num_words:
        num_words = max(max(x) for x in sequences)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in sequences]
    return [[w for w in x if skip_top <= w < num_words] for x in sequences]


def load_word_index(path: str) -> dict[str, int]:
    with open(path) as f:
        return json.load(f)
