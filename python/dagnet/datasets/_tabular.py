"""What the housing regression sets share: a seeded shuffle and a train/test split."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._get_file import get_file


def check_test_split(test_split: float) -> None:
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 (exclusive of 1).")


def shuffle_split(x: np.ndarray, y: np.ndarray, test_split: float, seed: int) -> Any:
    """``(x_train, y_train), (x_test, y_test)``: rows shuffled by `seed`, the last
    `test_split` fraction for test (Keras's cut: ``int(n * (1 - test_split))``)."""
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))


def load_xy(path: str, origin: str, file_hash: str) -> Any:
    """The ``x`` and ``y`` arrays of a cached (or downloaded) ``.npz`` file."""
    with np.load(get_file(path, origin=origin, file_hash=file_hash), allow_pickle=False) as f:
        return f["x"], f["y"]
