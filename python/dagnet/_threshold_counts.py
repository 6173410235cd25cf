"""Confusion counts at many thresholds at once (Keras's update_confusion_matrix_variables for
one label set), shared by AUC and the at-threshold metrics (PrecisionAtRecall, ...).

Every element of y_pred is one prediction. With evenly spaced thresholds Keras buckets each
prediction (clipped to [0, 1]) as ceil(p * (n-1)) - 1 and counts it at every threshold up to
its bucket; that is `p * (n-1) > i` at threshold i, so the counts are one comparison with the
cut points 0..n-1 and a matmul with the weights (the cut at 0 is -1 when the thresholds
carry Keras's -epsilon / 1+epsilon padding: then p = 0 still counts at threshold 0). Other
thresholds compare the raw prediction: p > t_i."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from ._tracing import GraphBuilder
from ._typing import TensorLike
from .engine import Executor


def align(y_true: TensorLike, y_pred: TensorLike) -> tuple[Any, Any]:
    """Keras's squeeze_or_expand_to_same_rank for labels against predictions (float32)."""
    if y_pred.dtype != "float32":
        y_pred = ops.cast(y_pred, "float32")
    if y_true.ndim + 1 == y_pred.ndim and y_pred.shape[-1] == 1:
        y_true = ops.expand_dims(y_true, -1)
    elif y_pred.ndim + 1 == y_true.ndim and y_true.shape[-1] == 1:
        y_pred = ops.expand_dims(y_pred, -1)
    return y_true, y_pred


def per_element(weights: TensorLike | None, y_pred: TensorLike) -> Any:
    """One weight per element of y_pred (Keras broadcasts the sample weights to y_pred)."""
    ones = ops.add(ops.multiply(y_pred, 0.0), 1.0)
    if weights is None:
        return ones
    while weights.ndim < y_pred.ndim:
        weights = ops.expand_dims(weights, -1)
    return ops.multiply(weights, ones)


def counts(
    builder: GraphBuilder,
    y_true: TensorLike,
    y_pred: TensorLike,
    weights: TensorLike,
    num_thresholds: int,
    evenly: bool,
    thresholds: np.ndarray,
    epsilon_padded: bool,
) -> list[Any]:
    """tp, fp, tn, fn (each shape (num_thresholds,)) of the batch; `weights` has y_pred's shape."""
    n = num_thresholds
    actual = ops.cast(ops.not_equal(y_true, 0), "float32")
    true_w = ops.reshape(ops.multiply(actual, weights), (1, -1))
    false_w = ops.reshape(ops.multiply(ops.subtract(1.0, actual), weights), (1, -1))
    if evenly:
        scaled = ops.multiply(ops.reshape(ops.clip(y_pred, 0.0, 1.0), (-1, 1)), float(n - 1))
        cuts = np.arange(n, dtype=np.float32)
        if epsilon_padded:
            cuts[0] = -1.0
    else:
        scaled = ops.reshape(y_pred, (-1, 1))
        cuts = np.asarray(thresholds, np.float32)
    positive = ops.cast(ops.greater(scaled, builder.constant(cuts.reshape(1, n))), "float32")
    tp = ops.reshape(ops.matmul(true_w, positive), (n,))
    fp = ops.reshape(ops.matmul(false_w, positive), (n,))
    tn = ops.subtract(ops.sum(false_w), fp)
    fn = ops.subtract(ops.sum(true_w), tp)
    return [tp, fp, tn, fn]


def divide_no_nan(x: Any, y: Any) -> np.ndarray:
    """Keras's divide_no_nan in float32: 0 where the denominator is 0."""
    x, y = np.asarray(x, np.float32), np.asarray(y, np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, np.float32(0), x / np.where(y == 0, np.float32(1), y)).astype(np.float32)


def eager_update(
    metric: Any, sums: list[np.ndarray], y_true: TensorLike, y_pred: TensorLike, sample_weight: Any
) -> list[np.ndarray]:
    """A threshold metric's running sums after one eager update_state: its lower_sums run on
    the arrays as one native graph, added to `sums`."""
    builder = GraphBuilder()
    with builder.active():
        yt = builder.constant(np.asarray(y_true, np.float32))
        yp = builder.constant(np.asarray(y_pred, np.float32))
        sw = None
        if sample_weight is not None:
            weights = np.asarray(sample_weight, np.float32)
            if weights.ndim == 0:
                weights = np.broadcast_to(weights, np.shape(y_pred)).copy()
            sw = builder.constant(weights)
        values = metric.lower_sums(builder, yt, yp, None, sw)
    results = Executor(builder.graph, [v.id for v in values]).run([])
    return [np.float32(a + np.asarray(r, np.float32)) for a, r in zip(sums, results)]
