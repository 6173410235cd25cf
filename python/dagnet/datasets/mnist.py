"""MNIST handwritten digits, as ``keras.datasets.mnist``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._get_file import get_file
from ._sources import KERAS_DATASETS_URL

__all__ = ["load_data"]

ORIGIN = KERAS_DATASETS_URL + "mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path: str = "mnist.npz") -> Any:
    """Loads MNIST: 60,000 training and 10,000 test 28x28 grayscale digit images.

    Args:
        path: the file name in the cache folder (``~/.keras/datasets`` or
            ``$KERAS_HOME/datasets``); downloaded there when absent.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape ``(n, 28, 28)``
        (values 0-255) and uint8 labels 0-9 of shape ``(n,)``.
    """
    path = get_file(fname=path, origin=ORIGIN, file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
