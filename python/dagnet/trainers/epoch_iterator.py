"""Keras 3's EpochIterator: the batches of one epoch at a time, from arrays (aligned once,
sliced per batch, shuffled per epoch) or from a batch iterable (a PyDataset/Sequence, a
generator, any iterable of (x, y[, sample_weight]) batches)."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import config
from .._dataset import Dataset
from .._typing import TensorLike
from ..distribution import _training as data_parallel
from . import data

_RAN_OUT = (
    "Your input ran out of data; interrupting training. Make sure that your dataset or generator can "
    "generate at least `steps_per_epoch * epochs` batches. You may need to use the `.repeat()` function when "
    "building your dataset."
)


def is_indexable(source):
    return hasattr(source, "__getitem__") and hasattr(source, "__len__") and not hasattr(source, "__next__")


def executions(batches: Any, per_execution: int) -> Any:
    """Groups an epoch's (step, batch) pairs into runs of `per_execution` batches (Keras 3's
    steps_per_execution): yields (first step, [batches]); the last run may be shorter."""
    group: list = []
    first = 0
    for step, batch in batches:
        if not group:
            first = step
        group.append(batch)
        if len(group) == per_execution:
            yield first, group
            group = []
    if group:
        yield first, group


class EpochIterator:
    """Keras 3's EpochIterator: yields (step, batch) for one epoch at a time.

    `source` is a callable returning a fresh iterator of ready batches (arrays), or a batch
    iterable (PyDataset/Sequence, generator, iterable) whose items go through `align`.
    With `steps_per_epoch`, one iterator runs on across epochs and is only restarted once
    exhausted (warning when an epoch is cut short), as in Keras; without it each epoch
    walks the whole source.  A PyDataset gets on_epoch_begin/on_epoch_end calls."""

    def __init__(self, source, align, num_batches=None, steps_per_epoch=None, shuffle=False, before_shuffle=None):
        self.source, self.align = source, align
        self.steps_per_epoch = steps_per_epoch
        self.shuffle = shuffle
        self.before_shuffle = before_shuffle  # data-parallel: agree on the random state first
        if num_batches is None and not callable(source):
            num_batches = len_or_none(source) if is_indexable(source) else None
            if num_batches is None and hasattr(source, "num_batches") and not callable(source.num_batches):
                num_batches = source.num_batches
        self._num_batches = num_batches
        self._current = None
        self._seen = 0
        self._hook("on_epoch_end")  # Keras resets the adapter (and so ends an epoch) first

    @property
    def num_batches(self):
        return self.steps_per_epoch or self._num_batches

    def _hook(self, name):
        if not callable(self.source):
            hook = getattr(self.source, name, None)
            if callable(hook):
                hook()

    def _fresh(self):
        if callable(self.source):
            return iter(self.source())
        if is_indexable(self.source):
            indices = list(range(len(self.source)))
            if self.shuffle:
                if self.before_shuffle is not None:
                    self.before_shuffle()
                np.random.shuffle(indices)
            return (self.source[i] for i in indices)
        return iter(self.source)

    def _next(self, iterator):
        batch = next(iterator)
        return batch if self.align is None else self.align(batch)

    def epoch(self):
        self._hook("on_epoch_begin")
        steps = self.steps_per_epoch or self._num_batches or -1
        if steps > 0:
            if self._current is None or self.steps_per_epoch is None:
                self._current, self._seen = self._fresh(), 0
            for step in range(steps):
                if self._num_batches and self._seen >= self._num_batches:
                    if self.steps_per_epoch:
                        warnings.warn(_RAN_OUT, stacklevel=3)
                    break
                self._seen += 1
                try:
                    batch = self._next(self._current)
                except StopIteration:
                    if self._num_batches is None:
                        self._num_batches = self._seen - 1
                    warnings.warn(_RAN_OUT, stacklevel=3)
                    self._current = None
                    break
                yield step, batch
            if self._num_batches and self._seen >= self._num_batches:
                self._current, self._seen = self._fresh(), 0
        else:
            iterator, step = self._fresh(), 0
            while True:
                try:
                    batch = self._next(iterator)
                except StopIteration:
                    if self._num_batches is None:
                        self._num_batches = step
                    warnings.warn(_RAN_OUT, stacklevel=3)
                    break
                yield step, batch
                step += 1
        self._hook("on_epoch_end")


def capped_steps(steps: int | None) -> int | None:
    """`steps` under the debugging cap of config.set_max_steps_per_epoch /
    KERAS_MAX_STEPS_PER_EPOCH (with Keras's warning when it applies)."""
    cap = config.max_steps_per_epoch()
    if cap and (not steps or cap < steps):
        warnings.warn(f"Limiting steps_per_epoch to {cap}", stacklevel=3)
        return cap
    return steps


def array_batch_size(batch_size: int | None, samples: int, steps: int | None) -> int:
    """Keras's batch size for arrays: the given one, else enough for `steps` batches to
    cover every sample (ceil(samples / steps)), else 32."""
    if batch_size:
        return batch_size
    return max(1, math.ceil(samples / steps)) if steps else 32


def len_or_none(x):
    try:
        return len(x)
    except TypeError:
        return None


def for_data(
    model: Any,
    x: TensorLike,
    y: TensorLike,
    sample_weight: Any,
    batch_size: int | None,
    steps: int | None,
    shuffle: Any,
    class_weight: Any = None,
    warned: Any = None,
    shard: tuple[int, int] | None = None,
) -> EpochIterator:
    """The iterator fit / evaluate walk: over arrays (aligned with the model once, batched
    per epoch) or over a batch iterable whose batches are aligned as they come.

    `shard` (process, processes): a data-parallel job's process takes its share of every
    batch (data_parallel.LocalBatch); the shuffled order is the same on every process."""
    sync = data_parallel.sync_numpy_random if shard is not None else None
    steps = capped_steps(steps)
    if data.is_batch_iterable(x):
        if class_weight is not None or sample_weight is not None:
            raise ValueError(
                "`class_weight` and `sample_weight` are not supported for generator inputs; yield "
                "(x, y, sample_weight) batches instead."
            )
        if shuffle and not is_indexable(x) and not isinstance(x, Dataset):
            # (a Dataset shuffles itself, and Keras ignores `shuffle` for a tf.data.Dataset silently)
            warnings.warn(
                "`shuffle=True` was passed, but will be ignored since the data `x` was provided as a "
                "generator. The generator is expected to yield already-shuffled data.",
                stacklevel=3,
            )
            shuffle = False

        def align(batch):
            aligned = data.align_batch(model, batch)
            return aligned if shard is None else _local_batch(aligned, shard)

        return EpochIterator(x, align, steps_per_epoch=steps, shuffle=shuffle, before_shuffle=sync)
    xs: list[np.ndarray]
    ys: list[np.ndarray] | None
    ws: list[np.ndarray | None] | None
    if isinstance(x, data.ListData):  # already aligned (a validation split)
        xs, ys = list(x), None if y is None else list(y)
        ws = None if sample_weight is None else list(sample_weight)
    else:
        xs, ys = data.align_x(model, x, warned), data.align_y(model, y, warned)
        ws = data.align_weights(model, sample_weight, class_weight, ys)
    # ys may be None: a model whose loss needs no targets (add_loss, a compute_loss override)
    n = data.check_cardinality(xs, ys, ws)
    size = array_batch_size(batch_size, n, steps)

    def batches():
        if shuffle and sync is not None:
            sync()
        order = np.random.permutation(n) if shuffle else np.arange(n)
        if shuffle == "batch":  # Keras: shuffle whole batches, then within each batch
            order = np.arange(n)
            starts = np.random.permutation(math.ceil(n / size)) * size
            order = np.concatenate([np.random.permutation(order[s : s + size]) for s in starts]) if n else order
        return _array_batches(xs, ys, ws, size, bool(shuffle), order, shard)

    return EpochIterator(batches, None, num_batches=math.ceil(n / size), steps_per_epoch=steps)


def for_prediction(model: Any, x: TensorLike, batch_size: int | None, steps: int | None) -> EpochIterator:
    """The iterator predict walks: inputs only (a batch tuple's first item for an iterable)."""
    steps = capped_steps(steps)
    if data.is_batch_iterable(x):

        def align(batch):
            if isinstance(batch, tuple):  # (x,), (x, y) or (x, y, sample_weight): x only
                batch = batch[0]
            return data.align_x(model, batch)

        return EpochIterator(x, align, steps_per_epoch=steps)
    xs = data.align_x(model, x)
    n = data.check_cardinality(xs, None)
    size = array_batch_size(batch_size, n, steps)

    def batches():
        for s in range(0, n, size):
            yield data.take(xs, slice(s, s + size))

    return EpochIterator(batches, None, num_batches=math.ceil(n / size), steps_per_epoch=steps)


def _array_batches(xs, ys, ws, batch_size, shuffle, order, shard=None):
    """Yields (x_list, y_list, weights_list_or_None) batches of aligned arrays, in `order`
    (with `shard`, this process's share of each)."""
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        rows = None
        if shard is not None:
            part, rows = data_parallel.local_part(len(chunk), shard)
            chunk = chunk[part]
        if not shuffle and len(chunk) and chunk[-1] - chunk[0] == len(chunk) - 1:
            chunk = slice(int(chunk[0]), int(chunk[-1]) + 1)  # contiguous: views, no copies
        batch = (data.take(xs, chunk), data.take(ys, chunk), data.take_weights(ws, chunk))
        yield batch if rows is None else data_parallel.make_local(batch, rows)


def _local_batch(batch, shard):
    """This process's share of an aligned (x, y, sample_weight) batch."""
    bx, by, bw = batch
    part, rows = data_parallel.local_part(data_parallel.rows_of(batch), shard)
    return data_parallel.make_local((data.take(bx, part), data.take(by, part), data.take_weights(bw, part)), rows)
