"""The normalization ops (csrc/ops/normalization.cpp) as plain ONNX arithmetic, so that
every layout the engine accepts exports the same way:

    normalize(x, [gamma], [beta], [weights]) -> y, mean, var     (statistics of x over `axes`)
    normalize_with_stats(x, mean, var, [gamma], [beta]) -> y     (a batch norm in inference)
    fold_batch_norm(kernel, [bias], mean, var, [gamma], [beta]) -> kernel', bias'

A group norm (groups, group_axis) splits its axis into (groups, channels per group) and
reduces the channels too. Modes: moments y = (x - mean) rs; rms_scaling y = x rs with the
variance's rs (Keras's deprecated LayerNormalization option); rms y = x rs with var =
mean(x^2); l2 y = x min(1 / sqrt(sum x^2), 1 / epsilon). rs = 1 / sqrt(var + epsilon)
except in l2. gamma and beta span `param_axes` (x's sizes there) and apply last."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..onnx_context import NativeNode, OnnxContext
from .registry import converter


class _Layout:
    """x viewed with a group axis split, and the reduced axes in that view."""

    def __init__(self, ctx: OnnxContext, node: NativeNode) -> None:
        self.shape = ctx.shape(node.inputs[0])
        rank = len(self.shape)
        a = node.attrs
        self.groups = int(a.get("groups", 0))
        self.group_axis = int(a.get("group_axis", -1)) % rank if self.groups else -1
        axes = sorted(int(d) % rank for d in a.get("axes", []))
        if self.groups:  # axes after the group axis move one on; the channels of a group are reduced
            g = self.group_axis
            axes = sorted([d if d < g else d + 1 for d in axes] + [g + 1])
        self.reduced = axes
        self.param_axes = [int(d) % rank for d in a.get("param_axes", [])]

    def split(self, ctx: OnnxContext, x: str) -> str:
        if not self.groups:
            return x
        g, channels = self.group_axis, self.shape[self.group_axis]
        assert channels is not None  # the engine requires it
        parts = [ctx.ints([self.groups, channels // self.groups])]
        if g > 0:
            parts.insert(0, ctx.op("Shape", [x], start=0, end=g))
        if g + 1 < len(self.shape):
            parts.append(ctx.op("Shape", [x], start=g + 1))
        return ctx.op("Reshape", [x, ctx.op("Concat", parts, axis=0)])

    def merge(self, ctx: OnnxContext, y: str, like: str) -> str:
        return y if not self.groups else ctx.op("Reshape", [y, ctx.op("Shape", [like])])

    def param(self, ctx: OnnxContext, value: str) -> str:
        """gamma or beta (x's sizes at param_axes) shaped to broadcast against x."""
        dims = [d if axis in self.param_axes else 1 for axis, d in enumerate(self.shape)]
        return ctx.op("Reshape", [value, ctx.ints([int(d) if d is not None else 1 for d in dims])])


def _affine(ctx: OnnxContext, node: NativeNode, layout: _Layout, y: str, first: int) -> str:
    """y * gamma + beta, the optional operands from input `first` on."""
    index = first
    if node.attrs.get("scale", 0):
        y = ctx.op("Mul", [y, layout.param(ctx, ctx.input(node, index))])
        index += 1
    if node.attrs.get("center", 0):
        y = ctx.op("Add", [y, layout.param(ctx, ctx.input(node, index))])
    return y


def _rs(ctx: OnnxContext, var: str, mode: str, epsilon: float, dtype: str) -> str:
    if mode == "l2":  # min(1 / sqrt(v), 1 / epsilon) = 1 / max(sqrt(v), epsilon)
        return ctx.op("Reciprocal", [ctx.op("Max", [ctx.op("Sqrt", [var]), ctx.scalar(epsilon, dtype)])])
    return ctx.op("Reciprocal", [ctx.op("Sqrt", [ctx.op("Add", [var, ctx.scalar(epsilon, dtype)])])])


def _weighted_moments(
    ctx: OnnxContext, node: NativeNode, x: str, axes: list[int], weights: str, dtype: str
) -> tuple[str, str]:
    """Keras's masked batch norm: sums weighted by the mask, over sum(weights) + count_epsilon."""
    w = ctx.op("Unsqueeze", [weights, ctx.ints([-1])])  # (x's shape without its last axis, 1)
    count = ctx.op("ReduceSum", [ctx.op("Expand", [w, ctx.op("Shape", [x])]), ctx.ints(axes)], keepdims=1)
    count = ctx.op("Add", [count, ctx.scalar(node.attrs.get("count_epsilon", 0.0), dtype)])
    mean = ctx.op("Div", [ctx.op("ReduceSum", [ctx.op("Mul", [w, x]), ctx.ints(axes)], keepdims=1), count])
    centred = ctx.op("Sub", [x, mean])
    square = ctx.op("Mul", [w, ctx.op("Mul", [centred, centred])])
    return mean, ctx.op("Div", [ctx.op("ReduceSum", [square, ctx.ints(axes)], keepdims=1), count])


@converter("normalize")
def normalize(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    a = node.attrs
    mode, epsilon = a.get("mode", "moments"), float(a.get("epsilon", 1e-3))
    dtype = ctx.dtype(node.inputs[0])
    layout = _Layout(ctx, node)
    x0 = ctx.input(node, 0)
    x = layout.split(ctx, x0)
    axes = ctx.ints(layout.reduced)
    mean: str | None
    if a.get("weighted", 0):
        weights = ctx.input(node, 1 + int(a.get("scale", 0)) + int(a.get("center", 0)))
        mean, var = _weighted_moments(ctx, node, x, layout.reduced, weights, dtype)
    elif mode in ("moments", "rms_scaling"):
        mean = ctx.op("ReduceMean", [x, axes], keepdims=1)
        centred = ctx.op("Sub", [x, mean])
        var = ctx.op("ReduceMean", [ctx.op("Mul", [centred, centred]), axes], keepdims=1)
    elif mode in ("rms", "l2"):
        mean = None
        var = ctx.op("ReduceMean" if mode == "rms" else "ReduceSum", [ctx.op("Mul", [x, x]), axes], keepdims=1)
    else:
        raise NotImplementedError(f"ONNX export: {node.describe()} has the unknown mode '{mode}'")
    rs = _rs(ctx, var, mode, epsilon, dtype)
    y = ctx.op("Mul", [ctx.op("Sub", [x, mean]) if mode == "moments" and mean is not None else x, rs])
    y = _affine(ctx, node, layout, layout.merge(ctx, y, x0), 1)
    stat_var = ctx.op("Squeeze", [var, axes])
    stat_mean = ctx.op("Squeeze", [mean, axes]) if mean is not None else ctx.op("Mul", [stat_var, ctx.scalar(0, dtype)])
    return [y, stat_mean, stat_var]


@converter("normalize_with_stats")
def normalize_with_stats(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """The statistics have x's shape without the reduced axes (a group axis as its groups)."""
    dtype = ctx.dtype(node.inputs[0])
    layout = _Layout(ctx, node)
    x0 = ctx.input(node, 0)
    x = layout.split(ctx, x0)
    axes = ctx.ints(layout.reduced)
    mean = ctx.op("Unsqueeze", [ctx.input(node, 1), axes])
    var = ctx.op("Unsqueeze", [ctx.input(node, 2), axes])
    rs = _rs(ctx, var, "moments", float(node.attrs.get("epsilon", 1e-3)), dtype)
    y = ctx.op("Mul", [ctx.op("Sub", [x, mean]), rs])
    return [_affine(ctx, node, layout, layout.merge(ctx, y, x0), 3)]


@converter("fold_batch_norm")
def fold_batch_norm(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """kernel * s and (bias - mean) * s + beta, s = gamma / sqrt(var + epsilon) along the
    kernel's last axis: computed here in float64 as the engine does when every operand is a
    weight, else as ONNX nodes."""
    a = node.attrs
    epsilon = float(a.get("epsilon", 1e-3))
    names = ["kernel"] + (["bias"] if a.get("bias", 0) else []) + ["mean", "var"]
    names += (["gamma"] if a.get("scale", 0) else []) + (["beta"] if a.get("center", 0) else [])
    values = {n: ctx.constant_value(node.inputs[i]) for i, n in enumerate(names)}
    if all(v is not None for v in values.values()):
        v64 = {n: np.asarray(v, np.float64) for n, v in values.items()}
        factor = v64.get("gamma", 1.0) / np.sqrt(v64["var"] + epsilon)
        folded_bias = (v64.get("bias", 0.0) - v64["mean"]) * factor + v64.get("beta", 0.0)
        dtype = values["kernel"].dtype  # type: ignore[union-attr]
        kernel = ctx.constant((v64["kernel"] * factor).astype(dtype), f"{node.name}/kernel")
        return [kernel, ctx.constant(np.asarray(folded_bias, dtype), f"{node.name}/bias")]
    inputs = {n: ctx.input(node, i) for i, n in enumerate(names)}
    dtype = ctx.dtype(node.inputs[0])
    s = _rs(ctx, inputs["var"], "moments", epsilon, dtype)
    if "gamma" in inputs:
        s = ctx.op("Mul", [s, inputs["gamma"]])
    bias = ctx.op("Neg", [inputs["mean"]]) if "bias" not in inputs else ctx.op("Sub", [inputs["bias"], inputs["mean"]])
    bias = ctx.op("Mul", [bias, s])
    if "beta" in inputs:
        bias = ctx.op("Add", [bias, inputs["beta"]])
    return [ctx.op("Mul", [inputs["kernel"], s]), bias]
