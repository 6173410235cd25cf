"""More keras.ops: nextafter (a native binary kind), angle, saturate_cast, segment_prod,
argpartition and rearrange (einops-style axis patterns, one reshape / transpose / reshape)."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, emit, lowering, op
from .array_ops import _standard_dtype
from .bucketing import _segments
from .math import clip, less, prod, where
from .math_more import _floating, _floating_pair
from .shape_ops import cast, expand_dims, reshape, transpose
from .sorting import argsort

__all__ = ["nextafter", "angle", "saturate_cast", "segment_prod", "argpartition", "rearrange"]


@op
def nextafter(builder: GraphBuilder, x1: TensorLike, x2: TensorLike) -> Any:
    """The next representable float after x1 toward x2 (no gradient; integers give float32)."""
    a, b = _floating_pair(builder, x1, x2)
    return emit(builder, "binary", [a, b], {"kind": "nextafter"})


@op
def angle(builder: GraphBuilder, x: TensorLike) -> Any:
    """The complex argument of real x: pi where x < 0, else 0 (-0.0 included, as Keras's)."""
    a = _floating(builder, x)
    return lowering(where)(builder, lowering(less)(builder, a, np.zeros((), a.dtype)), np.asarray(np.pi, a.dtype), 0.0)


@op
def saturate_cast(builder: GraphBuilder, x: TensorLike, dtype: Any) -> Any:
    """x cast to `dtype` with values clipped to its range first (no integer wrap-around)."""
    target = _standard_dtype(dtype)
    (a,) = as_values(builder, x)
    if target is None:
        raise ValueError("saturate_cast: dtype is required")
    if np.dtype(target).kind in "iu" and a.dtype.startswith("float"):
        # Clipped in float64, where every int32 bound is exact (float32 rounds 2**31 - 1 up).
        info = np.iinfo(target)
        a = lowering(cast)(builder, a, "float64")
        a = lowering(clip)(builder, a, np.asarray(info.min, "float64"), np.asarray(info.max, "float64"))
    elif np.dtype(target).kind in "iu":
        info, have = np.iinfo(target), np.iinfo(a.dtype)
        if info.max < have.max:
            a = lowering(clip)(builder, a, np.asarray(max(info.min, have.min), a.dtype), np.asarray(info.max, a.dtype))
    elif np.dtype(target).kind == "f" and a.dtype.startswith("float"):
        limits = np.finfo(target)
        if limits.max < np.finfo(a.dtype).max:
            a = lowering(clip)(builder, a, np.asarray(limits.min, a.dtype), np.asarray(limits.max, a.dtype))
    return lowering(cast)(builder, a, target)


@op
def segment_prod(
    builder: GraphBuilder, data: TensorLike, segment_ids: TensorLike, num_segments: Any = None, sorted: bool = False
) -> Any:
    """The products of data's rows (axis 0) with each segment id; 1 for an empty segment."""
    d, work, hot, count, rest = _segments(builder, data, segment_ids, num_segments, "segment_prod")
    member = lowering(reshape)(builder, hot, [-1, count] + [1] * len(rest))  # (n, segments, 1...)
    factors = lowering(where)(builder, member, lowering(expand_dims)(builder, work, 1), np.ones((), work.dtype))
    out = lowering(prod)(builder, factors, 0)
    return out if out.dtype == d.dtype else lowering(cast)(builder, out, d.dtype)


@op
def argpartition(builder: GraphBuilder, x: TensorLike, kth: int, axis: int = -1) -> Any:
    """Indices that partition x along `axis` around its kth smallest element: every index before
    position kth points at a value <= it, every one after at a value >= it. (A stable full
    argsort is such a partition; the order within each side is not specified by Keras.)"""
    (a,) = as_values(builder, x)
    n = a.shape[int(axis)]
    if n is not None and not -n <= int(kth) < n:
        raise ValueError(f"argpartition: kth {kth} is out of range for an axis of length {n}")
    return lowering(argsort)(builder, a, int(axis))


def _groups(side: str) -> list[list[str]]:
    parts = re.findall(r"\(.*?\)|[^\s()]+", side)
    groups = [re.findall(r"\w+", p) if p.startswith("(") else [p] for p in parts]
    for g in groups:
        for name in g:
            if not re.fullmatch(r"\w+", name):
                raise ValueError(f"rearrange: bad axis name {name!r} in pattern side {side!r}")
    return groups


@op
def rearrange(builder: GraphBuilder, /, tensor: TensorLike, pattern: str, **axes_lengths: Any) -> Any:
    """einops-style rearrangement, as Keras's: 'b (h h1) w c -> b h (w h1) c' splits the
    parenthesised input groups (lengths from axes_lengths, one per group inferred), permutes
    the named axes and merges the output groups."""
    (a,) = as_values(builder, tensor)
    if pattern.count("->") != 1:
        raise ValueError(f"rearrange: the pattern needs one '->', got {pattern!r}")
    left, right = (s.strip() for s in pattern.split("->"))
    inputs, outputs = _groups(left), _groups(right)
    if len(inputs) != a.ndim:
        raise ValueError(f"rearrange: '{left}' names {len(inputs)} axes, but the tensor has shape {tuple(a.shape)}")
    names = [n for g in inputs for n in g]
    out_names = [n for g in outputs for n in g]
    if len(set(names)) != len(names) or sorted(names) != sorted(out_names):
        raise ValueError(f"rearrange: both sides must name the same axes once each, got {pattern!r}")
    sizes: dict[str, Any] = {}
    for group, dim in zip(inputs, a.shape):
        unknown = [n for n in group if n not in axes_lengths]
        if len(group) == 1 and not unknown:
            if dim is not None and int(axes_lengths[group[0]]) != dim:
                raise ValueError(f"rearrange: axis {group[0]} has length {dim}, not {axes_lengths[group[0]]}")
        if len(unknown) > 1:
            raise ValueError(f"rearrange: the lengths of {unknown} in {pattern!r} are needed (axes_lengths)")
        known = math.prod(int(axes_lengths[n]) for n in group if n in axes_lengths)
        for n in group:
            sizes[n] = int(axes_lengths[n]) if n in axes_lengths else None
        if unknown:
            if dim is not None:
                if known == 0 or dim % known:
                    raise ValueError(f"rearrange: axis of length {dim} does not split into {group} ({axes_lengths})")
                sizes[unknown[0]] = dim // known
        elif dim is not None and known != dim:
            raise ValueError(f"rearrange: {group} multiply to {known}, but the axis has length {dim}")
    split = [-1 if sizes[n] is None else sizes[n] for n in names]
    if split.count(-1) > 1:
        raise ValueError(f"rearrange: more than one axis of {pattern!r} is unknown until run time")
    t = a if len(names) == a.ndim else lowering(reshape)(builder, a, split)
    order = [names.index(n) for n in out_names]
    if order != list(range(len(order))):
        t = lowering(transpose)(builder, t, order)
    merged = []
    for g in outputs:
        lengths = [sizes[n] for n in g]
        merged.append(-1 if None in lengths else math.prod(lengths))
    if len(outputs) == len(out_names):
        return t
    return lowering(reshape)(builder, t, merged)
