"""keras.ops.ctc_loss and ctc_decode (greedy). ctc_loss is the CTC negative log-likelihood
of each target given per-step logits, by the forward (alpha) recursion over the blank-extended
target, unrolled over the (known) number of steps in log space (keras.losses.ctc uses it too).
Every step is native elementwise, reduce and matmul nodes, so it runs symbolically and
differentiates; lengths are tensors read at run time (steps past a sample's output length
leave its alphas unchanged). The greedy decoder takes each step's best class, merges repeats,
drops blanks and packs the kept labels to the left with a one-hot scatter: fixed shapes, so
it too runs inside a graph."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, lowering, op
from .array_ops import _known, cumsum, one_hot
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
    sum as _sum,
    where,
)
from .nn import log_softmax
from .padding import pad
from .shape_ops import cast, concatenate, expand_dims, reshape, slice_by_index, stack, transpose
from .sorting import argmax

__all__ = ["ctc_loss", "ctc_decode"]

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


@op
def ctc_decode(
    builder: GraphBuilder,
    inputs: TensorLike,
    sequence_lengths: TensorLike,
    strategy: str = "greedy",
    beam_width: int = 100,
    top_paths: int = 1,
    merge_repeated: bool = True,
    mask_index: int = 0,
) -> Any:
    """Greedy CTC decoding of inputs (batch, steps, classes): per step the best class, repeats
    merged (merge_repeated), blanks (mask_index) dropped, within each sequence's length.
    Returns (decoded (1, batch, steps) int32 padded with -1, log_probs (batch, 1)): the
    negative sum of the best scores, as TensorFlow's greedy decoder. Only strategy='greedy'."""
    if strategy != "greedy":
        raise NotImplementedError(f"ctc_decode: only strategy='greedy' is supported in dagnet, got {strategy!r}")
    if int(top_paths) != 1:
        raise ValueError(f"ctc_decode: greedy decoding gives one path, got top_paths={top_paths}")
    (x,) = as_values(builder, inputs)
    if x.ndim != 3:
        raise ValueError(f"ctc_decode: inputs must be (batch, steps, classes), got {tuple(x.shape)}")
    work = x.dtype if x.dtype.startswith("float") else "float32"
    x = x if x.dtype == work else lowering(cast)(builder, x, work)
    steps = _known(x.shape[1], "the number of steps", "ctc_decode")
    best = lowering(cast)(builder, lowering(argmax)(builder, x, -1), work)  # (batch, steps)
    top = lowering(_max)(builder, x, -1)
    lengths = lowering(cast)(builder, as_values(builder, sequence_lengths)[0], work)
    valid = lowering(less)(builder, np.arange(steps, dtype=work), lowering(expand_dims)(builder, lengths, -1))
    keep = lowering(multiply)(builder, valid, lowering(not_equal)(builder, best, np.asarray(int(mask_index), work)))
    if merge_repeated and steps > 1:
        previous = lowering(concatenate)(
            builder,
            [
                lowering(add)(builder, lowering(slice_by_index)(builder, best, (slice(None), slice(0, 1))), -1.0),
                lowering(slice_by_index)(builder, best, (slice(None), slice(0, steps - 1))),
            ],
            1,
        )
        keep = lowering(multiply)(builder, keep, lowering(not_equal)(builder, best, previous))
    position = lowering(subtract)(builder, lowering(cumsum)(builder, keep, 1), 1.0)  # the slot of each kept label
    slot = lowering(multiply)(
        builder,
        lowering(equal)(builder, lowering(expand_dims)(builder, position, -1), np.arange(steps, dtype=work)),
        lowering(expand_dims)(builder, keep, -1),
    )  # (batch, steps, slots)
    packed = lowering(_sum)(builder, lowering(multiply)(builder, slot, lowering(expand_dims)(builder, best, -1)), 1)
    filled = lowering(_sum)(builder, slot, 1)
    decoded = lowering(where)(builder, filled, packed, np.asarray(-1, work))
    decoded = lowering(expand_dims)(builder, lowering(cast)(builder, decoded, "int32"), 0)
    score = lowering(_sum)(builder, lowering(where)(builder, valid, top, np.zeros((), work)), -1, True)
    return decoded, lowering(negative)(builder, score)
