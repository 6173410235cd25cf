"""keras.random's functions inside a graph (a layer's call, a traced op): nodes of the
engine's counter-based RNG (rng_draw, random_normal, random_uniform, dropout), so each
step draws new numbers. An int seed draws the same numbers every step (Keras: an int
seed is stateless); a SeedGenerator, or None (the global generator), advances a counter."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphBuilder, GraphTensor
from ..ops import _dispatch
from .seed_generator import SeedGenerator, global_seed_generator


class Draws:
    """The seed attribute and a fresh counter per draw of one keras.random call."""

    def __init__(self, builder: GraphBuilder, seed: Any) -> None:
        self.builder = builder
        self._generator: SeedGenerator | None = None
        if isinstance(seed, SeedGenerator):
            self._generator = seed
        elif seed is None:
            self._generator = global_seed_generator()
        elif isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            self.seed = int(seed)
        else:
            raise ValueError(
                f"Argument `seed` must be either an integer or an instance of `SeedGenerator`. Received: seed={seed} "
                f"(of type {type(seed)})"
            )
        if self._generator is not None:
            self.seed = self._generator.seed
        self._draws = 0

    def counter(self) -> GraphTensor:
        """An int64 scalar computed anew each step (ops that advance their state input in
        place may take it): the generator's counter, or the draw's index for an int seed."""
        b = self.builder
        if self._generator is not None:
            (value,) = b.node("rng_draw", [b.param(self._generator.state)])
        else:
            (value,) = b.node("cast", [b.constant(np.int32(self._draws))], {"dtype": "int64"})
        self._draws += 1
        return value


def reference(builder: GraphBuilder, shape: Any, dtype: str, what: str) -> tuple[GraphTensor, list[int]]:
    """(like, shape attribute) for random_uniform: a static shape takes a zero constant; a
    None (a dynamic size) is allowed first, as the batch size: it is taken from an input
    of the graph whose first axis is dynamic (0 in the attribute: like's size there)."""
    dims = list(shape)
    if all(d is not None for d in dims):
        return builder.constant(np.zeros([int(d) for d in dims], dtype=dtype)), [int(d) for d in dims]
    if any(d is None for d in dims[1:]) or not dims:
        raise ValueError(
            f"keras.random.{what}: shape {tuple(shape)} has a dynamic size past the first axis; dagnet draws "
            "numbers for a static shape or a leading dynamic batch size only"
        )
    batch = next((t for t in builder.inputs if t.ndim and t.shape[0] is None), None)
    if batch is None:
        raise ValueError(
            f"keras.random.{what}: shape {tuple(shape)} has a dynamic batch size but the graph has no input "
            "with a dynamic first axis to take it from"
        )
    like = batch if batch.dtype == dtype else _dispatch.emit(builder, "cast", [batch], {"dtype": dtype})
    return like, [0] + [int(d) for d in dims[1:]]


def uniform(draws: Draws, shape: Any, minval: float, maxval: float, dtype: str, what: str) -> GraphTensor:
    b = draws.builder
    like, attr = reference(b, shape, dtype, what)
    attrs = {"seed": draws.seed, "shape": attr, "minval": float(minval), "maxval": float(maxval)}
    return _dispatch.emit(b, "random_uniform", [draws.counter(), like], attrs)


def shaped(builder: GraphBuilder, shape: Any, dtype: str, what: str) -> GraphTensor:
    """A tensor of exactly `shape` (a leading None: the batch size) and `dtype`, read by
    random_normal for its shape only."""
    like, attr = reference(builder, shape, dtype, what)
    if any(d is None for d in shape) and tuple(like.shape[1:]) != tuple(attr[1:]):
        # A batch input of another shape: a uniform draw of the wanted shape (its numbers are not read).
        like = _dispatch.emit(
            builder, "random_uniform", [builder.constant(np.int64(0)), like], {"seed": 0, "shape": attr}
        )
    return like


def normal(
    draws: Draws, shape: Any, mean: float, stddev: float, dtype: str, what: str, like: GraphTensor | None = None
) -> GraphTensor:
    """Normal numbers of `shape`; `like` (from `shaped`) may be shared by several draws."""
    b = draws.builder
    like = shaped(b, shape, dtype, what) if like is None else like
    attrs = {"mean": float(mean), "stddev": float(stddev), "seed": draws.seed}
    return _dispatch.emit(b, "random_normal", [draws.counter(), like], attrs)
