"""LearningRateScheduler: set the learning rate at each epoch from a schedule."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._progbar import print_msg
from .callback import Callback


def current_learning_rate(optimizer: Any) -> Any:
    """The rate as Keras reads it back: its float32 variable as a Python float."""
    return float(np.float32(optimizer.learning_rate))


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of each epoch from ``schedule``.

    ``schedule(epoch, lr)`` (0-based epoch, current rate) or ``schedule(epoch)`` must
    return a float.  The rate in use is logged as ``learning_rate`` at each epoch end.
    """

    def __init__(self, schedule: Any, verbose: int = 0) -> None:
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = self.schedule(epoch, current_learning_rate(optimizer))
        except TypeError:  # the one-argument form, schedule(epoch)
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {learning_rate}")
        optimizer.learning_rate = learning_rate
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {learning_rate}.")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = current_learning_rate(self.model.optimizer)
