"""CallbackList: calls every hook on a list of callbacks, in order, with the same plain
logs dict (nested dicts flattened, scalars as floats, keys sorted)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .callback import Callback
from .history import History
from .progbar_logger import ProgbarLogger


def _to_python(value):
    """A log value as Keras's pythonify_logs leaves it: ``float(value)`` when that works
    (any scalar, and a one-element array too), else unchanged."""
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # NumPy on size-1 arrays
            return float(value)
    except Exception:
        return value


def _pythonify_logs(logs):
    """Flattens nested dicts and turns scalars into floats, with keys sorted: every
    callback sees the same plain dict, and History/CSV/progbar list metrics in the same
    (alphabetical) order as Keras."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(_pythonify_logs(value))
        else:
            result[key] = _to_python(value)
    return result


def _flatten(callbacks):
    out = []
    for cb in callbacks or ():
        if isinstance(cb, (list, tuple)):
            out.extend(_flatten(cb))
        else:
            out.append(cb)
    return out


class CallbackList(Callback):
    """Calls every hook on a list of callbacks, in order.

    Args:
        callbacks: Callbacks (nested lists are flattened).
        add_history: Append a ``History`` unless the list already has one.
        add_progbar: Append a ``ProgbarLogger`` unless the list already has one.
        model: The model; each callback gets it, and ``model.history`` is set to the
            History callback.
        **params: Loop parameters (``verbose``, ``epochs``, ``steps``) passed to each
            callback's ``set_params``.

    History and ProgbarLogger come after the user's callbacks, so they see any key a user
    callback adds to the logs (e.g. ``learning_rate``).  Each hook builds one logs dict and
    hands the same dict to every callback.  Unlike Keras, batch-end hooks are always
    dispatched synchronously (Keras may use a thread pool when no callback overrides them).
    """

    def __init__(
        self,
        callbacks: Any = None,
        add_history: bool = False,
        add_progbar: bool = False,
        model: Any = None,
        **params: Any,
    ) -> None:
        super().__init__()
        self.callbacks = _flatten(callbacks)
        self._in_begin_end_block_count = 0
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history, add_progbar):
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model: Any) -> None:
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _begin(self):
        self._in_begin_end_block_count += 1

    def _end(self):
        self._in_begin_end_block_count -= 1
        if self._in_begin_end_block_count < 0:
            raise ValueError("`on_xxx_end` called without corresponding `on_xxx_begin`")

    # Keras passes `logs` by keyword to batch hooks and positionally to the others; user
    # functions in LambdaCallback rely on exactly that.
    def _call_batch_hook(self, hook, batch, logs):
        logs = _pythonify_logs(logs)
        for callback in self.callbacks:
            getattr(callback, hook)(batch, logs=logs)

    def _call_hook(self, hook, *args):
        *head, logs = args
        logs = _pythonify_logs(logs)
        for callback in self.callbacks:
            getattr(callback, hook)(*head, logs)

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch_hook("on_batch_begin", batch, logs)

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch_hook("on_batch_end", batch, logs)

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch_hook("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch_hook("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch_hook("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch_hook("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch_hook("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch_hook("on_predict_batch_end", batch, logs)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_hook("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_hook("on_epoch_end", epoch, logs)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._begin()
        self._call_hook("on_train_begin", logs)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._call_hook("on_train_end", logs)
        self._end()

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._begin()
        self._call_hook("on_test_begin", logs)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        self._call_hook("on_test_end", logs)
        self._end()

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._begin()
        self._call_hook("on_predict_begin", logs)

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        self._call_hook("on_predict_end", logs)
        self._end()
