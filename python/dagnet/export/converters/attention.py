"""The fused attention op (csrc/ops/attention.cpp) as ONNX arithmetic:

    attention(q (B, T, N, H), k (B, S, N, H), v (B, S, N, Hv)[, counter][, mask])
        -> out (B, T, N, Hv), probs (B, N, T, S)

scores = scale * q k^T per head; a key is visible where the mask (each axis 1 or full,
nonzero = attend) is nonzero and, when causal, its index is at most the query's; probs is
the softmax over the visible keys, and a row with no visible key is all zeros
(zero_masked_rows, or S = 0) or uniform 1/S, as the engine's kernels write it. Dropout
(dropout > 0: a training-mode call) has no counterpart here and is refused by name."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..onnx_context import ONNX_DTYPES, NativeNode, OnnxContext
from .registry import converter


def _causal_visible(ctx: OnnxContext, q: str, k: str) -> str:
    """(T, S) booleans: key j visible to query i when j <= i."""
    t = ctx.op("Shape", [q], start=1, end=2)
    s = ctx.op("Shape", [k], start=1, end=2)
    zero, one = ctx.constant(np.array(0, np.int64)), ctx.constant(np.array(1, np.int64))
    rows = ctx.op("Range", [zero, ctx.op("Squeeze", [t]), one])
    cols = ctx.op("Range", [zero, ctx.op("Squeeze", [s]), one])
    return ctx.op(
        "LessOrEqual", [ctx.op("Unsqueeze", [cols, ctx.ints([0])]), ctx.op("Unsqueeze", [rows, ctx.ints([1])])]
    )


@converter("attention")
def attention(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    a = node.attrs
    if float(a.get("dropout", 0.0)) > 0:
        raise NotImplementedError(
            f"ONNX export: {node.describe()} applies attention dropout (a training-mode call): "
            "export the model as it predicts, without training=True"
        )
    q, k, v = (ctx.input(node, i) for i in range(3))
    dtype = ctx.dtype(node.inputs[0])
    scores = ctx.op(
        "MatMul", [ctx.op("Transpose", [q], perm=[0, 2, 1, 3]), ctx.op("Transpose", [k], perm=[0, 2, 3, 1])]
    )
    scores = ctx.op("Mul", [scores, ctx.scalar(float(a.get("scale", 1.0)), dtype)])
    visible = None
    if int(a.get("has_mask", 0)):
        mask = ctx.input(node, len(node.inputs) - 1)
        visible = ctx.op("Not", [ctx.op("Equal", [mask, ctx.scalar(0.0, dtype)])])
    if int(a.get("causal", 0)):
        causal = _causal_visible(ctx, q, k)
        visible = causal if visible is None else ctx.op("And", [visible, causal])
    if visible is None:
        probs = ctx.op("Softmax", [scores], axis=-1)
    else:
        # Hidden keys at -inf; a row with none visible would be 0 / 0, so it takes the
        # engine's empty-row value instead.
        visible = ctx.op("Expand", [visible, ctx.op("Shape", [scores])])
        minus_inf = ctx.scalar(-np.inf, dtype)
        masked = ctx.op("Where", [visible, scores, minus_inf])
        any_visible = ctx.op(
            "Cast",
            [ctx.op("ReduceMax", [ctx.op("Cast", [visible], to=ONNX_DTYPES["int32"]), ctx.ints([-1])], keepdims=1)],
            to=ONNX_DTYPES["bool"],
        )
        row_max = ctx.op(
            "Where", [any_visible, ctx.op("ReduceMax", [masked, ctx.ints([-1])], keepdims=1), ctx.scalar(0.0, dtype)]
        )
        e = ctx.op("Exp", [ctx.op("Sub", [masked, row_max])])
        total = ctx.op(
            "Where", [any_visible, ctx.op("ReduceSum", [e, ctx.ints([-1])], keepdims=1), ctx.scalar(1.0, dtype)]
        )
        if int(a.get("zero_masked_rows", 0)):
            empty = ctx.scalar(0.0, dtype)
        else:
            keys = ctx.op("Cast", [ctx.op("Shape", [k], start=1, end=2)], to=ONNX_DTYPES[dtype])
            empty = ctx.op("Reciprocal", [keys])
        probs = ctx.op("Where", [any_visible, ctx.op("Div", [e, total]), empty])
    out = ctx.op("MatMul", [probs, ctx.op("Transpose", [v], perm=[0, 2, 1, 3])])
    return [ctx.op("Transpose", [out], perm=[0, 2, 1, 3]), probs]
