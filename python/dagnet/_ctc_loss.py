"""Keras 3's ctc loss (keras.losses.ctc / CTC) written with dagnet.ops: the CTC forward
recursion (Graves et al. 2006) in log space, unrolled over the (static) time axis.

As keras.losses.ctc: y_true (batch, max_length) holds integer labels packed to the left and
padded with 0, which is also the blank; each label sequence's length is its count of
non-zero entries; every sample uses all `max_length` time steps of y_pred (batch, time,
classes), which are logits (log_softmax is applied here, as tf.nn.ctc_loss does). The
lattice runs over the extended labels (blank, l1, blank, l2, ..., blank): a path stays,
moves one step, or skips a blank between two different labels. An impossible alignment (a
label sequence too long for the time steps) gives a loss near 1e30 instead of TF's inf:
log-space zeros are -1e30 here so that gradients stay finite."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from ._typing import TensorLike

_ZERO = -1e30  # log(0), finite


def _logsumexp(*terms: Any) -> Any:
    top = terms[0]
    for term in terms[1:]:
        top = ops.maximum(top, term)
    total = ops.exp(ops.subtract(terms[0], top))
    for term in terms[1:]:
        total = ops.add(total, ops.exp(ops.subtract(term, top)))
    return ops.add(ops.log(total), top)


def _shift(alpha: Any, steps: int, batch_like: Any) -> Any:
    """alpha moved `steps` states to the right along the lattice, log(0) shifted in."""
    pad = ops.add(ops.multiply(ops.slice_by_index(batch_like, (slice(None), slice(0, steps))), 0.0), _ZERO)
    return ops.concatenate([pad, ops.slice_by_index(alpha, (slice(None), slice(0, -steps)))], axis=1)


def ctc(y_true: TensorLike, y_pred: TensorLike) -> Any:
    """The per-sample negative log-likelihood of y_true's label sequence under y_pred's logits."""
    if len(np.shape(y_true) if not hasattr(y_true, "ndim") else y_true.shape) != 2:
        raise ValueError(
            "Targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` in integer format. "
            f"Received: y_true.shape={tuple(np.shape(y_true) if not hasattr(y_true, 'shape') else y_true.shape)}"
        )
    if isinstance(y_pred, (list, tuple, np.ndarray)):
        y_pred = np.asarray(y_pred, dtype="float32")
    if y_pred.ndim != 3:
        raise ValueError(
            "Logits `y_pred` are expected to be a tensor of shape `(batch_size, max_length, num_classes)`. "
            f"Received: y_pred.shape={tuple(y_pred.shape)}"
        )
    if isinstance(y_true, (list, tuple, np.ndarray)):
        y_true = np.asarray(y_true, dtype="float32")
    steps, classes, max_length = y_pred.shape[1], y_pred.shape[2], y_true.shape[1]
    if steps is None or classes is None or max_length is None:
        raise ValueError(
            "ctc: the time steps, classes and label length must be known when the graph is built. Received: "
            f"y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}"
        )
    labels = ops.cast(y_true, "int32")
    label_length = ops.sum(ops.cast(ops.not_equal(labels, 0), "int32"), axis=-1)
    log_probs = ops.log_softmax(y_pred, axis=-1)
    dtype = str(log_probs.dtype)

    # the extended labels (blank, l1, blank, ..., l_L, blank) as one-hot rows: (batch, 2L+1, classes)
    label_rows = ops.cast(ops.one_hot(labels, classes), dtype)
    blank_rows = ops.add(ops.multiply(label_rows, 0.0), np.eye(1, classes, dtype=dtype))
    pairs = ops.reshape(ops.stack([blank_rows, label_rows], axis=2), (-1, 2 * max_length, classes))
    extended = ops.concatenate([pairs, ops.slice_by_index(blank_rows, (slice(None), slice(0, 1)))], axis=1)
    # each time step's log-probability of each lattice state: (batch, time, 2L+1); a one-hot
    # matmul picks the entries exactly
    emissions = ops.matmul(log_probs, ops.transpose(extended, (0, 2, 1)))

    # a skip into state 2i+1 (label i) is allowed when label i differs from label i-1
    states = 2 * max_length + 1
    batch_like = ops.multiply(ops.slice_by_index(emissions, (slice(None), 0)), 0.0)  # (batch, 2L+1) zeros
    if max_length > 1:
        differs = ops.cast(
            ops.not_equal(
                ops.slice_by_index(labels, (slice(None), slice(1, None))),
                ops.slice_by_index(labels, (slice(None), slice(0, -1))),
            ),
            dtype,
        )
        tail = ops.reshape(ops.stack([differs, ops.multiply(differs, 0.0)], axis=2), (-1, 2 * max_length - 2))
        skip = ops.concatenate([ops.slice_by_index(batch_like, (slice(None), slice(0, 3))), tail], axis=1)
    else:
        skip = batch_like
    can_skip = ops.greater(skip, 0.5)

    start = np.full((1, states), _ZERO, dtype=dtype)
    start[0, :2] = 0.0
    alpha = ops.add(ops.slice_by_index(emissions, (slice(None), 0)), start)
    for t in range(1, steps):
        stay = alpha
        step = _shift(alpha, 1, batch_like)
        jump = ops.where(can_skip, _shift(alpha, 2, batch_like), _ZERO)
        alpha = ops.add(_logsumexp(stay, step, jump), ops.slice_by_index(emissions, (slice(None), t)))

    # the paths end on the last label or the blank after it: states 2*length and 2*length - 1
    def state(index: Any) -> Any:
        pick = ops.cast(ops.one_hot(index, states), dtype)  # all zero for index -1 (no labels)
        return ops.add(
            ops.sum(ops.multiply(alpha, pick), axis=-1), ops.multiply(ops.subtract(1.0, ops.sum(pick, -1)), _ZERO)
        )

    last = ops.multiply(label_length, 2)
    return ops.negative(_logsumexp(state(last), state(ops.subtract(last, 1))))
