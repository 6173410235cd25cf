"""A Keras-style progress bar. On a terminal it redraws one line in place
(`12/50 ━━━━━━━━━━━━━━━━━━━━ 1s 21ms/step - loss: 0.6931`); when output goes to a file or
pipe it prints one plain line per bar when it finishes, so logs stay readable."""
from __future__ import annotations

import math
import sys
import time


def format_time_per_unit(seconds: float, unit: str) -> str:
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit}"
    return f" {seconds * 1e6:.0f}us/{unit}"


def format_eta(seconds: float) -> str:
    if seconds > 3600:
        return "%d:%02d:%02d" % (seconds // 3600, (seconds % 3600) // 60, seconds % 60)
    if seconds > 60:
        return "%d:%02d" % (seconds // 60, seconds % 60)
    return "%ds" % seconds


def format_value(value: float) -> str:
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


class Progbar:
    """Progress of `target` steps (None: unknown). Values are averaged over steps unless
    they are in `stateful_metrics`, which are shown as given."""

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step",
                 stream=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics or ())
        self.unit_name = unit_name
        self.stream = stream or sys.stdout
        self._dynamic = (hasattr(self.stream, "isatty") and self.stream.isatty()) or "ipykernel" in sys.modules
        self._values: dict = {}
        self._order: list = []
        self._seen = 0
        self._start = time.time()
        self._last_update = 0.0
        self._after_first_step = None
        self._prev_width = 0

    def _step_duration(self, current: int, now: float) -> float:
        if not current:
            return 0.0
        if self._after_first_step is not None and current > 1:
            per_step = (now - self._after_first_step) / (current - 1)  # the first step is not representative
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._after_first_step = now
        return per_step

    def update(self, current: int, values=None, finalize=None) -> None:
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._order:
                self._order.append(name)
            if name in self.stateful_metrics or finalize:
                self._values[name] = [value, 1]
            else:
                weight = max(current - self._seen, 1)
                total, count = self._values.get(name, [0.0, 0])
                self._values[name] = [total + value * weight, count + weight]
        self._seen = current
        now = time.time()
        per_step = self._step_duration(current, now)
        if self.verbose == 1:
            if not finalize and (not self._dynamic or now - self._last_update < self.interval):
                return
            self._last_update = now
            self._write_bar(current, per_step, now, finalize)
        elif self.verbose == 2 and finalize:
            counter = self._counter(current)
            line = f"{counter} - {now - self._start:.0f}s -{format_time_per_unit(per_step, self.unit_name)}"
            self.stream.write(line + self._metrics() + "\n")
            self.stream.flush()

    def add(self, n: int, values=None) -> None:
        self.update(self._seen + n, values)

    def _counter(self, current: int) -> str:
        if self.target is None or self.target <= 0:
            return "%7d/Unknown" % current
        digits = int(math.log10(self.target)) + 1
        return f"%{digits}d/%d" % (current, self.target)

    def _metrics(self) -> str:
        text = ""
        for name in self._order:
            total, count = self._values[name]
            text += f" - {name}: {format_value(total / max(1, count))}"
        return text

    def _write_bar(self, current: int, per_step: float, now: float, finalize: bool) -> None:
        bar = self._counter(current)
        if self.target:
            filled = int(self.width * min(current / self.target, 1.0))
            if self._dynamic:  # green for done, grey for to do, as Keras draws it
                bar += f" \x1b[32m{'━' * filled}\x1b[0m\x1b[37m{'━' * (self.width - filled)}\x1b[0m"
            else:  # logs get no escape codes (and only the finished, full bar)
                bar += " " + "━" * self.width
        if self.target and not finalize:
            info = f" {format_eta(per_step * (self.target - current))}"
        else:
            info = f" {now - self._start:.0f}s"
        info += format_time_per_unit(per_step, self.unit_name) + self._metrics()
        line = bar + info
        if self._dynamic:
            width = len(line) - (18 if self.target else 0)  # escape codes take no columns
            pad = " " * max(self._prev_width - width, 0)
            self.stream.write("\r" + line + pad + ("\n" if finalize else ""))
            self._prev_width = width
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
