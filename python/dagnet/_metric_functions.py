"""Keras 3's metric functions in keras.metrics that have no class of their own: the
accuracy functions and the loss functions Keras re-exports there (crossentropies, huber,
log_cosh, categorical_hinge). Each returns Keras's per-sample values (float32) for arrays.

The accuracies take an argmax / top-k, which dagnet.ops has no op for, so they run on NumPy:
given a traced tensor they raise and say what to pass to compile() instead (metrics.get maps
each function to its fused accuracy class, named as Keras names the log). The loss functions
are written with dagnet.ops, so they also lower into a graph; the formulas are Keras's
(keras/src/losses/losses.py and the TF backend's nn ops: epsilon clipping included)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from ._tensor_operators import TensorOperators
from ._typing import TensorLike

_EPSILON = 1e-7  # keras.backend.epsilon()


def _arrays(fn: str, *values: Any) -> list[np.ndarray]:
    for value in values:
        if isinstance(value, TensorOperators):
            raise TypeError(
                f"keras.metrics.{fn} computes on arrays here (it needs an argmax, which dagnet.ops lacks); "
                f"in compile() pass the function itself (metrics=[keras.metrics.{fn}]) or its class"
            )
    return [np.asarray(v) for v in values]


def _in_top_k(labels: np.ndarray, scores: np.ndarray, k: int, fn: str) -> np.ndarray:
    """tf.math.in_top_k: the label's score is among the k largest (ties at the boundary count)."""
    labels = labels.astype(np.int64)
    if scores.ndim != 2 or labels.shape != scores.shape[:1]:
        raise ValueError(
            f"{fn}: y_pred must be (samples, classes) with one label per sample; got y_pred.shape="
            f"{scores.shape} and labels of shape {labels.shape}"
        )
    if np.any((labels < 0) | (labels >= scores.shape[1])):
        raise ValueError(f"{fn}: labels must lie in [0, {scores.shape[1]}); got {labels.tolist()}")
    target = scores[np.arange(len(labels)), labels]
    above = np.sum(scores > target[:, None], axis=1)
    return (above < k) & np.isfinite(target)


def categorical_accuracy(y_true: TensorLike, y_pred: TensorLike) -> np.ndarray:
    y_true, y_pred = _arrays("categorical_accuracy", y_true, y_pred)
    labels = np.argmax(y_true, axis=-1)
    shape = labels.shape
    if labels.ndim == y_pred.ndim:  # y_true was (samples, 1, ...): Keras squeezes then restores
        labels = np.squeeze(labels, -1)
    matches = (labels == np.argmax(y_pred, axis=-1)).astype(np.float32)
    return matches.reshape(shape) if labels.shape != shape else matches


def sparse_categorical_accuracy(y_true: TensorLike, y_pred: TensorLike) -> np.ndarray:
    y_true, y_pred = _arrays("sparse_categorical_accuracy", y_true, y_pred)
    y_pred = y_pred.astype(np.float32) if y_pred.dtype != np.float64 else y_pred
    labels = y_true.astype(y_pred.dtype)
    shape = labels.shape
    squeezed = labels.ndim == y_pred.ndim and labels.shape[-1] == 1
    if squeezed:
        labels = np.squeeze(labels, -1)
    matches = (labels == np.argmax(y_pred, axis=-1).astype(labels.dtype)).astype(np.float32)
    if squeezed:
        matches = matches.reshape(shape)
    return np.squeeze(matches, -1) if matches.ndim > 1 and matches.shape[-1] == 1 else matches


def _top_k(labels: np.ndarray, y_pred: np.ndarray, k: int, fn: str, sorted_ids: bool = False) -> np.ndarray:
    shape = labels.shape
    scores = y_pred.reshape(-1, y_pred.shape[-1]) if y_pred.ndim > 2 else y_pred
    flat = labels.reshape(-1) if labels.ndim > 1 else labels
    if sorted_ids:
        matches = np.any(flat[:, None] == scores[:, :k], axis=1)
    else:
        matches = _in_top_k(flat, scores, k, fn)
    return matches.astype(np.float32).reshape(shape)


def top_k_categorical_accuracy(y_true: TensorLike, y_pred: TensorLike, k: int = 5) -> np.ndarray:
    y_true, y_pred = _arrays("top_k_categorical_accuracy", y_true, y_pred)
    return _top_k(np.argmax(y_true, axis=-1), y_pred, k, "top_k_categorical_accuracy")


def sparse_top_k_categorical_accuracy(
    y_true: TensorLike, y_pred: TensorLike, k: int = 5, from_sorted_ids: bool = False
) -> np.ndarray:
    y_true, y_pred = _arrays("sparse_top_k_categorical_accuracy", y_true, y_pred)
    labels = y_true.astype(y_pred.dtype if from_sorted_ids else np.int32)
    return _top_k(labels, y_pred, k, "sparse_top_k_categorical_accuracy", from_sorted_ids)


def binary_accuracy(y_true: TensorLike, y_pred: TensorLike, threshold: Any = 0.5) -> Any:
    """Elementwise (no mean over the last axis, as Keras 3): 1 where (y_pred > threshold) == y_true."""
    y_true, y_pred = _floats(y_true, y_pred)
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:  # squeeze_or_expand_to_same_rank
        y_true = ops.squeeze(y_true, -1)
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = ops.squeeze(y_pred, -1)
    predicted = ops.cast(ops.greater(y_pred, float(threshold)), y_true.dtype)
    return ops.cast(ops.equal(y_true, predicted), "float32")


def _floats(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    if not isinstance(y_pred, TensorOperators):
        y_pred = np.asarray(y_pred, dtype=np.float64 if np.asarray(y_pred).dtype == np.float64 else np.float32)
    if not isinstance(y_true, TensorOperators):
        return np.asarray(y_true, dtype=y_pred.dtype), y_pred
    same = getattr(y_true, "dtype", None) == y_pred.dtype  # a traced tensor: cast only if needed
    return (y_true if same else ops.cast(y_true, y_pred.dtype)), y_pred


def _check_axis(fn: str, axis: Any) -> None:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"{fn}: `axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")


def binary_crossentropy(
    y_true: TensorLike, y_pred: TensorLike, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Any:
    _check_axis("binary_crossentropy", axis)
    y_true, y_pred = _floats(y_true, y_pred)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        # sigmoid_cross_entropy_with_logits: max(x, 0) - x * z + log(1 + exp(-|x|))
        values = ops.add(
            ops.subtract(ops.maximum(y_pred, 0.0), ops.multiply(y_pred, y_true)),
            ops.log1p(ops.exp(ops.negative(ops.absolute(y_pred)))),
        )
    else:
        p = ops.clip(y_pred, _EPSILON, 1.0 - _EPSILON)
        values = ops.negative(
            ops.add(
                ops.multiply(y_true, ops.log(p)), ops.multiply(ops.subtract(1.0, y_true), ops.log(ops.subtract(1.0, p)))
            )
        )
    return ops.mean(values, axis=axis)


def categorical_crossentropy(
    y_true: TensorLike, y_pred: TensorLike, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Any:
    _check_axis("categorical_crossentropy", axis)
    y_true, y_pred = _floats(y_true, y_pred)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            "categorical_crossentropy: arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={tuple(y_true.shape)}, output.shape={tuple(y_pred.shape)}"
        )
    if label_smoothing:
        classes = y_true.shape[axis]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / classes)
    if from_logits:
        log_p = ops.log_softmax(y_pred, axis=axis)
    else:
        # the TF backend renormalizes the probabilities, then clips them
        p = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
        log_p = ops.log(ops.clip(p, _EPSILON, 1.0 - _EPSILON))
    return ops.negative(ops.sum(ops.multiply(y_true, log_p), axis=axis))


def sparse_categorical_crossentropy(
    y_true: TensorLike, y_pred: TensorLike, from_logits: bool = False, ignore_class: int | None = None, axis: int = -1
) -> Any:
    _check_axis("sparse_categorical_crossentropy", axis)
    y_true, y_pred = _floats(y_true, y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    if axis not in (-1, y_pred.ndim - 1):
        raise ValueError(f"sparse_categorical_crossentropy: only the last axis holds the classes; got axis={axis}")
    classes = y_pred.shape[-1]
    if classes is None:
        raise ValueError("sparse_categorical_crossentropy: y_pred's class axis must have a known size")
    valid = None
    if ignore_class is not None:
        valid = ops.cast(ops.not_equal(y_true, float(ignore_class)), y_pred.dtype)
        y_true = ops.multiply(y_true, valid)
        y_pred = ops.multiply(y_pred, ops.expand_dims(valid, -1))
    onehot = ops.one_hot(ops.cast(y_true, "int32"), classes, dtype=y_pred.dtype)
    values = categorical_crossentropy(onehot, y_pred, from_logits=from_logits)
    return values if valid is None else ops.multiply(values, valid)


def huber(y_true: TensorLike, y_pred: TensorLike, delta: float = 1.0) -> Any:
    y_true, y_pred = _floats(y_true, y_pred)
    error = ops.subtract(y_pred, y_true)
    abs_error = ops.absolute(error)
    quadratic = ops.multiply(ops.square(error), 0.5)
    linear = ops.subtract(ops.multiply(abs_error, float(delta)), 0.5 * float(delta) ** 2)
    return ops.mean(ops.where(ops.less_equal(abs_error, float(delta)), quadratic, linear), axis=-1)


def log_cosh(y_true: TensorLike, y_pred: TensorLike) -> Any:
    y_true, y_pred = _floats(y_true, y_pred)
    x = ops.subtract(y_pred, y_true)
    # log(cosh(x)) = x + softplus(-2x) - log(2), finite for large |x|
    return ops.mean(ops.subtract(ops.add(x, ops.softplus(ops.multiply(x, -2.0))), 0.6931471805599453), axis=-1)


def categorical_hinge(y_true: TensorLike, y_pred: TensorLike) -> Any:
    y_true, y_pred = _floats(y_true, y_pred)
    positive = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    negative = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(negative, positive), 1.0), 0.0)
