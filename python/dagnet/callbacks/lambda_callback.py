"""LambdaCallback: a callback built from plain functions."""

from __future__ import annotations

from typing import Any

from .callback import Callback


class LambdaCallback(Callback):
    """A callback built from plain functions.

    ``on_epoch_begin/end(epoch, logs)``, ``on_train_begin/end(logs)`` and
    ``on_train_batch_begin/end(batch, logs)`` are named arguments; any other hook can be
    given by keyword with its ``Callback`` signature (e.g. ``on_test_end=fn``,
    ``on_batch_end=fn``).  Batch hooks receive ``logs`` as a keyword argument.
    """

    def __init__(
        self,
        on_epoch_begin: Any = None,
        on_epoch_end: Any = None,
        on_train_begin: Any = None,
        on_train_end: Any = None,
        on_train_batch_begin: Any = None,
        on_train_batch_end: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)
