"""A model lowered for one input signature: the native engine (a Trainer for 'train', an
Executor for 'eval' and 'predict'), the order its inputs are fed in and how its fetched
values become logs; plus what travels between Python and the native step (constraints,
the optimizer's saved state)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


class Runner:
    """A lowered graph for one input signature: what to feed, in which order, and what comes back."""

    python_constraints: Sequence[Any] = ()  # variables whose (custom) constraint runs after each step
    optimizer_name: str | None = None
    allreduce = False  # a data-parallel training graph (gradients reduced over processes)
    synced_generation = -1  # the fit whose start synced this graph's replicas

    def __init__(self, engine, feed_order, log_spec, graph):
        self.engine = engine
        self.feed_order = feed_order  # ("x"|"y"|"w", index) per required engine input
        self.log_spec = log_spec  # how fetched values become logs (train/eval)
        self._graph = graph

    def feeds(self, x, y, w=None, rows=None):
        """The engine's inputs in its order. A data-parallel training step also takes
        "gradient_weight": this process's real rows in the step (`rows`; default the batch's)."""
        sources = {"x": x, "y": y, "w": w}
        out = []
        for kind, i in self.feed_order:
            if kind == "n":
                n = rows if rows is not None else len((x or y)[0])
                out.append(np.array(n, dtype=np.float64))
            else:
                out.append(sources[kind][i])
        return out

    @property
    def learning_rate(self):
        return self.engine.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.engine.learning_rate = value

    @property
    def slots(self):
        return self.engine.slots

    @property
    def iterations(self):
        return getattr(self.engine, "iterations", 0)

    @iterations.setter
    def iterations(self, steps):
        self.engine.iterations = int(steps)


def constraints_of(variables):
    """Split trainable variables' constraints into the engine's (index, attrs) list and the
    variables whose constraint Python applies after each step."""
    native, python_side = [], []
    for index, variable in enumerate(variables):
        constraint = getattr(variable, "constraint", None)
        if constraint is None:
            continue
        native_attrs = getattr(constraint, "native_attrs", None)
        attrs = native_attrs(variable.ndim) if native_attrs else None
        if attrs is not None:
            native.append((index, attrs))
        else:
            python_side.append(variable)
    return native, python_side


def restore_optimizer_state(runner: Any, state: Any) -> None:
    slots = [v for per_param in runner.slots for v in per_param]
    state = list(state)
    if runner.optimizer_name == "nadam" and state:  # Keras's last variable: u_product
        runner.engine.u_product = float(state.pop())
    # [iterations, learning_rate, *slots], or [iterations, *slots] for a schedule (no rate variable).
    if len(state) - len(slots) not in (1, 2):
        raise ValueError(
            f"The saved optimizer state has {len(state) - 2} slot variables; this optimizer has "
            f"{len(slots)} (was the model compiled with a different optimizer?)"
        )
    runner.iterations = int(state[0])
    for value, slot in zip(state[len(state) - len(slots) :], slots):
        tensor = runner.engine.slot_tensor(slot)  # on the model's device: copy_from crosses over
        tensor.copy_from(np.array(value, dtype=tensor.dtype, order="C"))


def weight_ranks(w):
    return None if w is None else tuple(None if a is None else a.ndim for a in w)
