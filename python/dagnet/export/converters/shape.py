"""Shape ops: reshape (and TimeDistributed's folds), transpose, expand_dims, squeeze,
concatenate, stack, slice, pad. Shapes known only at run time are read with Shape nodes, so a
model keeps its dynamic batch and sequence axes."""

from __future__ import annotations

from typing import Any

from ..onnx_context import NativeNode, OnnxContext
from .registry import converter

INT64_MAX, INT64_MIN = 2**63 - 1, -(2**63)


@converter("reshape")
def reshape(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """The engine's shape attribute follows ONNX: 0 copies the input's dim, one -1 is inferred."""
    return [ctx.op("Reshape", [ctx.input(node, 0), ctx.ints(node.attrs["shape"])])]


@converter("reshape_like")
def reshape_like(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    return [ctx.op("Reshape", [ctx.input(node, 0), ctx.op("Shape", [ctx.input(node, 1)])])]


@converter("stop_gradient")
def stop_gradient(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """Inference has no gradients: the value itself."""
    return [ctx.op("Identity", [ctx.input(node, 0)])]


@converter("merge_leading_axes")
def merge_leading_axes(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """(B, T, ...) -> (B*T, ...)."""
    x = ctx.input(node, 0)
    shape = ctx.op("Concat", [ctx.ints([-1]), ctx.op("Shape", [x], start=2)], axis=0)
    return [ctx.op("Reshape", [x, shape])]


@converter("split_leading_axes")
def split_leading_axes(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """(B*T, ...) -> (B, T, ...), B and T read from the second operand."""
    y, like = ctx.input(node, 0), ctx.input(node, 1)
    shape = ctx.op("Concat", [ctx.op("Shape", [like], start=0, end=2), ctx.op("Shape", [y], start=1)], axis=0)
    return [ctx.op("Reshape", [y, shape])]


@converter("transpose")
def transpose(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    perm = list(node.attrs.get("perm") or [])
    if not perm:  # empty: reverse the axes
        perm = list(reversed(range(len(ctx.shape(node.inputs[0])))))
    return [ctx.op("Transpose", [ctx.input(node, 0)], perm=perm)]


@converter("expand_dims")
def expand_dims(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """The axis counts in the output's axes (-1 appends), as ONNX's Unsqueeze."""
    return [ctx.op("Unsqueeze", [ctx.input(node, 0), ctx.ints([node.attrs.get("axis", 0)])])]


@converter("squeeze")
def squeeze(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """No axes: every axis of static size 1 (the engine decides from the static shape)."""
    axes = list(node.attrs.get("axes") or [])
    if not axes:
        axes = [a for a, d in enumerate(ctx.shape(node.inputs[0])) if d == 1]
    return [ctx.op("Squeeze", [ctx.input(node, 0), ctx.ints(axes)])]


@converter("concatenate")
def concatenate(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    inputs = [ctx.input(node, i) for i in range(len(node.inputs))]
    return [ctx.op("Concat", inputs, axis=int(node.attrs.get("axis", -1)))]


@converter("stack")
def stack(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    axis = int(node.attrs.get("axis", 0))
    pieces = [ctx.op("Unsqueeze", [ctx.input(node, i), ctx.ints([axis])]) for i in range(len(node.inputs))]
    return [ctx.op("Concat", pieces, axis=axis)]


def _axis_bounds(dim: int | None, begin: int, end: int, step: int, begin_mask: int, end_mask: int) -> tuple[int, int]:
    """ONNX Slice bounds for Python's x[begin:end:step] on one axis. With the size known,
    Python's clamping is done here (ONNX clamps a negative-step start differently); with
    it unknown, the masks become ONNX's open bounds."""
    if dim is None:
        start = (0 if step > 0 else INT64_MAX) if begin_mask else begin
        stop = (INT64_MAX if step > 0 else INT64_MIN) if end_mask else end
        return start, stop
    python_slice = slice(None if begin_mask else begin, None if end_mask else end, step)
    start, stop, step = python_slice.indices(dim)
    count = len(range(start, stop, step))
    if count == 0:
        return 0, 0
    stop = start + count * step
    return start, (INT64_MIN if stop < 0 else stop)


@converter("slice")
def slice_(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """Python basic slicing of the leading axes; integer-indexed axes are squeezed."""
    shape = ctx.shape(node.inputs[0])
    a = node.attrs
    n = len(a.get("begin", []))
    strides = list(a.get("strides", [1] * n))
    begin_mask, end_mask = list(a.get("begin_mask", [0] * n)), list(a.get("end_mask", [0] * n))
    squeezed = set(a.get("squeeze_axes", []))
    starts, ends = [], []
    for axis in range(n):
        if axis in squeezed:
            index, size = int(a["begin"][axis]), shape[axis]
            if size is not None and index < 0:
                index += size
            starts.append(index)
            ends.append(INT64_MAX if index == -1 else index + 1)
            continue
        start, stop = _axis_bounds(
            shape[axis], int(a["begin"][axis]), int(a["end"][axis]), strides[axis], begin_mask[axis], end_mask[axis]
        )
        starts.append(start)
        ends.append(stop)
    x = ctx.input(node, 0)
    if n:
        x = ctx.op("Slice", [x, ctx.ints(starts), ctx.ints(ends), ctx.ints(list(range(n))), ctx.ints(strides)])
    if squeezed:
        x = ctx.op("Squeeze", [x, ctx.ints(sorted(squeezed))])
    return [x if x != ctx.input(node, 0) else ctx.op("Identity", [x])]


_REDUCERS = {"sum": "ReduceSum", "mean": "ReduceMean", "max": "ReduceMax", "min": "ReduceMin", "prod": "ReduceProd"}


@converter("pad")
def pad(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """The engine's pads are (before, after) per axis; ONNX's all befores, then all afters."""
    pads = list(node.attrs["pads"])
    fill = ctx.scalar(node.attrs.get("value", 0.0), ctx.dtype(node.inputs[0]))
    return [ctx.op("Pad", [ctx.input(node, 0), ctx.ints(pads[0::2] + pads[1::2]), fill], mode="constant")]


@converter("reduce")
def reduce(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """Axes may be negative; none = all."""
    axes = list(node.attrs.get("axes") or [])
    inputs = [ctx.input(node, 0)] + ([ctx.ints(axes)] if axes else [])
    return [ctx.op(_REDUCERS[node.attrs.get("kind", "sum")], inputs, keepdims=int(node.attrs.get("keepdims", 0)))]
