"""Fashion-MNIST (Zalando's article images), as ``keras.datasets.fashion_mnist``."""

from __future__ import annotations

import gzip
import os
from typing import Any

import numpy as np

from .._get_file import get_file
from ._sources import KERAS_DATASETS_URL

__all__ = ["load_data"]

CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")
FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)


def _read_idx(path: str, header_bytes: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=header_bytes)


def load_data() -> Any:
    """Loads Fashion-MNIST: 60,000 training and 10,000 test 28x28 grayscale images of 10
    kinds of clothing (0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
    6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot).

    The four IDX files are cached in ``~/.keras/datasets/fashion-mnist/``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 28, 28)`` and uint8
        labels ``(n,)``.
    """
    paths = [get_file(name, origin=KERAS_DATASETS_URL + name, cache_subdir=CACHE_SUBDIR) for name in FILES]
    y_train = _read_idx(paths[0], 8)
    x_train = _read_idx(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _read_idx(paths[2], 8)
    x_test = _read_idx(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
