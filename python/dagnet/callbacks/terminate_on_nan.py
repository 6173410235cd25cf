"""TerminateOnNaN: stop training at a NaN or infinite loss."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._progbar import print_msg
from .callback import Callback


class TerminateOnNaN(Callback):
    """Stops training when a training batch's ``loss`` is NaN or infinite.

    Prints ``Batch <n>: Invalid loss, terminating training`` and sets
    ``model.stop_training``; with ``raise_error=True`` raises ``RuntimeError`` instead,
    which skips the other callbacks' ``on_train_end``.
    """

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None or not (np.isnan(loss) or np.isinf(loss)):
            return
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. Terminating training immediately."
            )
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
