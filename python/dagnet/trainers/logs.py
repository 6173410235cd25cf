"""Keras's logs from the values a lowered graph fetches: which fetched value feeds which log
(a LogSpec, made while the losses and metrics are lowered) and their float32 running sums
over the batches of an epoch (a LogAccumulator), then Keras 3's order of the results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

_F32 = np.float32


class LogSpec:
    """How a lowered graph's fetched values become Keras's logs. Each log is built from
    accumulators: a fetched value times a per-batch multiplier, summed over batches.

    multipliers: ("last",) no sum, the latest value; ("batch",) batch size; ("outdim", j)
    output j's y.shape[1] (what Keras 3's per-output loss trackers weigh batches by: a
    constant for fixed-shape outputs, so a plain mean of the batches); ("rows", j, r) the
    positions of output j (product of y.shape[:r]); ("swsum", j) the sum of output j's fed
    sample weights; ("fetch", k) fetched value k; ("one",) 1 (a sum)."""

    def __init__(self):
        self.slots = []  # (fetch index or None for 1, multiplier)
        self.logs = []  # (name, slot indices, fn(sums) -> value)

    def _slot(self, index, multiplier):
        self.slots.append((index, multiplier))
        return len(self.slots) - 1

    def mean(self, name, index, multiplier, finalize=None):
        num, den = self._slot(index, multiplier), self._slot(None, multiplier)
        self.logs.append((name, (num, den), lambda s: _finalized(finalize, _F32(s[0]) / _F32(s[1]) if s[1] else 0.0)))

    def sums(self, name, indices, fn):
        """A log taken from running sums by fn; a vector result (F1Score's one value per class)
        stays a float32 array, as Keras 3 logs it."""
        self.logs.append((name, tuple(self._slot(i, ("one",)) for i in indices), lambda s: fetched(fn(s))))

    def last(self, name, index):
        """A value reported as the latest batch's (a compute_metrics override's raw value)."""
        self.logs.append((name, (self._slot(index, ("last",)),), lambda s: s[0]))

    def select(self, names):
        """Keep only the logs `names` maps to ({reported name: logged name})."""
        by_name = {name: (slots, fn) for name, slots, fn in self.logs}
        self.logs = [(new, *by_name[old]) for new, old in names.items()]


def fetched(value):
    """A scalar (or one-element array) as a float; a vector (AUC's counts per threshold, F1Score's
    per-class scores) as float32."""
    array = np.asarray(value)
    return float(array.reshape(())) if array.size == 1 else array.astype(np.float32)


def _finalized(fn, value):
    return fetched(value if fn is None else fn(value))


class LogAccumulator:
    """Keras's stateful metrics over the batches of an epoch (or one *_on_batch call)."""

    def __init__(self) -> None:
        self.spec: LogSpec | None = None
        self.sums: list[Any] = []

    def add(
        self,
        spec: LogSpec,
        values: list[Any],
        bx: list[np.ndarray],
        by: list[np.ndarray] | None,
        bw: list[np.ndarray | None] | None = None,
        include: bool = True,
    ) -> LogAccumulator:
        """Adds a batch's fetched values; `include` False only registers the spec (a
        data-parallel process's stand-in row: it takes part in the step, not in the logs)."""
        if self.spec is not spec:
            if self.spec is not None and [n for n, _, _ in self.spec.logs] != [n for n, _, _ in spec.logs]:
                self.sums = []  # a different graph with different logs: start afresh
            self.spec = spec
            if len(self.sums) != len(spec.slots):
                self.sums = [0.0] * len(spec.slots)
        if not include:
            return self
        # float32 throughout, as Keras's metric variables (total, count) are float32
        for k, (index, multiplier) in enumerate(spec.slots):
            if multiplier[0] == "last":
                self.sums[k] = values[index]
                continue
            value = _F32(1.0 if index is None else values[index])
            self.sums[k] = _F32(self.sums[k] + value * _F32(_multiplier(multiplier, values, bx, by, bw)))
        return self

    def result(self, allreduce: Any = None) -> dict[str, Any]:
        """The logs. `allreduce` (data-parallel: sums a float64 vector over processes) makes
        them the whole job's: totals and counts are summed, so a mean is over every
        process's batches, as one process's would be; a "last" value is averaged."""
        if self.spec is None:
            return {}
        sums = self.sums if allreduce is None else self._reduced(allreduce)
        return {name: fn([sums[k] for k in slots]) for name, slots, fn in self.spec.logs}

    def _reduced(self, allreduce: Any) -> list[Any]:
        assert self.spec is not None
        parts = [np.ravel(np.asarray(s, dtype=np.float64)) for s in self.sums]
        total = allreduce(np.concatenate(parts + [np.ones(1)]))  # the last element counts processes
        reduced: list[Any] = []
        at = 0
        for (_, multiplier), value, part in zip(self.spec.slots, self.sums, parts):
            summed = total[at : at + part.size] / (total[-1] if multiplier[0] == "last" else 1.0)
            at += part.size
            reduced.append(summed.reshape(np.shape(value)).astype(_F32) if np.ndim(value) else _F32(summed[0]))
        return reduced


def _multiplier(spec, values, bx, by, bw):
    kind = spec[0]
    if kind == "batch":
        return len(bx[0]) if bx else (len(by[0]) if by else 1)
    if kind == "outdim":
        y = by[spec[1]]
        return y.shape[1] if y.ndim >= 2 else 1
    if kind == "rows":
        y = by[spec[1]]
        return int(np.prod(y.shape[: spec[2]])) if spec[2] <= y.ndim else len(y)
    if kind == "swsum":
        return float(np.sum(bw[spec[1]]))
    if kind == "fetch":
        return values[spec[1]]
    return 1.0


def keras_order(logs: dict, output_losses: list, metric_names: Sequence[str] = ()) -> list:
    """Keras 3's result order (Trainer._flatten_metrics_in_order over model.metrics): the
    total loss, the compiled metrics in compile order (those whose name is a log key: all of
    them for one output, none of the output-prefixed ones for several), each output's loss
    (output order), then the other logs sorted by name."""
    first: list = []
    for name in ["loss", *metric_names, *output_losses]:
        if name in logs and name not in first:
            first.append(name)
    return first + sorted(k for k in logs if k not in first)


def logs_result(logs: dict, output_losses: list, metric_names: Sequence[str] = ()) -> Any:
    """What evaluate / *_on_batch return without return_dict: one value or a list in Keras's order."""
    values = [logs[k] for k in keras_order(logs, output_losses, metric_names)]
    return values[0] if len(values) == 1 else values


def sorted_logs(logs: dict) -> dict:
    return {k: logs[k] for k in sorted(logs)}
