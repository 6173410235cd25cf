"""The resize op (UpSampling1D/2D/3D, Resizing, CenterCrop, RandomCrop at inference,
ops.image.resize) over the spatial axes, in either data format.

Where TensorFlow's rules and ONNX Resize's agree, it is one Resize that keeps free input
sizes: nearest repetition by integer factors is asymmetric/floor;
TensorFlow's half-pixel nearest, floor((i + 0.5) * in / out), is half_pixel with
round_prefer_ceil; bilinear is half_pixel linear (both clamp at the border); antialiased
bicubic (TensorFlow's scale_and_translate: Keys's cubic, a = -0.5, the kernel stretched by
the downscale factor, taps outside the image dropped and the rest renormalised) is cubic
with antialias=1 and exclude_outside=1. Where they do not (area and Lanczos: no ONNX mode;
bicubic without antialias, whose TensorFlow weights come from a 1024-entry table, up to
~2e-3 from the exact cubic; antialiased bilinear downscaling, where onnxruntime's filter
differs from TensorFlow's), an input of static spatial size is resampled one axis at a time
by a MatMul with the engine's own taps (its resize op run on an identity at export time);
of a size known only at run time, it is refused by name with the reason. The aspect-ratio
fits are a Slice (crop) or Pad (fill) of the input first, placed from the input's static
size as the engine places them (refused for a size known only at run time)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._tracing import GraphBuilder
from ...engine import Executor
from ...ops._dispatch import emit
from ..onnx_context import NativeNode, OnnxContext
from .registry import converter

_MODES: dict[str, dict[str, Any]] = {
    "nearest": {"mode": "nearest", "nearest_mode": "round_prefer_ceil"},
    "bilinear": {"mode": "linear"},
    "bicubic": {"mode": "cubic", "cubic_coeff_a": -0.5, "exclude_outside": 1, "antialias": 1},
}


def _refuse(node: NativeNode, why: str) -> NotImplementedError:
    return NotImplementedError(f"ONNX export: {node.describe()} cannot be exported: {why}")


def _f32(value: float) -> float:
    return float(np.float32(value))


def _fit_window(node: NativeNode, fit: str, h: int, w: int, th: int, tw: int) -> tuple[str, list[int]]:
    """("crop", [top, left, height, width]) or ("pad", [top, left]) of the input that the
    resize then stretches to (th, tw): resize.cpp's axis_tables, in the same arithmetic."""
    if fit == "pad_to_aspect":  # TensorFlow's float32 arithmetic
        ph = max(h, int(_f32(_f32(w * th) / _f32(tw))))
        pw = max(w, int(_f32(_f32(h * tw) / _f32(th))))
        return "pad", [int(_f32((ph - h) / 2.0)), int(_f32((pw - w) / 2.0))]
    if fit == "center_crop" and h >= th and w >= tw:
        return "crop", [(h - th) // 2, (w - tw) // 2, th, tw]
    if fit == "window":
        top, left, height, width = (int(v) for v in node.attrs["window"])
        top, left = min(top, h - 1), min(left, w - 1)
        return "crop", [top, left, min(height, h - top), min(width, w - left)]
    if fit == "crop_to_aspect":
        ch, cw = int(_f32(_f32(w * th) / _f32(tw))), int(_f32(_f32(h * tw) / _f32(th)))
    else:  # smart_resize (and center_crop of a smaller input): Python floats
        ch, cw = int(w * th / tw), int(h * tw / th)
    ch, cw = max(min(h, ch), 1), max(min(w, cw), 1)
    return "crop", [int((h - ch) / 2), int((w - cw) / 2), ch, cw]


def _fitted_input(
    ctx: OnnxContext, node: NativeNode, x: str, axes: list[int], size: list[int]
) -> tuple[str, list[int]]:
    """The input cropped or padded as the node's fit says, and its new spatial size."""
    fit = node.attrs.get("fit", "stretch")
    spatial = [ctx.shape(node.inputs[0])[a] for a in axes]
    if fit == "stretch":
        return x, [s if s is not None else -1 for s in spatial]
    if None in spatial:
        raise _refuse(node, f"the '{fit}' fit of an input whose size is known only at run time has no converter")
    h, w = (int(s) for s in spatial)  # type: ignore[arg-type]
    kind, where = _fit_window(node, fit, h, w, size[0], size[1])
    if kind == "crop":
        top, left, height, width = where
        starts, ends = ctx.ints([top, left]), ctx.ints([top + height, left + width])
        return ctx.op("Slice", [x, starts, ends, ctx.ints(axes)]), [height, width]
    top, left = where
    pads = [0] * (2 * len(ctx.shape(node.inputs[0])))
    rank = len(pads) // 2
    pads[axes[0]] = pads[axes[0] + rank] = top
    pads[axes[1]] = pads[axes[1] + rank] = left
    fill = ctx.scalar(node.attrs.get("fill_value", 0.0), ctx.dtype(node.inputs[0]))
    return ctx.op("Pad", [x, ctx.ints(pads), fill], mode="constant"), [h + 2 * top, w + 2 * left]


def _engine_taps(method: str, antialias: bool, n: int, m: int, dtype: str) -> np.ndarray:
    """The (n, m) matrix of the engine's own resampling of one axis from n to m cells: its
    resize op run on the n one-hot rows of the identity (row p: where input cell p goes)."""
    builder = GraphBuilder()
    with builder.active():
        basis = builder.as_value(np.eye(n, dtype=dtype)[:, :, None])
        attrs = {"size": [m], "interpolation": method, "antialias": int(antialias)}
        out = emit(builder, "resize", [basis], attrs)
    (taps,) = Executor(builder.graph, [out.id], builder.state_updates).run([])
    return np.asarray(taps)[:, :, 0]


def _by_matrices(
    ctx: OnnxContext, node: NativeNode, x: str, axes: list[int], sizes: list[int], out: list[int], method: str
) -> str:
    """Each spatial axis through a MatMul with the engine's taps (any method, static sizes)."""
    rank = len(ctx.shape(node.inputs[0]))
    dtype = ctx.dtype(node.inputs[0])
    antialias = bool(node.attrs.get("antialias", 0))
    for axis, n, m in zip(axes, sizes, out):
        taps = _engine_taps(method, antialias, n, m, dtype)
        if n == m and np.array_equal(taps, np.eye(n, dtype=dtype)):
            continue
        matrix = ctx.constant(taps, f"{node.name}/taps")
        if axis == rank - 1:
            x = ctx.op("MatMul", [x, matrix])
            continue
        perm = [a for a in range(rank) if a != axis] + [axis]  # the axis last, through the MatMul, back
        back = [perm.index(a) for a in range(rank)]
        x = ctx.op("Transpose", [ctx.op("MatMul", [ctx.op("Transpose", [x], perm=perm), matrix])], perm=back)
    return x


@converter("resize")
def resize(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    attrs = node.attrs
    factors, size = [int(f) for f in attrs.get("factors", [])], [int(s) for s in attrs.get("size", [])]
    method = attrs.get("interpolation", "bilinear")
    first = 2 if attrs.get("data_format", "channels_last") == "channels_first" else 1
    axes = list(range(first, first + len(factors or size)))
    x = ctx.input(node, 0)
    rank = len(ctx.shape(node.inputs[0]))
    if factors and method == "nearest":  # UpSampling's repetition
        modes = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
        return [ctx.op("Resize", [x, "", _full_scales(ctx, rank, axes, factors)], **modes)]
    x, fitted = _fitted_input(ctx, node, x, axes, size)
    out = [i * f if i >= 0 else -1 for i, f in zip(fitted, factors)] if factors else size
    if not factors and fitted == out:  # a crop to the target size: nothing to resample
        return [x]
    why = _resize_mismatch(node, method, fitted, out)
    if why is not None and -1 in fitted:
        raise _refuse(node, f"{why}, and the input's size is known only at run time (a static size exports)")
    if why is not None:
        return [_by_matrices(ctx, node, x, axes, fitted, out, method)]
    if factors:
        sizes = ["", _full_scales(ctx, rank, axes, factors)]
    else:  # (batch and channels read at run time)
        head, tail = ctx.op("Shape", [x], end=axes[0]), ctx.op("Shape", [x], start=axes[-1] + 1)
        sizes = ["", "", ctx.op("Concat", [head, ctx.ints(size), tail], axis=0)]
    return [ctx.op("Resize", [x] + sizes, coordinate_transformation_mode="half_pixel", **_MODES[method])]


def _full_scales(ctx: OnnxContext, rank: int, axes: list[int], factors: list[int]) -> str:
    """Resize's scales for every axis, 1 but on `axes`. (Not Resize's own `axes`: onnxruntime's
    layout optimizer, moving a Transpose across the Resize, permutes its scales or sizes as if
    they covered every axis, which breaks the session.)"""
    scales = np.ones(rank, dtype=np.float32)
    scales[axes] = factors
    return ctx.constant(scales, "scales")


def _resize_mismatch(node: NativeNode, method: str, sizes: list[int], out: list[int]) -> str | None:
    """Why ONNX Resize cannot reproduce the engine's resampling here (None when it can)."""
    if method not in _MODES:
        return f"'{method}' interpolation (TensorFlow's) has no ONNX Resize mode"
    antialias = bool(node.attrs.get("antialias", 0)) and method != "nearest"  # (TensorFlow ignores it for nearest)
    if method == "bicubic" and not antialias:
        return (
            "bicubic without antialias: TensorFlow's resize_bicubic reads its weights from a 1024-entry table, up "
            "to ~2e-3 from the exact cubic of ONNX Resize"
        )
    if method == "bilinear" and antialias and any(i < 0 or o < i for i, o in zip(sizes, out)):
        return "antialiased bilinear downscaling: onnxruntime's antialiased linear filter differs from TensorFlow's"
    return None
