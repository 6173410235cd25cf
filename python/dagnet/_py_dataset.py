"""``keras.utils.PyDataset`` (alias ``Sequence``): the batch-indexed dataset ``fit`` reads."""

from __future__ import annotations

from typing import Any

from ._typing import TensorLike


class PyDataset:
    """Keras 3's ``keras.utils.PyDataset`` (``keras.utils.Sequence`` is the same class): a
    dataset of batches indexed ``0 .. len(ds) - 1``.

    Subclasses implement ``__getitem__(index)`` returning ``(x, y)``, ``(x, y,
    sample_weight)`` (or ``x`` for ``predict``) and ``__len__`` (the number of batches).
    ``fit`` calls ``on_epoch_begin`` before each epoch and ``on_epoch_end`` after it (and,
    as Keras does, once before training starts).  ``workers``, ``use_multiprocessing`` and
    ``max_queue_size`` are accepted and stored; dagnet reads batches in the calling thread.
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10) -> None:
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    @property
    def workers(self) -> Any:
        return getattr(self, "_workers", 1)

    @workers.setter
    def workers(self, value: TensorLike) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> Any:
        return getattr(self, "_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: TensorLike) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> Any:
        return getattr(self, "_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value: TensorLike) -> None:
        self._max_queue_size = value

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        num_batches = self.num_batches
        if num_batches is None:
            raise TypeError("This PyDataset has no length")
        return num_batches

    @property
    def num_batches(self) -> Any:
        """The number of batches (``len``); ``None`` for an infinite dataset."""
        if type(self).__len__ is PyDataset.__len__:
            return None
        return len(self)

    def on_epoch_begin(self) -> None:
        """Called before each epoch."""

    def on_epoch_end(self) -> None:
        """Called after each epoch."""
