"""keras.random.SeedGenerator: a seed and a draw counter. Eagerly, `next()` hands out
(seed, counter) and advances the counter; in a graph (a layer's call), each random op
reads the counter through the engine's `rng_draw`, which advances it every step, so a
layer holding a generator draws fresh numbers each training step and repeats its
sequence when seeded."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _random
from .._naming import auto_name
from ..variables import Variable


class SeedGenerator:
    """Keras 3's SeedGenerator(seed=None, name=None). The state is an int64 scalar counter
    (Keras's is a (2,) uint32 [seed, counter]: the engine's rng_draw reads an int64 scalar)."""

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs: Any) -> None:
        kwargs.pop("backend", None)  # Keras lets a backend module be passed; dagnet has one
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        self.name = name if name is not None else auto_name(self.__class__.__name__)
        self._initial_seed = seed
        if seed is None:
            # Keras draws the default from Python's `random`; dagnet's state keeps
            # set_random_seed reproducible without touching Python's.
            seed = int(_random.generator().integers(1, int(1e9)))
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        self.seed = int(seed)
        self.state = Variable(
            np.int64(0),
            name="seed_generator_state",
            trainable=False,
            dtype="int64",
            path=f"{self.name}/seed_generator_state",
        )

    def next(self, ordered: bool = True) -> np.ndarray:
        """The (seed, counter) pair of this draw; the counter then advances (Keras's
        unordered mode scrambles it instead: both give a new seed per call)."""
        counter = int(self.state.numpy())
        self.state.assign(np.int64(counter + 1 if ordered else (counter + 1) * 5387 % 933199))
        return np.array([self.seed, counter], dtype="int64")

    def numpy_generator(self) -> np.random.Generator:
        """A NumPy generator for one eager draw, seeded by next()."""
        return np.random.default_rng([int(v) for v in self.next()])

    def get_config(self) -> dict[str, Any]:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SeedGenerator:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name} seed={self.seed}>"


_global: tuple[Any, SeedGenerator] | None = None


def global_seed_generator() -> SeedGenerator:
    """The generator of unseeded draws in a graph; remade after set_random_seed (which
    replaces dagnet's random state), so a seeded program repeats its graphs' draws."""
    global _global
    if _global is None or _global[0] is not _random.generator():
        state = _random.generator()
        _global = (state, SeedGenerator(int(state.integers(1, int(1e9))), name="global_seed_generator"))
    return _global[1]
