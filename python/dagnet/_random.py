"""dagnet's global random state (initializers, dropout seeds, shuffling)."""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def generator() -> np.random.Generator:
    return _generator


def set_seed(seed: int) -> None:
    global _generator
    _generator = np.random.default_rng(seed)


def draw_seed() -> int:
    return int(_generator.integers(0, 2**31 - 1))
