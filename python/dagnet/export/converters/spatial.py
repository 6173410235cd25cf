"""Convolutions and pooling (1-D, 2-D and 3-D, both data formats) and global pooling. ONNX's
Conv and pooling ops read channels-first data, so a channels_last operand is transposed
in and out; 'same' padding puts the odd pad at the end, which is ONNX's SAME_UPPER."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..onnx_context import NativeNode, OnnxContext
from .elementwise import apply_activation
from .registry import converter


def window_rank(op: str) -> int:
    """The spatial rank of a window op from its name: conv1d, max_pool3d, conv2d_transpose ..."""
    return int(next(c for c in op if c.isdigit()))


def to_channels_first(ctx: OnnxContext, x: str, rank: int) -> str:
    return ctx.op("Transpose", [x], perm=[0, rank - 1] + list(range(1, rank - 1)))


def to_channels_last(ctx: OnnxContext, x: str, rank: int) -> str:
    return ctx.op("Transpose", [x], perm=[0] + list(range(2, rank)) + [1])


def window_padding(
    padding: str, kernel: list[int], strides: list[int], dilation: list[int], spatial: tuple[int | None, ...]
) -> dict[str, Any]:
    """ONNX padding for Keras's: explicit pads where they do not depend on the input size
    (valid, causal, and 'same' with stride 1: (k - 1) * dilation in all, the odd one at the
    end) or where the size is static; SAME_UPPER (the same rule, at run time) otherwise,
    which onnxruntime supports for undilated windows only."""
    if padding == "causal":  # 1-D: (k - 1) * dilation zeros before the sequence
        return {"pads": [(kernel[0] - 1) * dilation[0], 0]}
    if padding != "same":
        return {"pads": [0] * (2 * len(kernel))}
    before, after = [], []
    for k, s, d, size in zip(kernel, strides, dilation, spatial):
        span = (k - 1) * d + 1
        if s == 1:
            total = span - 1
        elif size is not None:
            total = max((-(-size // s) - 1) * s + span - size, 0)
        else:
            return {"auto_pad": "SAME_UPPER"}
        before.append(total // 2)
        after.append(total - total // 2)
    return {"pads": before + after}


def spatial(ctx: OnnxContext, node: NativeNode) -> tuple[int, bool, tuple[int | None, ...]]:
    """(spatial rank, channels_last, input's spatial sizes) of a window op."""
    rank = window_rank(node.op)
    channels_last = node.attrs.get("data_format", "channels_last") == "channels_last"
    shape = ctx.shape(node.inputs[0])
    return rank, channels_last, shape[1:-1] if channels_last else shape[2:]


def onnx_kernel(ctx: OnnxContext, node: NativeNode, index: int, perm: list[int], shape: list[int] | None = None) -> str:
    """Operand `index` (a kernel in Keras's layout) in ONNX's: reshaped to `shape` when
    given, then transposed by `perm`; a weight becomes an initializer already in that layout."""
    value = ctx.constant_value(node.inputs[index])
    if value is not None:
        value = value if shape is None else value.reshape(shape)
        return ctx.constant(np.transpose(value, perm), f"{node.name}/kernel_onnx")
    kernel = ctx.input(node, index)
    if shape is not None:
        kernel = ctx.op("Reshape", [kernel, ctx.ints(shape)])
    return ctx.op("Transpose", [kernel], perm=perm)


def window_op(ctx: OnnxContext, node: NativeNode, op_type: str, kernel: str, window: list[int], **attrs: Any) -> str:
    """`op_type` (Conv, ConvTranspose) over the node's input with an ONNX-layout kernel and the
    node's bias, strides and dilation, in the node's data format, then its fused activation
    (on the output in the node's own layout: softmax on its last axis, as Keras)."""
    rank, channels_last, _ = spatial(ctx, node)
    x = ctx.input(node, 0)
    if channels_last:
        x = to_channels_first(ctx, x, rank + 2)
    inputs = [x, kernel] + ([ctx.input(node, 2)] if len(node.inputs) == 3 else [])
    y = ctx.op(
        op_type,
        inputs,
        kernel_shape=window,
        strides=list(node.attrs.get("strides", [1] * rank)),
        dilations=list(node.attrs.get("dilation", [1] * rank)),
        **attrs,
    )
    if channels_last:
        y = to_channels_last(ctx, y, rank + 2)
    return apply_activation(ctx, y, node.attrs.get("activation", "linear"), node.attrs.get("alpha", 1.0))


@converter("conv1d", "conv2d", "conv3d")
def conv(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """Kernel (k..., in / groups, filters) -> ONNX's grouped (filters, in / groups, k...)."""
    rank, _, sizes = spatial(ctx, node)
    window = [int(d) for d in ctx.shape(node.inputs[1])[:rank]]  # type: ignore[arg-type]
    kernel = onnx_kernel(ctx, node, 1, [rank + 1, rank] + list(range(rank)))
    dilation = list(node.attrs.get("dilation", [1] * rank))
    strides = list(node.attrs.get("strides", [1] * rank))
    padding = window_padding(node.attrs.get("padding", "valid"), window, strides, dilation, sizes)
    return [window_op(ctx, node, "Conv", kernel, window, group=int(node.attrs.get("groups", 1)), **padding)]


@converter("max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d")
def pool(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """Windows over the real elements only: an average under 'same' padding counts no pad."""
    rank, channels_last, sizes = spatial(ctx, node)
    size = list(node.attrs.get("pool_size", [2] * rank))
    strides = list(node.attrs.get("strides", size))
    x = ctx.input(node, 0)
    if channels_last:
        x = to_channels_first(ctx, x, rank + 2)
    op_type = "MaxPool" if node.op.startswith("max") else "AveragePool"
    extra = {} if op_type == "MaxPool" else {"count_include_pad": 0}
    y = ctx.op(
        op_type,
        [x],
        kernel_shape=size,
        strides=strides,
        **window_padding(node.attrs.get("padding", "valid"), size, strides, [1] * rank, sizes),
        **extra,
    )
    return [to_channels_last(ctx, y, rank + 2) if channels_last else y]


@converter("global_max_pool", "global_avg_pool")
def global_pool(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """(batch, spatial..., channels) or (batch, channels, spatial...) -> (batch, channels)."""
    rank = len(ctx.shape(node.inputs[0]))
    channels_last = node.attrs.get("data_format", "channels_last") == "channels_last"
    axes = list(range(1, rank - 1)) if channels_last else list(range(2, rank))
    op_type = "ReduceMax" if node.op == "global_max_pool" else "ReduceMean"
    return [ctx.op(op_type, [ctx.input(node, 0), ctx.ints(axes)], keepdims=0)]
