"""TensorBoard: not available (see the class)."""

from __future__ import annotations

from typing import Any

from .callback import Callback


class TensorBoard(Callback):
    """Not available in dagnet: writing TensorBoard event files needs TensorFlow's summary
    writer.  Constructing one raises ``NotImplementedError`` rather than training silently
    without logs; use ``CSVLogger`` or ``History`` instead."""

    def __init__(self, log_dir: str = "logs", *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            "dagnet does not implement the TensorBoard callback (it needs TensorFlow's event-file "
            "writer). Use `callbacks.CSVLogger` or the History returned by `fit` instead."
        )
