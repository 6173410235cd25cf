"""CIFAR-10 small colour images, as ``keras.datasets.cifar10``."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ._cifar import batches_folder, channels_last, load_batch

__all__ = ["load_data"]

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))


def load_data() -> Any:
    """Loads CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes
    (0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship,
    9 truck).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 32, 32, 3)``
        (channels last) and uint8 labels ``(n, 1)``.
    """
    folder = batches_folder(
        "cifar-10-batches-py-target", "cifar-10-batches-py", ORIGIN, FILE_HASH, TRAIN_BATCHES + ("test_batch",)
    )
    batches = [load_batch(os.path.join(folder, name)) for name in TRAIN_BATCHES]
    x_train = np.concatenate([data for data, _ in batches]).astype("uint8")
    y_train = np.concatenate([np.asarray(labels) for _, labels in batches]).astype("uint8")
    x_test, y_test = load_batch(os.path.join(folder, "test_batch"))
    return (
        (channels_last(x_train), y_train.reshape(-1, 1)),
        (channels_last(x_test.astype("uint8")), np.asarray(y_test).astype("uint8").reshape(-1, 1)),
    )
