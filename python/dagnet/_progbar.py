"""A Keras 3 style text progress bar, used by ``callbacks.ProgbarLogger``.

Output matches ``keras.utils.Progbar`` (Keras 3.15):

* ``verbose=1`` on an interactive display (a TTY, Jupyter, PyCharm): one live line rewritten
  in place with ``\\b``/``\\r``, throttled to one redraw per ``interval`` seconds::

      12/50 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - loss: 0.6931 - acc: 0.5000

  (step counter in bold, done part of the bar green, the rest white, the ETA in bold).
* ``verbose=1`` anywhere else (a log file, a pipe): only the final line of each bar, plain
  text.  Keras 3 treats every POSIX process as interactive and fills log files with
  ``\\r`` redraws and colour codes; one clean line per epoch is what a log wants.
* ``verbose=2``: one line when the bar finishes, ``50/50 - 0s - 3ms/step - loss: 0.6931``.
  (Keras picks scientific notation there by ``value > 1e-3``, so it prints -0.5 as
  ``-5.0000e-01``; both modes here use the magnitude, as Keras's verbose=1 does.)

Time is read through the module-level ``_now`` so tests can drive a fake clock.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from typing import Any

import numpy as np

__all__ = [
    "Progbar",
    "disable_interactive_logging",
    "enable_interactive_logging",
    "format_eta",
    "format_time_per_unit",
    "format_value",
    "is_interactive_logging_enabled",
    "print_msg",
]

_now = time.time

_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_WHITE = "\x1b[37m"
_RESET = "\x1b[0m"
_BAR_CHAR = "━"


def format_eta(seconds):
    """Keras's ETA text: ``'42s'``, ``'1:02'`` (m:ss) or ``'1:02:03'`` (h:mm:ss)."""
    if seconds > 3600:
        return "%d:%02d:%02d" % (seconds // 3600, (seconds % 3600) // 60, seconds % 60)
    if seconds > 60:
        return "%d:%02d" % (seconds // 60, seconds % 60)
    return "%ds" % seconds


def format_time_per_unit(seconds, unit_name="step"):
    """Keras's per-unit duration: ``'2s/step'``, ``'3ms/step'`` or ``'25us/step'``.

    Zero (nothing measured yet) is shown as ``'0s/step'``, as Keras does.
    """
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


def format_value(value):
    """A metric value as the bar shows it: 4 decimals, scientific below 1e-3 in magnitude."""
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


_interactive_logging = True


def enable_interactive_logging() -> None:
    """Progress bars and training messages go to stdout (the default), as in Keras."""
    global _interactive_logging
    _interactive_logging = True


def disable_interactive_logging() -> None:
    """Progress bars and training messages go to the ``dagnet`` logger (``logging.info``)
    instead of stdout: Keras sends them to absl logging, for runs whose output is a log."""
    global _interactive_logging
    _interactive_logging = False


def is_interactive_logging_enabled() -> bool:
    """Whether messages go to stdout (True) or to the ``dagnet`` logger (False)."""
    return _interactive_logging


def print_msg(message, line_break=True, stream=None):
    """Writes ``message`` to ``stream`` (default: the current ``sys.stdout``) and flushes;
    with interactive logging disabled and no explicit stream, logs it instead.

    Like Keras, a console whose encoding cannot show the bar character gets ``=`` instead,
    and anything else it cannot encode is dropped rather than raising mid-training.
    """
    if stream is None and not _interactive_logging:
        logging.getLogger("dagnet").info(message)
        return
    stream = stream if stream is not None else sys.stdout
    message = f"{message}\n" if line_break else str(message)
    try:
        stream.write(message)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        message = message.replace(_BAR_CHAR, "=")
        stream.write(message.encode(encoding, errors="ignore").decode(encoding))
    stream.flush()


def _is_interactive(stream):
    """Whether the bar can be redrawn in place on ``stream``."""
    isatty = getattr(stream, "isatty", None)
    try:
        if isatty is not None and isatty():
            return True
    except ValueError:  # a closed stream
        return False
    # Notebooks and PyCharm's console render '\r' even though they are not TTYs.
    return "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


class Progbar:
    """Displays a progress bar, Keras 3 style.

    Args:
        target: Total number of steps expected, ``None`` if unknown.
        width: Width of the bar, in characters.
        verbose: 0 (silent), 1 (live bar) or 2 (one line when done).
        interval: Minimum time between two redraws of the live bar, in seconds.
        stateful_metrics: Names of metrics shown as given, not averaged.  Every other
            metric is shown as its running average over steps (weighted by the number of
            steps, or samples when counting samples, since the previous update).
        stateless_metrics: The converse: names to average, every other metric is shown
            as given.  Give at most one of the two.
        unit_name: Name of what ``current`` counts, for the ``3ms/step`` field.
        stream: Where to write; ``None`` means ``sys.stdout`` at the time of writing.
    """

    def __init__(
        self,
        target: int | None,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Any = None,
        stateless_metrics: Any = None,
        unit_name: str = "step",
        stream: Any = None,
    ) -> None:
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be provided. "
                "`stateful_metrics` is used to make metrics stateless by default (with an "
                "exclusion list), while `stateless_metrics` is used to make metrics "
                "stateful by default (with an exclusion list)."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ()) if stateless_metrics is None else None
        self.stateless_metrics = set(stateless_metrics) if stateless_metrics is not None else None
        self._stream = stream
        # Logged lines (interactive logging disabled) are never redrawn: final lines only.
        logged = stream is None and not _interactive_logging
        self._dynamic_display = not logged and _is_interactive(stream if stream is not None else sys.stdout)
        self._seen_so_far = 0
        # name -> [weighted sum, weight]; a stateful value is stored as [value, 1].
        self._values: dict[str, list[Any]] = {}
        self._values_order: list[str] = []
        self._start = _now()
        self._last_update: float | None = None
        self._time_after_first_step: float | None = None
        self._prev_total_width = 0

    def _averaged(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return self.stateless_metrics is not None and name in self.stateless_metrics

    def update(self, current: int, values: Any = None, finalize: bool | None = None) -> None:
        """Moves the bar to step ``current``.

        Args:
            current: Index of the current step (1-based count of steps done).
            values: ``(name, value)`` pairs (or a dict) for the last step.  Averaged names
                accumulate ``value`` weighted by the steps since the previous update;
                the others are displayed as given.
            finalize: Whether this is the last update; default ``current >= target``.
                A finalizing update shows every value as given: callers pass the
                epoch's final (already aggregated) logs there.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if isinstance(values, dict):
            values = values.items()
        for name, value in values or ():
            if name not in self._values:
                self._values_order.append(name)
            if self._averaged(name) and not finalize:
                # max(..., 1): an update that repeats the previous step still counts once.
                weight = max(current - self._seen_so_far, 1)
                total = self._values.get(name)
                if total is None:
                    self._values[name] = [value * weight, weight]
                else:
                    total[0] += value * weight
                    total[1] += weight
            else:
                self._values[name] = [value, 1]
        self._seen_so_far = current

        now = _now()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if not self._dynamic_display:
                if finalize:
                    print_msg(
                        self._live_line(current, now, time_per_unit, finalize, color=False)[0], stream=self._stream
                    )
            else:
                if self._last_update is not None and now - self._last_update < self.interval and not finalize:
                    return  # throttled: keep the redraw rate bounded on fast loops
                line, visible_width = self._live_line(current, now, time_per_unit, finalize, color=True)
                # Step back over the previous line and blank whatever the new one does not
                # cover, so a shorter line leaves no debris.
                message = "\b" * self._prev_total_width + "\r" + line
                if self._prev_total_width > visible_width:
                    message += " " * (self._prev_total_width - visible_width)
                if finalize:
                    message += "\n"
                print_msg(message, line_break=False, stream=self._stream)
                self._prev_total_width = visible_width
        elif self.verbose == 2:
            if finalize and self.target is not None and self.target > 0:
                numdigits = int(math.log10(self.target)) + 1
                line = f"%{numdigits}d/%d" % (current, self.target)
                line += f" - {now - self._start:.0f}s"
                line += f" - {format_time_per_unit(time_per_unit, self.unit_name)}"
                line += self._metrics_text()
                print_msg(line, stream=self._stream)
        self._last_update = now

    def add(self, n: int, values: Any = None) -> None:
        """Advances the bar by ``n`` steps; see ``update``."""
        self.update(self._seen_so_far + n, values)

    def _live_line(self, current, now, time_per_unit, finalize, color):
        """The verbose=1 line and its visible width (without colour codes)."""

        def paint(text, code):
            return f"{code}{text}{_RESET}" if color else text

        if self.target is not None and self.target > 0:
            numdigits = int(math.log10(self.target)) + 1
            counter = f"%{numdigits}d/%d" % (current, self.target)
            done = int(self.width * float(current) / self.target)
            filled, empty = _BAR_CHAR * done, _BAR_CHAR * (self.width - done)
            bar = paint(counter, _BOLD) + " "
            if filled:
                bar += paint(filled, _GREEN)
            bar += paint(empty, _WHITE)
            width = len(counter) + 1 + len(filled) + len(empty)
        else:
            bar = "%7d/Unknown" % current
            width = len(bar)
        if self.target is not None and self.target > 0 and not finalize:
            clock = format_eta(time_per_unit * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"  # elapsed since the bar started
        rest = f" {format_time_per_unit(time_per_unit, self.unit_name)}" + self._metrics_text()
        line = bar + " " + paint(clock, _BOLD) + rest
        return line, width + 1 + len(clock) + len(rest)

    def _metrics_text(self):
        text = ""
        for name in self._values_order:
            total, weight = self._values[name]
            if not isinstance(total, float):
                total = float(np.mean(total))
            text += f" - {name}: {format_value(total / max(1, weight))}"
        return text

    def _estimate_step_duration(self, current, now):
        """Seconds per step.  The first step (tracing, allocation) is not representative,
        so once past it the estimate counts from the end of step 1, as Keras does."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit
