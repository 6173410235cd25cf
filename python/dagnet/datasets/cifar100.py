"""CIFAR-100 small colour images, as ``keras.datasets.cifar100``."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ._cifar import batches_folder, channels_last, load_batch

__all__ = ["load_data"]

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode: str = "fine") -> Any:
    """Loads CIFAR-100: 50,000 training and 10,000 test 32x32 colour images in 100 classes
    grouped into 20 superclasses.

    Args:
        label_mode: ``"fine"`` (the 100 classes) or ``"coarse"`` (the 20 superclasses).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 32, 32, 3)``
        (channels last) and int64 labels ``(n, 1)``, as Keras returns them.
    """
    if label_mode not in ["fine", "coarse"]:
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.')
    folder = batches_folder("cifar-100-python-target", "cifar-100-python", ORIGIN, FILE_HASH, ("train", "test"))
    splits = []
    for name in ("train", "test"):
        x, y = load_batch(os.path.join(folder, name), label_key=f"{label_mode}_labels")
        splits.append((channels_last(x), np.reshape(y, (len(y), 1))))
    return tuple(splits)
