"""Keras 3's focal crossentropies and overlap (Dice, Tversky) loss functions. They have no
fused native op: each is written with dagnet.ops, so the same function runs eagerly on
arrays and lowers into the training graph (losses.py wraps them in Keras's classes) with the
exact formulas of keras/src/losses/losses.py, epsilon clipping included."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from ._typing import TensorLike

_EPSILON = 1e-7  # keras.backend.epsilon()


def _floats(y_true: TensorLike, y_pred: TensorLike) -> tuple[Any, Any]:
    if isinstance(y_pred, (list, tuple, float, int)) or isinstance(y_pred, np.ndarray):
        y_pred = np.asarray(y_pred, dtype="float32" if np.asarray(y_pred).dtype != np.float64 else "float64")
    if isinstance(y_true, (list, tuple, float, int, np.ndarray)):
        return np.asarray(y_true, dtype=y_pred.dtype), y_pred
    return (y_true if y_true.dtype == y_pred.dtype else ops.cast(y_true, y_pred.dtype)), y_pred


def _check_axis(axis: Any) -> None:
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")


def binary_focal_crossentropy(
    y_true: TensorLike,
    y_pred: TensorLike,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """Per-sample focal BCE: mean over `axis` of (1 - p_t)**gamma * bce (times alpha-balancing)."""
    _check_axis(axis)
    y_true, y_pred = _floats(y_true, y_pred)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    # ops.binary_crossentropy(from_logits=False) clips the probabilities; the focal factor does not.
    clipped = ops.clip(y_pred, _EPSILON, 1.0 - _EPSILON)
    bce = ops.negative(
        ops.add(
            ops.multiply(y_true, ops.log(clipped)),
            ops.multiply(ops.subtract(1.0, y_true), ops.log(ops.subtract(1.0, clipped))),
        )
    )
    p_t = ops.add(ops.multiply(y_true, y_pred), ops.multiply(ops.subtract(1.0, y_true), ops.subtract(1.0, y_pred)))
    focal_bce = ops.multiply(ops.power(ops.subtract(1.0, p_t), gamma), bce)
    if apply_class_balancing:
        weight = ops.add(ops.multiply(y_true, alpha), ops.multiply(ops.subtract(1.0, y_true), 1.0 - alpha))
        focal_bce = ops.multiply(weight, focal_bce)
    return ops.mean(focal_bce, axis=axis)


def categorical_focal_crossentropy(
    y_true: TensorLike,
    y_pred: TensorLike,
    alpha: Any = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """Per-sample focal CCE: sum over `axis` of alpha * (1 - p)**gamma * -y log p."""
    _check_axis(axis)
    y_true, y_pred = _floats(y_true, y_pred)
    if label_smoothing:
        # the class count from y_pred: in the graph y_true's shape may be unknown
        classes = y_pred.shape[-1] or y_true.shape[-1]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / classes)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    output = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    output = ops.clip(output, _EPSILON, 1.0 - _EPSILON)
    cce = ops.multiply(ops.negative(y_true), ops.log(output))
    if isinstance(alpha, (list, tuple, np.ndarray)):
        alpha = np.asarray(alpha, dtype=np.asarray(0.0, dtype=str(y_pred.dtype)).dtype)
    weighting = ops.multiply(ops.power(ops.subtract(1.0, output), gamma), alpha)
    return ops.sum(ops.multiply(weighting, cce), axis=axis)


def dice(y_true: TensorLike, y_pred: TensorLike, axis: Any = None) -> Any:
    """1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps), summed over `axis`."""
    y_true, y_pred = _floats(y_true, y_pred)
    axis = tuple(axis) if isinstance(axis, list) else axis
    intersection = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    total = ops.add(ops.add(ops.sum(y_true, axis=axis), ops.sum(y_pred, axis=axis)), _EPSILON)
    return ops.subtract(1.0, ops.divide(ops.multiply(intersection, 2.0), total))


def tversky(y_true: TensorLike, y_pred: TensorLike, alpha: float = 0.5, beta: float = 0.5, axis: Any = None) -> Any:
    """1 - TP / (TP + alpha * FP + beta * FN + eps), with Keras 3's own FP/FN terms
    (fp = sum((1 - y_pred) * y_true), fn = sum(y_pred * (1 - y_true)))."""
    y_true, y_pred = _floats(y_true, y_pred)
    axis = tuple(axis) if isinstance(axis, list) else axis
    intersection = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    fp = ops.sum(ops.multiply(ops.subtract(1.0, y_pred), y_true), axis=axis)
    fn = ops.sum(ops.multiply(y_pred, ops.subtract(1.0, y_true)), axis=axis)
    denominator = ops.add(ops.add(ops.add(intersection, ops.multiply(fp, alpha)), ops.multiply(fn, beta)), _EPSILON)
    return ops.subtract(1.0, ops.divide(intersection, denominator))
