"""A small stand-in for tf.data.Dataset: what the directory loaders of keras.utils return
(Keras returns a tf.data.Dataset). It is a lazy pipeline of NumPy elements (an array, a
tuple or a dict of arrays; strings as NumPy str arrays) that can be iterated again every
epoch, with the tf.data methods keras-io scripts call on these datasets. `fit`, `evaluate`
and `predict` read it as a batch iterable; `len()` is the number of elements when known."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from . import _random

UNKNOWN = -2  # tf.data.UNKNOWN_CARDINALITY
INFINITE = -1  # tf.data.INFINITE_CARDINALITY
AUTOTUNE = -1  # tf.data.AUTOTUNE: accepted wherever tf.data takes a parallelism or buffer size


def _first_dims(element: Any) -> set[int]:
    """The first-axis sizes of an element's arrays."""
    sizes: set[int] = set()
    _map_structure(lambda a: sizes.add(len(a)), element)
    return sizes


def _map_structure(fn: Callable, *elements: Any) -> Any:
    first = elements[0]
    if isinstance(first, tuple):
        return tuple(_map_structure(fn, *parts) for parts in zip(*elements, strict=True))
    if isinstance(first, dict):
        return {k: _map_structure(fn, *(e[k] for e in elements)) for k in first}
    return fn(*elements)


class Array(np.ndarray):
    """A NumPy array that also answers tf.Tensor's `.numpy()`: keras-io scripts call it on
    the batches they read from a dataset (`images[i].numpy().astype("uint8")`)."""

    def numpy(self) -> np.ndarray:
        return np.asarray(self)


def _as_numpy(element: Any) -> Any:
    """An element as the pipeline yields it: arrays (with `.numpy()`) in tuples and dicts (a
    list becomes a tuple)."""
    if isinstance(element, (tuple, list)):
        return tuple(_as_numpy(e) for e in element)
    if isinstance(element, dict):
        return {k: _as_numpy(v) for k, v in element.items()}
    return element if isinstance(element, Array) else np.asarray(element).view(Array)


def _call(fn: Callable, element: Any) -> Any:
    """tf.data passes a tuple element to `map`/`filter` functions as separate arguments."""
    return fn(*element) if isinstance(element, tuple) else fn(element)


class Dataset:
    """Elements from `make_iterator()` (called anew for each pass); `cardinality` is their
    count, UNKNOWN or INFINITE. `batched`: the elements are batches (split_dataset unbatches)."""

    def __init__(self, make_iterator: Callable[[], Iterable], cardinality: int = UNKNOWN, batched: bool = False):
        self._make_iterator = make_iterator
        self._cardinality = int(cardinality)
        self._batched = batched

    @staticmethod
    def from_tensor_slices(data: Any) -> Dataset:
        """One element per index of the first axis of every array in `data`."""
        data = _as_numpy(data)
        sizes = _first_dims(data)
        if len(sizes) != 1:
            raise ValueError(f"Dataset.from_tensor_slices: the arrays have different first dimensions {sorted(sizes)}")
        (n,) = sizes
        return Dataset(lambda: (_map_structure(lambda a, i=i: a[i], data) for i in range(n)), n)

    # -- reading ------------------------------------------------------------------------------
    def __iter__(self) -> Iterator:
        return (_as_numpy(e) for e in self._make_iterator())

    def as_numpy_iterator(self) -> Iterator:
        """The elements as plain NumPy arrays."""
        return (_map_structure(np.asarray, e) for e in self)

    def cardinality(self) -> int:
        return self._cardinality

    def __len__(self) -> int:
        if self._cardinality == INFINITE:
            raise TypeError("The dataset is infinite.")
        if self._cardinality == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return self._cardinality

    @property
    def num_batches(self) -> int | None:
        """What `fit` counts steps by (None: until the data runs out)."""
        return self._cardinality if self._cardinality >= 0 else None

    def __repr__(self) -> str:
        size = {UNKNOWN: "unknown", INFINITE: "infinite"}.get(self._cardinality, self._cardinality)
        return f"<dagnet Dataset cardinality={size}{' batched' if self._batched else ''}>"

    # -- transformations ----------------------------------------------------------------------
    def _derive(self, make: Callable[[], Iterable], cardinality: int, batched: bool | None = None) -> Dataset:
        return Dataset(make, cardinality, self._batched if batched is None else batched)

    def map(
        self, map_func: Callable, num_parallel_calls: Any = None, deterministic: Any = None, name: Any = None
    ) -> Dataset:
        return self._derive(lambda: (_call(map_func, e) for e in self), self._cardinality)

    def filter(self, predicate: Callable, name: Any = None) -> Dataset:
        return self._derive(lambda: (e for e in self if bool(np.asarray(_call(predicate, e)))), UNKNOWN)

    def batch(
        self,
        batch_size: int,
        drop_remainder: bool = False,
        num_parallel_calls: Any = None,
        deterministic: Any = None,
        name: Any = None,
    ) -> Dataset:
        batch_size = int(batch_size)
        if batch_size <= 0:
            raise ValueError(f"Dataset.batch: batch_size must be positive, received {batch_size}")

        def batches() -> Iterator:
            group: list = []
            for element in self:
                group.append(element)
                if len(group) == batch_size:
                    yield _map_structure(lambda *parts: np.stack(parts), *group)
                    group = []
            if group and not drop_remainder:
                yield _map_structure(lambda *parts: np.stack(parts), *group)

        n = self._cardinality
        if n >= 0:
            n = n // batch_size if drop_remainder else math.ceil(n / batch_size)
        return self._derive(batches, n, batched=True)

    def unbatch(self, name: Any = None) -> Dataset:
        def rows() -> Iterator:
            for element in self:
                sizes = _first_dims(element)
                for i in range(min(sizes) if sizes else 0):
                    yield _map_structure(lambda a, i=i: a[i], element)

        return self._derive(rows, UNKNOWN, batched=False)

    def take(self, count: int, name: Any = None) -> Dataset:
        count = int(count)
        if count < 0:
            return self
        n = count if self._cardinality == INFINITE else min(count, self._cardinality)
        n = UNKNOWN if self._cardinality == UNKNOWN else n
        return self._derive(lambda: (e for _, e in zip(range(count), self, strict=False)), n)

    def skip(self, count: int, name: Any = None) -> Dataset:
        count = int(count)

        def rest() -> Iterator:
            iterator = iter(self)
            for _ in range(count if count >= 0 else 0):
                if next(iterator, _END) is _END:
                    return
            if count < 0:
                return
            yield from iterator

        n = self._cardinality
        if n >= 0:
            n = 0 if count < 0 else max(n - count, 0)
        return self._derive(rest, n)

    def repeat(self, count: int | None = None, name: Any = None) -> Dataset:
        def repeated() -> Iterator:
            passes = 0
            while count is None or count < 0 or passes < count:
                yield from self
                passes += 1

        n = self._cardinality
        if count is None or count < 0:
            n = INFINITE if n != 0 else 0
        elif n >= 0:
            n *= int(count)
        return self._derive(repeated, n)

    def shuffle(
        self, buffer_size: int, seed: int | None = None, reshuffle_each_iteration: bool = True, name: Any = None
    ) -> Dataset:
        """tf.data's buffered shuffle: each element out is a random one of the next `buffer_size`."""
        buffer_size = int(buffer_size)
        if buffer_size == AUTOTUNE or buffer_size <= 0:
            raise ValueError(f"Dataset.shuffle: buffer_size must be positive, received {buffer_size}")
        passes = [0]
        base = seed if seed is not None else _random.draw_seed()

        def shuffled() -> Iterator:
            rng = np.random.default_rng([base, passes[0]] if reshuffle_each_iteration else base)
            passes[0] += 1
            buffer: list = []
            for element in self:
                if len(buffer) < buffer_size:
                    buffer.append(element)
                    continue
                i = int(rng.integers(len(buffer)))
                yield buffer[i]
                buffer[i] = element
            for i in rng.permutation(len(buffer)):
                yield buffer[i]

        return self._derive(shuffled, self._cardinality)

    def cache(self, filename: str = "", name: Any = None) -> Dataset:
        """Keeps the elements of the first complete pass in memory (a file name is ignored)."""
        stored: list = []
        complete = [False]

        def cached() -> Iterator:
            if complete[0]:
                yield from stored
                return
            stored.clear()
            for element in self:
                stored.append(element)
                yield element
            complete[0] = True

        return self._derive(cached, self._cardinality)

    def prefetch(self, buffer_size: int = AUTOTUNE, name: Any = None) -> Dataset:
        """A no-op: dagnet reads the next element when the step asks for it."""
        return self

    def apply(self, transformation_func: Callable[[Dataset], Dataset]) -> Dataset:
        return transformation_func(self)

    def concatenate(self, dataset: Dataset, name: Any = None) -> Dataset:
        def both() -> Iterator:
            yield from self
            yield from dataset

        a, b = self._cardinality, dataset._cardinality
        n = INFINITE if INFINITE in (a, b) else (UNKNOWN if UNKNOWN in (a, b) else a + b)
        return self._derive(both, n)


_END = object()
