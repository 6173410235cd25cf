"""keras.ops.ctc_loss: the CTC negative log-likelihood of each target given per-step logits,
by the forward (alpha) recursion over the blank-extended target, unrolled over the (known)
number of steps in log space. Every step is native elementwise, reduce and matmul nodes, so it
runs symbolically and differentiates; lengths are tensors read at run time (steps past a
sample's output length leave its alphas unchanged)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, lowering, op
from .array_ops import _known, one_hot
from .math import (
    add,
    equal,
    exp,
    less,
    log,
    matmul,
    max as _max,
    maximum,
    multiply,
    negative,
    not_equal,
    subtract,
    where,
)
from .nn import log_softmax
from .padding import pad
from .shape_ops import cast, expand_dims, reshape, slice_by_index, stack, transpose

__all__ = ["ctc_loss"]

_NEG = -1e30  # log(0) as a finite number: no inf - inf (NaN) in the sums or their gradients


def _shift(builder, alpha, by):
    """alpha moved right by `by` positions along the last axis, log(0) filling in."""
    s = alpha.shape[-1]
    padded = lowering(pad)(builder, alpha, [[0, 0], [by, 0]], "constant", _NEG)
    return lowering(slice_by_index)(builder, padded, (slice(None), slice(0, s)))


def _logsumexp(builder, terms):
    top = terms[0]
    for t in terms[1:]:
        top = lowering(maximum)(builder, top, t)
    total = None
    for t in terms:
        e = lowering(exp)(builder, lowering(subtract)(builder, t, top))
        total = e if total is None else lowering(add)(builder, total, e)
    return lowering(add)(builder, top, lowering(log)(builder, total))


@op
def ctc_loss(
    builder: GraphBuilder,
    target: TensorLike,
    output: TensorLike,
    target_length: TensorLike,
    output_length: TensorLike,
    mask_index: int = 0,
) -> Any:
    """-log p(target | output) per sample: target (batch, max_label) integer labels (the first
    target_length of each row count), output (batch, steps, classes) logits (the first
    output_length steps count), mask_index the blank class."""
    t_in, logits = as_values(builder, target, output)
    if t_in.ndim != 2 or logits.ndim != 3:
        raise ValueError(
            f"ctc_loss: target must be (batch, max_label) and output (batch, steps, classes), got "
            f"{tuple(t_in.shape)} and {tuple(logits.shape)}"
        )
    work = logits.dtype if logits.dtype.startswith("float") else "float32"
    logits = logits if logits.dtype == work else lowering(cast)(builder, logits, work)
    steps = _known(logits.shape[1], "the number of steps", "ctc_loss")
    classes = _known(logits.shape[2], "the number of classes", "ctc_loss")
    labels = _known(t_in.shape[1], "the target length", "ctc_loss")
    if not 0 <= int(mask_index) < classes:
        raise ValueError(f"ctc_loss: mask_index {mask_index} is not a class of {classes}")
    s = 2 * labels + 1
    blank = np.asarray(int(mask_index), work)
    # The extended target: blank, l1, blank, l2, ..., blank (as floats: class ids are small).
    tf_labels = lowering(cast)(builder, t_in, work)
    blanks = lowering(add)(builder, lowering(multiply)(builder, tf_labels, 0.0), blank)
    z = lowering(reshape)(builder, lowering(stack)(builder, [blanks, tf_labels], 2), [-1, 2 * labels])
    z = lowering(pad)(builder, z, [[0, 0], [0, 1]], "constant", float(mask_index))  # (batch, S)
    # Emission log-probabilities of each extended position at each step: (batch, steps, S).
    logp = lowering(log_softmax)(builder, logits, -1)
    hot = lowering(one_hot)(builder, lowering(cast)(builder, z, "int32"), classes, -1, work)  # (batch, S, C)
    emit = lowering(matmul)(builder, logp, lowering(transpose)(builder, hot, [0, 2, 1]))
    # A position may also come from two back when it holds a label unlike the one there.
    two_back = _shift(builder, z, 2)
    skip = lowering(multiply)(
        builder, lowering(not_equal)(builder, z, blank), lowering(not_equal)(builder, z, two_back)
    )
    lengths_out = lowering(cast)(builder, as_values(builder, output_length)[0], work)
    start = np.full((1, s), _NEG, work)
    start[0, :2] = 0.0
    at = lambda t: lowering(reshape)(  # noqa: E731
        builder, lowering(slice_by_index)(builder, emit, (slice(None), slice(t, t + 1))), [-1, s]
    )
    alpha = lowering(add)(builder, start, at(0))
    for t in range(1, steps):
        from_skip = lowering(where)(builder, skip, _shift(builder, alpha, 2), np.asarray(_NEG, work))
        step = lowering(add)(builder, _logsumexp(builder, [alpha, _shift(builder, alpha, 1), from_skip]), at(t))
        active = lowering(expand_dims)(builder, lowering(less)(builder, np.asarray(t, work), lengths_out), -1)
        alpha = lowering(where)(builder, active, step, alpha)
    # The path ends on the last label or the blank after it: positions 2 L_b - 1 and 2 L_b.
    ends = lowering(multiply)(builder, lowering(cast)(builder, as_values(builder, target_length)[0], work), 2.0)
    last = lowering(equal)(builder, np.arange(s, dtype=work), lowering(expand_dims)(builder, ends, -1))
    before = lowering(equal)(
        builder, np.arange(s, dtype=work), lowering(expand_dims)(builder, lowering(subtract)(builder, ends, 1.0), -1)
    )
    pick = lambda mask: lowering(_max)(  # noqa: E731
        builder, lowering(where)(builder, mask, alpha, np.asarray(_NEG, work)), -1
    )
    return lowering(negative)(builder, _logsumexp(builder, [pick(last), pick(before)]))
