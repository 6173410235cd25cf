"""Keras 3's circle and categorical_generalized_cross_entropy loss functions, written with
dagnet.ops so the same function runs eagerly on arrays and lowers into the training graph
(losses.py wraps them in Keras's Circle / CategoricalGeneralizedCrossEntropy classes)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from ._tracing import GraphTensor
from ._typing import TensorLike


def _float(x: TensorLike, dtype: Any = None) -> Any:
    if isinstance(x, (list, tuple, float, int, np.ndarray, np.generic)):
        array = np.asarray(x)
        return array.astype(dtype or ("float64" if array.dtype == np.float64 else "float32"))
    return x if dtype is None or x.dtype == dtype else ops.cast(x, dtype)


def categorical_generalized_cross_entropy(y_true: TensorLike, y_pred: TensorLike, q: float) -> Any:
    """(1 - p**q) / q with p the predicted probability of the integer label y_true (labels
    truncated to int; one outside [0, classes) has p = 0). As in Keras the one-hot labels
    broadcast against y_pred, so y_true is expected with shape y_pred.shape[:-1]."""
    y_pred = _float(y_pred)
    labels = ops.cast(_float(y_true, None), "int32")
    one_hot = ops.cast(ops.one_hot(labels, y_pred.shape[-1]), y_pred.dtype)
    p = ops.sum(ops.multiply(y_pred, one_hot), axis=-1)
    return ops.divide(ops.subtract(1.0, ops.power(p, q)), q)


def _masked_logsumexp(x: Any, mask: Any) -> Any:
    """log(sum(exp(x))) over the row's masked entries (-inf where a row has none), shifted by
    the row's max as TF's reduce_logsumexp; the unmasked entries enter as exp(-inf) = 0, so
    neither value nor gradient sees them (an empty row's -inf gets no gradient either)."""
    selected = ops.greater(mask, 0.5)
    any_entry = ops.greater(ops.sum(mask, axis=1, keepdims=True), 0.0)
    top = ops.max(ops.where(selected, x, -np.inf), axis=1, keepdims=True)
    top = ops.where(any_entry, top, 0.0)
    total = ops.sum(ops.exp(ops.where(selected, ops.subtract(x, top), -np.inf)), axis=1, keepdims=True)
    value = ops.add(ops.log(ops.where(any_entry, total, 1.0)), top)
    return ops.squeeze(ops.where(any_entry, value, -np.inf), 1)


# The most rows _positions numbers in a graph whose batch size is unknown until run time (a
# batch that large would need a 17 GB matrix of pairwise distances).
_MAX_ROWS = 1 << 16


def _positions(labels: Any) -> Any:
    """The row numbers 0..n-1 of `labels` (n, 1), as float32 (n, 1). In a training graph n is
    unknown until run time and dagnet has no range op: the first n rows of a constant
    0..65535 column are split off (split_like, the op concatenate's gradient uses)."""
    rows = labels.shape[0]
    if rows is not None:
        return np.arange(rows, dtype="float32").reshape(rows, 1)
    if not isinstance(labels, GraphTensor):
        raise ValueError(
            f"circle: remove_diagonal=True needs the number of labels; got labels of shape {tuple(labels.shape)}"
        )
    zeros = ops.multiply(ops.cast(labels, "float32"), 0.0)
    numbers = labels.builder.constant(np.arange(_MAX_ROWS, dtype="float32").reshape(-1, 1))
    padded = ops.concatenate([numbers, zeros], axis=0)
    return labels.builder.node("split_like", [padded, zeros, numbers], {"axis": 0})[0]


def circle(
    y_true: TensorLike,
    y_pred: TensorLike,
    ref_labels: TensorLike | None = None,
    ref_embeddings: TensorLike | None = None,
    remove_diagonal: bool = True,
    gamma: float = 80,
    margin: float = 0.4,
) -> Any:
    """Circle loss (Sun et al. 2020) per query row: softplus(logsumexp over positive pairs +
    logsumexp over negative pairs) of the gamma-scaled, margin-weighted cosine distances
    1 - y_pred @ ref_embeddings.T (clipped at 0). Pairs share an (int-truncated) label; with
    remove_diagonal the pair (i, i) is no positive. A row without positives or negatives
    gives 0 (Keras then leaves it out of the mean: see losses.Circle)."""
    y_pred = _float(y_pred)
    refs = y_pred if ref_embeddings is None else _float(ref_embeddings, y_pred.dtype)
    query = ops.reshape(ops.cast(_float(y_true), "int32"), (-1, 1))
    keys = query if ref_labels is None else ops.reshape(ops.cast(_float(ref_labels), "int32"), (-1, 1))
    optim_pos, optim_neg, delta_pos, delta_neg = margin, 1 + margin, margin, 1 - margin
    distances = ops.maximum(ops.subtract(1.0, ops.matmul(y_pred, ops.transpose(refs))), 0.0)
    positive = ops.cast(ops.equal(query, ops.transpose(keys)), y_pred.dtype)
    negative = ops.subtract(1.0, positive)
    if remove_diagonal:  # not eye(rows, cols)
        off_diagonal = ops.not_equal(_positions(query), ops.transpose(_positions(keys)))
        positive = ops.multiply(positive, ops.cast(off_diagonal, y_pred.dtype))
    pos_weights = ops.maximum(ops.multiply(ops.add(distances, optim_pos), positive), 0.0)
    neg_weights = ops.maximum(ops.multiply(ops.subtract(optim_neg, distances), negative), 0.0)
    pos_wdists = ops.multiply(ops.multiply(pos_weights, -1.0 * gamma), ops.subtract(delta_pos, distances))
    neg_wdists = ops.multiply(ops.multiply(neg_weights, float(gamma)), ops.subtract(delta_neg, distances))
    p_loss = _masked_logsumexp(pos_wdists, positive)
    n_loss = _masked_logsumexp(neg_wdists, negative)
    return ops.softplus(ops.add(p_loss, n_loss))
