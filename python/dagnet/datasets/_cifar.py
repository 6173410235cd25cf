"""What CIFAR-10 and CIFAR-100 share: the pickled batch format and the cache layout."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .._get_file import get_file, keras_home
from ._safe_pickle import load_pickle


def load_batch(fpath: str, label_key: str = "labels") -> Any:
    """One CIFAR batch file: ``(data, labels)`` with data ``(n, 3, 32, 32)`` uint8 and the
    labels as the file holds them (a list)."""
    raw = load_pickle(fpath, encoding="bytes")  # Python 2 pickles: bytes keys
    batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in raw.items()}
    data = batch["data"]
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def batches_folder(target: str, member_dir: str, origin: str, file_hash: str, required: tuple) -> str:
    """The folder holding the batch files, downloading and extracting the archive as Keras 3
    does (``datasets/<target>_archive`` extracted to ``datasets/<target>/<member_dir>``).

    A tf.keras (Keras 2) cache, which extracted straight to ``datasets/<member_dir>``, is used
    as it is when Keras 3's archive is not there."""
    datasets = os.path.join(os.path.expanduser(keras_home()), "datasets")
    legacy = os.path.join(datasets, member_dir)
    if not os.path.exists(os.path.join(datasets, target + "_archive")) and all(
        os.path.isfile(os.path.join(legacy, name)) for name in required
    ):
        return legacy
    folder = os.path.join(get_file(fname=target, origin=origin, extract=True, file_hash=file_hash), member_dir)
    missing = [name for name in required if not os.path.isfile(os.path.join(folder, name))]
    if missing:
        raise OSError(
            f"The CIFAR archive {origin} extracted to {folder} lacks {missing}; delete "
            f"{os.path.join(datasets, target + '_archive')} to download it again."
        )
    return folder


def channels_last(images: np.ndarray) -> np.ndarray:
    """(n, 3, 32, 32) -> (n, 32, 32, 3): dagnet's image layout, Keras's default one."""
    return images.transpose(0, 2, 3, 1)
