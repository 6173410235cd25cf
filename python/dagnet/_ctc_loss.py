"""Keras 3's ctc loss (keras.losses.ctc / CTC): ops.ctc_loss (the CTC forward recursion,
Graves et al. 2006, in log space, unrolled over the static time axis) with Keras's lengths.

As keras.losses.ctc: y_true (batch, max_length) holds integer labels packed to the left and
padded with 0, which is also the blank; each label sequence's length is its count of
non-zero entries; every sample uses all `max_length` time steps of y_pred (batch, time,
classes), which are logits (log_softmax is applied here, as tf.nn.ctc_loss does). The
lattice runs over the extended labels (blank, l1, blank, l2, ..., blank): a path stays,
moves one step, or skips a blank between two different labels. An impossible alignment (a
label sequence too long for the time steps) gives a loss near 1e30 instead of TF's inf:
log-space zeros are -1e30 (ops.ctc_loss) so that gradients stay finite."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from ._typing import TensorLike


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
    # Every sample uses all the time steps: the lengths are `steps` for each row of the batch.
    output_length = ops.add(ops.multiply(label_length, 0), steps)
    return ops.ctc_loss(labels, y_pred, label_length, output_length, mask_index=0)
