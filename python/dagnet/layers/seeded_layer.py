"""The state of a layer that draws random numbers inside the native step (Dropout, the
random image layers): a seed and an int64 counter the engine advances every run of a graph
that draws, so each training step draws anew and a seeded layer repeats its sequence."""

from __future__ import annotations

from typing import Any

from .. import _random
from .layer import Layer


class SeededLayer(Layer):
    """A layer with `self.seed` (None: one drawn at build) and the native draw counter."""

    seed: int | None

    def build(self, input_shape: Any) -> None:
        self._rng_state = self.add_weight(
            shape=(), initializer="zeros", dtype="int64", trainable=False, name="seed_generator_state"
        )
        self._seed = int(self.seed) if self.seed is not None else _random.draw_seed()

    @property
    def weights(self) -> Any:
        return []  # the counter is state, not a weight (Keras keeps its seed generator out of weights)
