"""What fit / evaluate / train_on_batch do differently in a multi-process DataParallel job:
each process's share of every global batch, the start-of-training sync (same model on
every process, process 0's weights and optimizer state), logs reduced over processes,
stop decisions agreed, and files written by process 0. (A failure on one process ends the
job: _process_group's hook for uncaught errors, and the collectives' watchdog.)"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .. import _engine, callbacks as callbacks_module
from ..layers.batch_normalization import BatchNormalization
from . import DataParallel, _process_group, distribution

# Gradient buckets of about this many bytes (PyTorch DDP's default): big enough to keep
# the per-collective latency small, small enough that the first buckets' communication
# overlaps the rest of the backward pass.
BUCKET_BYTES = 25 << 20


def active() -> DataParallel | None:
    """The current DataParallel when this is a multi-process job, else None."""
    current = distribution()
    if isinstance(current, DataParallel) and _process_group.size() > 1:
        return current
    return None


def shard() -> tuple[int, int] | None:
    """(this process, processes) when fit / evaluate split each global batch, else None."""
    current = active()
    if current is None or not current.auto_shard_dataset:
        return None
    return _process_group.rank(), _process_group.size()


def is_chief() -> bool:
    """Process 0 (or a single process): the one that prints and writes files."""
    return active() is None or _process_group.rank() == 0


# -- batches ----------------------------------------------------------------------------------
class LocalBatch(tuple):
    """This process's part of a global batch: (x, y, sample_weight) lists, plus `rows`, the
    real rows in it (0 when the global batch had too few rows to give this process one: it
    then holds one stand-in row, which trains nothing and counts in no log)."""

    rows: int


def shard_rows(rows: int, index: int, count: int) -> tuple[int, int]:
    """[lo, hi) of process `index`'s rows: consecutive, the first `rows % count` processes
    one row more."""
    base, extra = divmod(rows, count)
    lo = index * base + min(index, extra)
    return lo, lo + base + (1 if index < extra else 0)


def local_part(rows: int, where: tuple[int, int]) -> tuple[slice, int]:
    """(the slice of a global batch of `rows` rows this process takes, its real rows)."""
    lo, hi = shard_rows(rows, *where)
    if hi > lo:
        return slice(lo, hi), hi - lo
    return slice(0, 1), 0  # a stand-in row: every process runs every step


def make_local(batch: tuple, rows: int) -> LocalBatch:
    local = LocalBatch(batch)
    local.rows = rows
    return local


def rows_of(batch: Any) -> int:
    """The real rows of a batch tuple ((x, y, w) lists)."""
    rows = getattr(batch, "rows", None)
    if rows is not None:
        return int(rows)
    for arrays in batch[:2]:
        if arrays:
            return len(arrays[0])
    return 0


def counts(batch: Any) -> bool:
    """Whether a batch's results enter the logs (a stand-in row's do not)."""
    return getattr(batch, "rows", 1) != 0


def sync_numpy_random() -> None:
    """Every process takes process 0's NumPy global random state, so shuffles agree."""
    state: Any = np.random.get_state(legacy=True)  # ("MT19937", keys, pos, has_gauss, cached_gaussian)
    words = np.concatenate([np.asarray(state[1], np.int64), [state[2], state[3]]]).astype(np.int64)
    words = _process_group.broadcast_array(words)
    cached = float(_process_group.broadcast_array(np.array([state[4]], np.float64))[0])
    np.random.set_state((state[0], words[:-2].astype(np.uint32), int(words[-2]), int(words[-1]), cached))


# -- the start of training ----------------------------------------------------------------------
def _description(model: Any) -> list:
    return [[list(w.shape), str(w.dtype), getattr(w, "path", w.name)] for w in model.weights]


def _summary(description: list) -> str:
    params = sum(int(np.prod(shape)) for shape, _, _ in description)
    return f"{len(description)} weights ({params:,} parameters)"


def check_same_model(model: Any) -> None:
    """Every process built the same model (weights' count, shapes and dtypes), or every
    process raises a ValueError saying which differ and how."""
    mine = _description(model)
    theirs = json.loads(_process_group.broadcast_bytes(json.dumps(mine).encode()).decode())
    differs = [shape_dtype[:2] for shape_dtype in mine] != [shape_dtype[:2] for shape_dtype in theirs]
    rank, size = _process_group.rank(), _process_group.size()
    flags = np.zeros(size)
    flags[rank] = 1.0 if differs else 0.0
    different = [r for r, f in enumerate(_process_group.allreduce_sum(flags)) if f > 0]
    if not different:
        return
    if differs:
        detail = f"this process has {_summary(mine)}, process 0 has {_summary(theirs)}"
        for i, (a, b) in enumerate(zip(mine, theirs)):
            if a[:2] != b[:2]:
                detail += f"; weight {i} ('{a[2]}') is {a[1]} {tuple(a[0])} here and {b[1]} {tuple(b[0])} on process 0"
                break
        message = f"process {rank} built a different model than process 0: {detail}."
    else:
        message = (
            f"process(es) {', '.join(map(str, different))} built a different model than process 0 (this "
            f"process's matches process 0's: {_summary(mine)}); their own messages say how it differs."
        )
    raise _process_group.mark_raised_everywhere(
        ValueError(
            f"dagnet.distribution: {message} Every process must build the same model (same layers and "
            "shapes) before training: run the same model-building code everywhere."
        )
    )


def _mix_dropout_state(model: Any, rank: int) -> None:
    """Each process draws its own dropout masks: the layers' random-state counters
    (Keras's seed_generator_state) start 2**40 * process apart."""
    for weight in model.weights:
        if str(getattr(weight, "path", weight.name)).endswith("seed_generator_state") and weight.dtype == "int64":
            weight.assign(np.asarray(weight.numpy()) + np.int64(rank) * (1 << 40))


def sync_model(model: Any, runner: Any) -> None:
    """At the start of training: the same-model check, then process 0's weights and the
    optimizer state of `runner` (slots, iterations, Nadam's product) on every process."""
    check_same_model(model)
    for weight in model.weights:
        _engine.distributed.broadcast(weight._tensor, 0)
    if runner is not None:
        for slots in runner.slots:
            for slot in slots:
                _engine.distributed.broadcast(runner.engine.slot_tensor(slot), 0)
        scalars = np.array([float(runner.iterations), float(getattr(runner.engine, "u_product", 1.0))])
        scalars = _process_group.broadcast_array(scalars)
        runner.iterations = int(scalars[0])
        if runner.optimizer_name == "nadam":
            runner.engine.u_product = float(scalars[1])
    _mix_dropout_state(model, _process_group.rank())


def average_moving_statistics(model: Any) -> None:
    """BatchNormalization's moving statistics become their mean over processes. During an
    epoch each process's follow its own shard's batch statistics; averaged at each epoch's
    end (a moving average is linear in the batch statistics, so the moving mean is the one a
    single process would have, for shards of equal size), every replica validates and
    saves the same model."""
    variables = [
        v
        for layer in model._flatten_layers()
        if isinstance(layer, BatchNormalization)
        for v in layer.non_trainable_weights
    ]
    if not variables:
        return
    values = [np.asarray(v.numpy(), np.float64) for v in variables]
    total = _process_group.allreduce_sum(np.concatenate([x.ravel() for x in values])) / _process_group.size()
    at = 0
    for variable, value in zip(variables, values):
        variable.assign(total[at : at + value.size].reshape(value.shape).astype(variable.dtype))
        at += value.size


def broadcast_int(value: int) -> int:
    return int(_process_group.broadcast_array(np.array([value], np.int64))[0])


# -- logs and decisions -------------------------------------------------------------------------
def reduce_sums(values: np.ndarray) -> np.ndarray:
    """A log accumulator's sums, summed over processes."""
    return _process_group.allreduce_sum(np.asarray(values, np.float64))


def agree(flag: bool) -> bool:
    """stop_training as every process will act on it: true when any process set it."""
    return _process_group.any_true(bool(flag))


# -- callbacks and failures -----------------------------------------------------------------------
def chief_only_callbacks() -> tuple:
    """Callbacks that print or write files: process 0 runs them, the others do not."""
    return (
        callbacks_module.ProgbarLogger,
        callbacks_module.CSVLogger,
        callbacks_module.ModelCheckpoint,
        callbacks_module.BackupAndRestore,
        callbacks_module.TensorBoard,
        callbacks_module.RemoteMonitor,
    )


def callbacks_for_this_process(callbacks: Any) -> Any:
    if is_chief() or callbacks is None:
        return callbacks
    if isinstance(callbacks, callbacks_module.CallbackList):
        return callbacks
    skipped = chief_only_callbacks()
    flat = callbacks if isinstance(callbacks, (list, tuple)) else [callbacks]
    return [cb for cb in flat if not isinstance(cb, skipped)]
