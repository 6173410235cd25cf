"""The crossentropies of keras.ops (elementwise / per-sample, not averaged: the losses
module averages), Keras 3's formulas: probabilities are clipped to [eps, 1 - eps] with
eps 1e-7; logits go through the stable forms (softplus-based, log_softmax)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, lowering, op
from .array_ops import _axis, _known, one_hot
from .math import absolute, add, clip, divide, exp, log, log1p, multiply, negative, subtract, sum as _sum
from .nn import log_softmax, relu
from .shape_ops import cast, squeeze

__all__ = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"]

EPSILON = 1e-7  # keras.config.epsilon()


@op
def binary_crossentropy(
    builder: GraphBuilder, target: TensorLike, output: TensorLike, from_logits: bool = False
) -> Any:
    """-(t log p + (1 - t) log(1 - p)) elementwise; from logits z: relu(z) - z t + log1p(exp(-|z|))."""
    o, t = as_values(builder, output, target)
    t = t if t.dtype == o.dtype else lowering(cast)(builder, t, o.dtype)
    if from_logits:
        linear = lowering(subtract)(builder, lowering(relu)(builder, o), lowering(multiply)(builder, o, t))
        return lowering(add)(
            builder,
            linear,
            lowering(log1p)(
                builder, lowering(exp)(builder, lowering(negative)(builder, lowering(absolute)(builder, o)))
            ),
        )
    p = lowering(clip)(builder, o, EPSILON, 1.0 - EPSILON)
    positive = lowering(multiply)(builder, t, lowering(log)(builder, p))
    one_minus = lowering(subtract)(builder, np.ones((), o.dtype), t)
    negative_part = lowering(multiply)(
        builder, one_minus, lowering(log)(builder, lowering(subtract)(builder, np.ones((), o.dtype), p))
    )
    return lowering(negative)(builder, lowering(add)(builder, positive, negative_part))


@op
def categorical_crossentropy(
    builder: GraphBuilder, target: TensorLike, output: TensorLike, from_logits: bool = False, axis: int = -1
) -> Any:
    """-sum(t log p) over `axis`; probabilities are first renormalised to sum to 1."""
    o, t = as_values(builder, output, target)
    if tuple(t.shape) != tuple(o.shape) and None not in t.shape and None not in o.shape:
        raise ValueError(
            "categorical_crossentropy: target and output must have the same shape, "
            f"got {tuple(t.shape)} and {tuple(o.shape)}"
        )
    t = t if t.dtype == o.dtype else lowering(cast)(builder, t, o.dtype)
    if from_logits:
        logp = lowering(log_softmax)(builder, o, axis)
    else:
        p = lowering(divide)(builder, o, lowering(_sum)(builder, o, axis, True))
        logp = lowering(log)(builder, lowering(clip)(builder, p, EPSILON, 1.0 - EPSILON))
    return lowering(negative)(builder, lowering(_sum)(builder, lowering(multiply)(builder, t, logp), axis))


@op
def sparse_categorical_crossentropy(
    builder: GraphBuilder, target: TensorLike, output: TensorLike, from_logits: bool = False, axis: int = -1
) -> Any:
    """categorical_crossentropy of the integer classes' one-hots (a trailing target axis of 1 is dropped)."""
    o, t = as_values(builder, output, target)
    if t.ndim == o.ndim and t.shape[-1] == 1:
        t = lowering(squeeze)(builder, t, -1)
    classes = _known(
        o.shape[_axis(int(axis), o.ndim, "sparse_categorical_crossentropy")],
        "the number of classes",
        "sparse_categorical_crossentropy",
    )
    hot = lowering(one_hot)(builder, t, classes, axis, o.dtype)
    return lowering(categorical_crossentropy)(builder, hot, o, from_logits, axis)
