"""Timing and memory of one model on one framework, in the current process.

Time: `warmup` untimed calls (they include any compilation), then at least `steps`
timed calls and at least `min_seconds` of them (capped at `max_steps`); median, p10 and
p90 in milliseconds. Memory: the peak RSS during training (Linux VmHWM, reset through
/proc/self/clear_refs) minus the RSS just before the first training step; `steady` is
the same peak over the timed steps only (after warm-up and any compilation).
Load: `others_cpus` is how many CPUs other processes (and the hypervisor's steal) kept
busy on average while a measure was timed; on a shared machine it says which numbers
were taken under contention; `own_cpus` is how many this process used (spinning
threads included), so median x own_cpus approximates the CPU time per call.
"""

import gc
import os
import time
from dataclasses import dataclass

import numpy as np


@dataclass
class Settings:
    warmup: int = 3
    steps: int = 20
    min_seconds: float = 1.0
    max_steps: int = 500


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def peak_rss_mb() -> float:
    return _status_kb("VmHWM") / 1024


def reset_peak_rss() -> None:
    """Sets the peak RSS (VmHWM) to the current RSS (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _cpu_seconds() -> tuple[float, float]:
    """(CPU-seconds the whole machine was busy, CPU-seconds of this process) so far."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:9]]  # user nice system idle iowait irq softirq steal
    own = os.times()
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK"), own.user + own.system


def sample_ms(fn, settings: Settings, after_warmup=None, warmup: int | None = None) -> dict:
    for _ in range(settings.warmup if warmup is None else warmup):
        fn()
    if after_warmup:
        after_warmup()
    samples = []
    busy, own = _cpu_seconds()
    start = time.perf_counter()
    while len(samples) < settings.max_steps and (
        len(samples) < settings.steps or time.perf_counter() - start < settings.min_seconds
    ):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    elapsed = time.perf_counter() - start
    busy_end, own_end = _cpu_seconds()
    p10, median, p90 = np.percentile(samples, [10, 50, 90])
    others = max(0.0, (busy_end - busy) - (own_end - own)) / elapsed
    return {
        "median": float(median),
        "p10": float(p10),
        "p90": float(p90),
        "n": len(samples),
        "others_cpus": others,
        "own_cpus": (own_end - own) / elapsed,
    }


def measure(runner, inputs: list, settings: Settings) -> dict:
    """Train first (so the memory figure sees only training; the first step counts as
    one of the warm-up steps), then predict at the full batch and at batch 1."""
    gc.collect()
    before = rss_mb()
    reset_peak_rss()
    losses = [runner.train()]
    first_step_peak = peak_rss_mb()
    steady = {}

    def start_steady():
        steady["peak_before"] = peak_rss_mb()
        reset_peak_rss()

    train = sample_ms(lambda: losses.append(runner.train()), settings, start_steady, max(0, settings.warmup - 1))
    steady_peak = peak_rss_mb()
    peak = max(first_step_peak, steady["peak_before"], steady_peak)
    result = {
        "train": train,
        "memory_mb": peak - before,
        "memory_steady_mb": steady_peak - before,
        "rss_before_mb": before,
        "loss_first": losses[0],
        "loss_last": losses[-1],
    }
    result["predict_batch"] = sample_ms(runner.predictor(inputs), settings)
    result["predict_1"] = sample_ms(runner.predictor([a[:1] for a in inputs]), settings)
    return result
