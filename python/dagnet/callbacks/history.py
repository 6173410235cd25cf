"""History: each epoch's logs, returned by fit."""
from __future__ import annotations

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

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self
