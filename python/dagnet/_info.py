"""What this dagnet build is and what it runs on."""

from __future__ import annotations

from . import _engine


def info() -> dict:
    """Version, build type, the CPU ISA chosen at run time, CUDA yes/no, thread count, the
    data cache sizes in bytes (``caches``: l1d, l2, l3, and l1d_ways; 0 where unknown) and the float32
    GEMM blocking derived from them (``gemm_blocking``: mr, nr, kc, mc, nc)."""
    return dict(_engine.info())


def devices() -> list[str]:
    """Devices the engine can use, e.g. ``['cpu', 'cuda:0']``."""
    return list(_engine.devices())
