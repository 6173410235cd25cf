"""Depthwise and transposed convolutions (1-D to 3-D, both data formats) as ONNX Conv with
one group per input channel and ONNX ConvTranspose. A separable convolution lowers to a
depthwise one and a 1x1 conv, so it exports through these and spatial.conv."""

from __future__ import annotations

from typing import Any

from ..onnx_context import NativeNode, OnnxContext
from .registry import converter
from .spatial import onnx_kernel, spatial, window_op, window_padding


@converter("depthwise_conv1d", "depthwise_conv2d")
def depthwise_conv(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """Kernel (k..., channels, multiplier): output channel c * multiplier + j reads input
    channel c, which is ONNX's Conv with group = channels and W (channels * multiplier, 1, k...)."""
    rank, _, sizes = spatial(ctx, node)
    kernel_shape = ctx.shape(node.inputs[1])
    window = [int(d) for d in kernel_shape[:rank]]  # type: ignore[arg-type]
    channels, multiplier = int(kernel_shape[rank]), int(kernel_shape[rank + 1])  # type: ignore[arg-type]
    kernel = onnx_kernel(ctx, node, 1, [rank + 1, rank] + list(range(rank)), shape=window + [1, channels * multiplier])
    dilation = list(node.attrs.get("dilation", [1] * rank))
    strides = list(node.attrs.get("strides", [1] * rank))
    padding = window_padding(node.attrs.get("padding", "valid"), window, strides, dilation, sizes)
    return [window_op(ctx, node, "Conv", kernel, window, group=channels, **padding)]


def transpose_padding(
    padding: str, window: list[int], strides: list[int], dilation: list[int], output_padding: list[int]
) -> dict[str, list[int]]:
    """ONNX ConvTranspose's pads and output_padding for Keras's output size (see
    layers/conv_transpose.py). Keras's JAX backend writes it as the padding (left, right) of
    the stride-dilated input before a convolution with the flipped kernel; ONNX's pads crop
    the full output (in - 1) * stride + span instead, so the crop is span - 1 - pad at each
    end, and a negative crop at the end (rows of bias only) is ONNX's output_padding. None
    of it depends on the input's size, so the exported model keeps free spatial sizes."""
    begins, ends, extra = [], [], []
    for i, (k, s, d) in enumerate(zip(window, strides, dilation)):
        span = (k - 1) * d + 1
        given = output_padding[i] if output_padding else None
        if padding == "valid":
            left, right = span - 1, span - 1 + (max(span, s) - span if given is None else given)
        else:
            total = s + span - 2 if given is None else span + span % 2 - 2 + given
            left = min(total // 2 + total % 2, span - 1)
            right = total - left
        begins.append(span - 1 - left)
        ends.append(max(span - 1 - right, 0))
        extra.append(max(right - (span - 1), 0))
    return {"pads": begins + ends, "output_padding": extra}


@converter("conv1d_transpose", "conv2d_transpose", "conv3d_transpose")
def conv_transpose(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """Kernel (k..., filters, in) -> ONNX ConvTranspose's W (in, filters, k...)."""
    rank = spatial(ctx, node)[0]
    window = [int(d) for d in ctx.shape(node.inputs[1])[:rank]]  # type: ignore[arg-type]
    kernel = onnx_kernel(ctx, node, 1, [rank + 1, rank] + list(range(rank)))
    padding = transpose_padding(
        node.attrs.get("padding", "valid"),
        window,
        list(node.attrs.get("strides", [1] * rank)),
        list(node.attrs.get("dilation", [1] * rank)),
        list(node.attrs.get("output_padding", [])),
    )
    return [window_op(ctx, node, "ConvTranspose", kernel, window, **padding)]
