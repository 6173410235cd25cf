"""keras.ops.pad: constant padding is the native pad op; reflect, symmetric, edge and wrap
padding are slices of x (mirrored, the edge repeated, or the far end) concatenated around
it, one axis at a time (gradients through the slices)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, emit, lowering, op
from .array_ops import _known
from .shape_ops import concatenate, slice_by_index

__all__ = ["pad"]


def _mirror(builder, a, axis, before, after, mode):
    n = _known(a.shape[axis], "a padded axis' length", "pad")
    skip = 1 if mode == "reflect" else 0  # reflect leaves out the edge element itself
    if before + skip > n or after + skip > n:
        raise ValueError(f"pad: {mode} padding of ({before}, {after}) is too wide for an axis of length {n}")
    lead = (slice(None),) * axis
    parts = []
    if before:
        parts.append(lowering(slice_by_index)(builder, a, lead + (slice(before - 1 + skip, 0 if skip else None, -1),)))
    parts.append(a)
    if after:
        stop = n - 1 - skip - after
        parts.append(
            lowering(slice_by_index)(builder, a, lead + (slice(n - 1 - skip, None if stop < 0 else stop, -1),))
        )
    return parts[0] if len(parts) == 1 else lowering(concatenate)(builder, parts, axis)


def _edge_or_wrap(builder, a, axis, before, after, mode):
    n = _known(a.shape[axis], "a padded axis' length", "pad")
    if n == 0 or (mode == "wrap" and (before > n or after > n)):
        raise ValueError(f"pad: {mode} padding of ({before}, {after}) is too wide for an axis of length {n}")
    lead = (slice(None),) * axis

    def take(start, stop):
        return lowering(slice_by_index)(builder, a, lead + (slice(start, stop),))

    if mode == "edge":
        first, last = take(0, 1), take(n - 1, n)
        parts = [first] * before + [a] + [last] * after
    else:  # wrap: the axis' other end
        parts = ([take(n - before, n)] if before else []) + [a] + ([take(0, after)] if after else [])
    return parts[0] if len(parts) == 1 else lowering(concatenate)(builder, parts, axis)


@op
def pad(
    builder: GraphBuilder, x: TensorLike, pad_width: Any, mode: str = "constant", constant_values: Any = None
) -> Any:
    """x padded by `pad_width` ((before, after) per axis, or one pair / one int for all axes)."""
    (a,) = as_values(builder, x)
    widths = np.broadcast_to(
        np.asarray(pad_width, dtype=np.int64).reshape(-1, 2 if np.ndim(pad_width) else 1), (a.ndim, 2)
    )
    if (widths < 0).any():
        raise ValueError(f"pad: pad_width must be >= 0, got {np.asarray(pad_width).tolist()}")
    if mode == "constant":
        value = 0.0 if constant_values is None else float(constant_values)
        return emit(builder, "pad", [a], {"pads": [int(w) for w in widths.reshape(-1)], "value": value})
    if mode not in ("reflect", "symmetric", "edge", "wrap"):
        raise ValueError(f"pad: mode '{mode}' is not supported (constant, reflect, symmetric, edge, wrap)")
    if constant_values is not None:
        raise ValueError(f"pad: constant_values applies to mode='constant' only, got mode='{mode}'")
    out = a
    for axis, (before, after) in enumerate(widths):
        if before or after:
            extend = _mirror if mode in ("reflect", "symmetric") else _edge_or_wrap
            out = extend(builder, out, axis, int(before), int(after), mode)
    return out
