"""``keras.utils.timeseries_dataset_from_array``: sliding windows over an array, batched.

Keras returns a ``tf.data.Dataset``; dagnet returns its :class:`Dataset` of NumPy batches
(``take``, ``map``, ``cache``, ... as keras-io scripts call them), which ``fit`` /
``evaluate`` / ``predict`` take and a ``for`` loop iterates. Windows are gathered per batch
on demand, so a long series is never copied once per window."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._dataset import Dataset


def _check_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be an integer. Received: {name}={value!r}")
    return int(value)


class TimeseriesWindows:
    """Batches of windows ``data[p : p + sequence_length * sampling_rate : sampling_rate]``
    (relative to ``start_index``), with ``targets[p]`` when targets are given."""

    def __init__(self, data: Any, targets: Any, starts: np.ndarray, window: np.ndarray, batch_size: int | None) -> None:
        self._data, self._targets = data, targets
        self._starts, self._window, self._batch_size = starts, window, batch_size

    def __len__(self) -> int:
        if self._batch_size is None:
            return len(self._starts)
        return -(-len(self._starts) // self._batch_size)

    def __getitem__(self, index: int) -> Any:
        if not -len(self) <= index < len(self):
            raise IndexError(f"batch index {index} is out of range for {len(self)} batches")
        index %= len(self)
        if self._batch_size is None:
            starts = self._starts[index : index + 1]
        else:
            starts = self._starts[index * self._batch_size : (index + 1) * self._batch_size]
        x = self._data[starts[:, None] + self._window[None, :]]
        y = None if self._targets is None else self._targets[starts]
        if self._batch_size is None:
            x = x[0]
            y = None if y is None else y[0]
        return x if y is None else (x, y)


def timeseries_dataset_from_array(
    data: Any,
    targets: Any,
    sequence_length: int,
    sequence_stride: int = 1,
    sampling_rate: int = 1,
    batch_size: int | None = 128,
    shuffle: bool = False,
    seed: int | None = None,
    start_index: int | None = None,
    end_index: int | None = None,
) -> Dataset:
    """Windows of ``sequence_length`` steps, ``sampling_rate`` apart, starting every
    ``sequence_stride`` steps between ``start_index`` and ``end_index``; the target of the
    window starting at step p is ``targets[p]``. ``shuffle`` permutes the windows (seeded by
    ``seed``); ``batch_size=None`` gives one window per element. Argument checks as Keras's."""
    data = np.asarray(data)
    if data.ndim == 0:
        raise ValueError(f"`data` must be an array with a time axis first. Received: data of shape {data.shape}")
    sequence_length = _check_int("sequence_length", sequence_length)
    sequence_stride = _check_int("sequence_stride", sequence_stride)
    sampling_rate = _check_int("sampling_rate", sampling_rate)
    if start_index:
        start_index = _check_int("start_index", start_index)
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= len(data):
            raise ValueError(
                "`start_index` must be lower than the length of the data. "
                f"Received: start_index={start_index}, for data of length {len(data)}"
            )
    if end_index:
        end_index = _check_int("end_index", end_index)
        if start_index and end_index <= start_index:
            raise ValueError(
                "`end_index` must be higher than `start_index`. "
                f"Received: start_index={start_index}, and end_index={end_index} "
            )
        if end_index >= len(data):
            raise ValueError(
                "`end_index` must be lower than the length of the data. "
                f"Received: end_index={end_index}, for data of length {len(data)}"
            )
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    if sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` must be higher than 0. Received: sampling_rate={sampling_rate}")
    if sampling_rate >= len(data):
        raise ValueError(
            "`sampling_rate` must be lower than the length of the data. "
            f"Received: sampling_rate={sampling_rate}, for data of length {len(data)}"
        )
    if sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be higher than 0. Received: sequence_stride={sequence_stride}")
    if sequence_stride >= len(data):
        raise ValueError(
            "`sequence_stride` must be lower than the length of the data. "
            f"Received: sequence_stride={sequence_stride}, for data of length {len(data)}"
        )
    if sequence_length <= 0:
        raise ValueError(f"`sequence_length` must be higher than 0. Received: sequence_length={sequence_length}")
    if batch_size is not None:
        batch_size = _check_int("batch_size", batch_size)
        if batch_size <= 0:
            raise ValueError(f"`batch_size` must be a positive integer or None. Received: batch_size={batch_size}")
    if targets is not None:
        targets = np.asarray(targets)
    start = start_index or 0
    end = end_index if end_index is not None else len(data)
    num_windows = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_windows = min(num_windows, len(targets) - start)
    starts = np.arange(0, max(num_windows, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        rng = np.random.RandomState(np.random.randint(1_000_000) if seed is None else seed)
        rng.shuffle(starts)
    window = np.arange(0, sequence_length * sampling_rate, sampling_rate, dtype=np.int64)
    windows = TimeseriesWindows(
        data[start:end], None if targets is None else targets[start:end], starts, window, batch_size
    )
    return Dataset(lambda: (windows[i] for i in range(len(windows))), len(windows), batched=batch_size is not None)
