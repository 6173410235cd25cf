"""ProgbarLogger: the Keras 3 progress bar of fit / evaluate / predict."""

from __future__ import annotations

from typing import Any

from .._progbar import Progbar, print_msg
from .callback import Callback


class ProgbarLogger(Callback):
    """Prints a progress bar per epoch (and for evaluate/predict), Keras 3 style.

    Prints ``Epoch i/n`` before each epoch when there is more than one.  Inside ``fit``
    the validation run is silent; ``evaluate`` and ``predict`` get their own bar.  Logs are
    shown as given (the loop passes metrics already aggregated over the epoch).
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0
        self.progbar: Progbar | None = None
        self.target: int | None = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._called_in_fit = True  # validation inside fit stays silent

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        # Keras leaves this set; reset so a later evaluate() with the same logger shows.
        self._called_in_fit = False

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._update_progbar(batch, None)  # predictions are not metrics

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._finalize_progbar(logs)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self) -> Progbar:
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step", stateless_metrics=set())
        return self.progbar

    def _update_progbar(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        progbar = self._maybe_init_progbar()
        self.seen = batch + 1  # batch is 0-based
        if self.verbose == 1:
            progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize_progbar(self, logs: dict[str, Any] | None) -> None:
        progbar = self._maybe_init_progbar()
        if self.target is None:
            # Unknown length (a generator): the first epoch teaches us the step count.
            self.target = self.seen
            progbar.target = self.target
        progbar.update(self.target, list((logs or {}).items()), finalize=True)
