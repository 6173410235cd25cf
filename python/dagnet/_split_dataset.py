"""keras.utils.split_dataset: two Datasets of samples (a left and a right part) from arrays,
a tuple/list/dict of arrays or a Dataset (a batched one is unbatched, as Keras does)."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from ._dataset import Dataset, _map_structure


def _samples(dataset: Any) -> list:
    if isinstance(dataset, Dataset):
        return list(dataset.unbatch() if dataset._batched else dataset)
    if isinstance(dataset, np.ndarray):
        return list(dataset)
    if isinstance(dataset, (tuple, list, dict)):
        data = tuple(np.asarray(a) for a in dataset) if isinstance(dataset, (tuple, list)) else dataset
        sizes: set = set()
        _map_structure(lambda a: sizes.add(len(np.asarray(a))), data)
        if len(sizes) != 1:
            raise ValueError(
                f"Received a {type(dataset).__name__} of arrays with different lengths {sorted(sizes)}; "
                "split_dataset needs arrays of the same length."
            )
        return list(Dataset.from_tensor_slices(data))
    if hasattr(dataset, "__iter__"):
        return list(dataset)
    raise TypeError(
        "The `dataset` argument must be a Dataset, a NumPy array or a list/tuple of arrays. "
        f"Received: dataset={dataset} of type {type(dataset)}"
    )


def _split_sizes(left_size: Any, right_size: Any, total: int) -> tuple[int, int]:
    """Keras's _rescale_dataset_split_sizes (its checks and messages)."""
    lt, rt = type(left_size), type(right_size)
    if left_size is not None and lt not in (int, float):
        raise TypeError(f"Invalid `left_size` Type. Expected: int or float or None, Received: type(left_size)={lt}.  ")
    if right_size is not None and rt not in (int, float):
        raise TypeError(f"Invalid `right_size` Type. Expected: int or float or None,Received: type(right_size)={rt}.")
    if left_size == 0 and right_size == 0:
        raise ValueError(
            "Both `left_size` and `right_size` are zero. At least one of the split sizes must be non-zero."
        )
    if (lt is int and (left_size <= 0 or left_size >= total)) or (lt is float and (left_size <= 0 or left_size >= 1)):
        raise ValueError(
            f"`left_size` should be either a positive integer smaller than {total}, or a float within the range "
            f"`[0, 1]`. Received: left_size={left_size}"
        )
    if (rt is int and (right_size <= 0 or right_size >= total)) or (
        rt is float and (right_size <= 0 or right_size >= 1)
    ):
        raise ValueError(
            f"`right_size` should be either a positive integer and smaller than {total} or a float within the "
            f"range `[0, 1]`. Received: right_size={right_size}"
        )
    if rt is lt is float and right_size + left_size > 1:
        raise ValueError(
            "The sum of `left_size` and `right_size` is greater than 1. It must be less than or equal to 1."
        )
    left = round(left_size * total) if lt is float else left_size
    right = round(right_size * total) if rt is float else right_size
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(
            f"The sum of `left_size` and `right_size` should be smaller than the {total}. Received: left_size + "
            f"right_size = {left + right}and total_length = {total}"
        )
    for split, side in ((left, "left"), (right, "right")):
        if split == 0:
            raise ValueError(
                f"With `dataset` of length={total}, `left_size`={left} and `right_size`={right}.Resulting {side} "
                "side dataset split will be empty. Adjust any of the aforementioned parameters"
            )
    return int(left), int(right)


def split_dataset(
    dataset: Any,
    left_size: Any = None,
    right_size: Any = None,
    shuffle: bool = False,
    seed: int | None = None,
    preferred_backend: Any = None,
) -> tuple[Dataset, Dataset]:
    """(left, right): the first `left_size` samples and the last `right_size` ones (sizes as
    counts or fractions; one may be None: the rest), shuffled first when asked."""
    if right_size is None and left_size is None:
        raise ValueError(
            "At least one of the `left_size` or `right_size` must be specified. Received: left_size=None and "
            "right_size=None"
        )
    samples = _samples(dataset)
    if shuffle:  # Keras's order: Python's random.shuffle after random.seed(seed)
        if seed is None:
            seed = random.randint(0, 10**6)
        random.Random(seed).shuffle(samples)
    left, right = _split_sizes(left_size, right_size, len(samples))
    left_samples, right_samples = samples[:left], samples[len(samples) - right :]
    return (
        Dataset(lambda: iter(left_samples), len(left_samples)),
        Dataset(lambda: iter(right_samples), len(right_samples)),
    )
