"""Reuters newswire topics, as ``keras.datasets.reuters``: 46 topics, word-index sequences."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._get_file import get_file
from ._safe_pickle import load_npz
from ._sources import KERAS_DATASETS_URL
from ._word_sequences import drop_long, limit_vocabulary, load_word_index, mark_and_offset, shuffled

__all__ = ["get_label_names", "get_word_index", "load_data"]

ORIGIN = KERAS_DATASETS_URL + "reuters.npz"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_ORIGIN = KERAS_DATASETS_URL + "reuters_word_index.json"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"

_LABEL_NAMES = (
    "cocoa",
    "grain",
    "veg-oil",
    "earn",
    "acq",
    "wheat",
    "copper",
    "housing",
    "money-supply",
    "coffee",
    "sugar",
    "trade",
    "reserves",
    "ship",
    "cotton",
    "carcass",
    "crude",
    "nat-gas",
    "cpi",
    "money-fx",
    "interest",
    "gnp",
    "meal-feed",
    "alum",
    "oilseed",
    "gold",
    "tin",
    "strategic-metal",
    "livestock",
    "retail",
    "ipi",
    "iron-steel",
    "rubber",
    "heat",
    "jobs",
    "lei",
    "bop",
    "zinc",
    "orange",
    "pet-chem",
    "dlr",
    "gas",
    "silver",
    "wpi",
    "hog",
    "lead",
)


def load_data(
    path: str = "reuters.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    test_split: float = 0.2,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
) -> Any:
    """Loads the Reuters newswires: 11,228 wires labelled with one of 46 topics, each a list
    of word indices ranked by frequency, shuffled and split into train and test.

    Args:
        path: the file name in the cache folder (``~/.keras/datasets``).
        num_words: keep only the most frequent words below this index (others: `oov_char`).
        skip_top: the most frequent words to turn into `oov_char` as well.
        maxlen: drop every sequence of `maxlen` words or more (after `start_char`).
        test_split: fraction of the wires that go to the test split.
        seed: seed of the shuffle before the split.
        start_char: index put at the start of each sequence (None: none).
        oov_char: index for the words cut by `num_words` / `skip_top` (None: drop them).
        index_from: offset added to every word index.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: object arrays of lists of ints, and the
        integer topic labels (names in ``get_label_names()``).
    """
    arrays = load_npz(get_file(fname=path, origin=ORIGIN, file_hash=FILE_HASH))
    xs, labels = shuffled(np.random.RandomState(seed), arrays["x"], arrays["y"])
    xs = mark_and_offset(xs, start_char, index_from)
    if maxlen:
        xs, labels = drop_long(maxlen, xs, labels)
    xs = limit_vocabulary(xs, num_words, skip_top, oov_char)
    split = int(len(xs) * (1 - test_split))
    return (
        (np.array(xs[:split], dtype="object"), np.array(labels[:split])),
        (np.array(xs[split:], dtype="object"), np.array(labels[split:])),
    )


def get_word_index(path: str = "reuters_word_index.json") -> dict[str, int]:
    """The word -> index map of the Reuters data (before the `index_from` offset)."""
    return load_word_index(get_file(path, origin=WORD_INDEX_ORIGIN, file_hash=WORD_INDEX_HASH))


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names, in label order."""
    return _LABEL_NAMES
