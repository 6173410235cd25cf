"""What this dagnet build is and what it runs on."""

from __future__ import annotations

from . import _engine


def info() -> dict:
    """Version, build type, the CPU ISA chosen at run time, CUDA yes/no, thread count."""
    return dict(_engine.info())


def devices() -> list[str]:
    """Devices the engine can use, e.g. ``['cpu', 'cuda:0']``."""
    return list(_engine.devices())
