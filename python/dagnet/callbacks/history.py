"""History: each epoch's logs, returned by fit."""

from __future__ import annotations

from typing import Any

from .callback import Callback


class History(Callback):
    """Records each epoch's logs; ``fit`` returns it, and it becomes ``model.history``.

    Attributes:
        history: Dict mapping each log name to its list of per-epoch values.
        epoch: The epoch indices recorded by the latest ``fit``.
        params: The loop parameters (``verbose``, ``epochs``, ``steps``).

    As in Keras, ``history`` is not cleared by a new ``fit``: a History instance passed
    to several fits keeps appending.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self
