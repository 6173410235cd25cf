"""The base Callback: the hooks that fit / evaluate / predict call, all doing nothing."""

from __future__ import annotations

from typing import Any


class Callback:
    """Base class for callbacks.  Override the hooks you need; the defaults do nothing.

    Attributes:
        model: The model being trained, evaluated or run (set by ``set_model``).
        params: Dict of loop parameters (``verbose``, ``epochs``, ``steps``), set by
            ``set_params``.

    ``on_train_batch_begin/end`` call ``on_batch_begin/end`` by default, so callbacks
    written against the Keras 2 names keep working for training batches.
    """

    def __init__(self) -> None:
        self.params: dict[str, Any] | None = None
        self._model: Any = None

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def set_model(self, model: Any) -> None:
        self._model = model

    @property
    def model(self) -> Any:
        return self._model

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Keras 2 alias of ``on_train_batch_begin``."""

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Keras 2 alias of ``on_train_batch_end``."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the start of epoch ``epoch`` (0-based) in ``fit``."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the end of an epoch with its metrics (validation ones as ``val_*``)."""

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called before a training batch (``batch`` is 0-based within the epoch)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called after a training batch with the metrics aggregated so far this epoch."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called before a batch of ``evaluate`` (or of validation inside ``fit``)."""

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called after a batch of ``evaluate`` (or of validation inside ``fit``)."""

    def on_predict_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called before a batch of ``predict``."""

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called after a batch of ``predict``."""

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Called once at the start of ``fit``."""

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Called once at the end of ``fit``."""

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Called at the start of ``evaluate`` (and of each validation run in ``fit``)."""

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        """Called at the end of ``evaluate`` (and of each validation run in ``fit``)."""

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Called at the start of ``predict``."""

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        """Called at the end of ``predict``."""
