"""IMDB movie-review sentiment, as ``keras.datasets.imdb``: reviews as word-index sequences."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._get_file import get_file
from ._safe_pickle import load_npz
from ._sources import KERAS_DATASETS_URL
from ._word_sequences import drop_long, limit_vocabulary, load_word_index, mark_and_offset, shuffled

__all__ = ["get_word_index", "load_data"]

ORIGIN = KERAS_DATASETS_URL + "imdb.npz"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_ORIGIN = KERAS_DATASETS_URL + "imdb_word_index.json"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(
    path: str = "imdb.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    **kwargs: Any,
) -> Any:
    """Loads the IMDB reviews: 25,000 training and 25,000 test reviews labelled 1 (positive)
    or 0 (negative), each a list of word indices ranked by frequency (index 3 + k is the k-th
    most frequent word with the default ``index_from=3``; 0 is padding).

    Args:
        path: the file name in the cache folder (``~/.keras/datasets``).
        num_words: keep only the most frequent words below this index; the others become
            `oov_char`. None keeps all.
        skip_top: the most frequent words to turn into `oov_char` as well.
        maxlen: drop every sequence of `maxlen` words or more (after `start_char`).
        seed: seed of the shuffle applied to each split.
        start_char: index put at the start of each sequence (None: none).
        oov_char: index for the words cut by `num_words` / `skip_top` (None: drop them).
        index_from: offset added to every word index.
        **kwargs: ``nb_words``, the Keras 2 name of `num_words`.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: object arrays of lists of ints, and the
        integer labels.
    """
    if "nb_words" in kwargs:
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"imdb.load_data: unrecognized keyword arguments: {sorted(kwargs)}")
    arrays = load_npz(get_file(fname=path, origin=ORIGIN, file_hash=FILE_HASH))
    rng = np.random.RandomState(seed)
    x_train, labels_train = shuffled(rng, arrays["x_train"], arrays["y_train"])
    x_test, labels_test = shuffled(rng, arrays["x_test"], arrays["y_test"])
    x_train = mark_and_offset(x_train, start_char, index_from)
    x_test = mark_and_offset(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = drop_long(maxlen, x_train, labels_train)
        x_test, labels_test = drop_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(
                f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. Increase maxlen."
            )
    xs = limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    split = len(x_train)
    return (
        (np.array(xs[:split], dtype="object"), labels[:split]),
        (np.array(xs[split:], dtype="object"), labels[split:]),
    )


def get_word_index(path: str = "imdb_word_index.json") -> dict[str, int]:
    """The word -> index map of the IMDB data (before the `index_from` offset)."""
    return load_word_index(get_file(fname=path, origin=WORD_INDEX_ORIGIN, file_hash=WORD_INDEX_HASH))
