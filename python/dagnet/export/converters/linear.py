"""Products and lookups: dense, matmul, batch_matmul, embedding."""

from __future__ import annotations

from typing import Any

from ..onnx_context import NativeNode, OnnxContext
from .elementwise import apply_activation
from .registry import converter


@converter("dense")
def dense(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """activation(x @ kernel + bias) over x's last axis."""
    y = ctx.op("MatMul", [ctx.input(node, 0), ctx.input(node, 1)])
    if len(node.inputs) == 3:
        y = ctx.op("Add", [y, ctx.input(node, 2)])
    return [apply_activation(ctx, y, node.attrs.get("activation", "linear"), node.attrs.get("alpha", 1.0))]


def _swap_last_two(ctx: OnnxContext, x: str, rank: int) -> str:
    return ctx.op("Transpose", [x], perm=list(range(rank - 2)) + [rank - 1, rank - 2])


@converter("matmul")
def matmul(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """A (..., k) @ B (k, n); B transposed with transpose_b. transpose_a folds A's leading
    axes into rows first (backward passes only), which has no ONNX form here."""
    a_rank = len(ctx.shape(node.inputs[0]))
    if node.attrs.get("transpose_a", 0) and a_rank != 2:
        raise NotImplementedError(f"ONNX export: {node.describe()} transposes a rank-{a_rank} operand")
    a, b = ctx.input(node, 0), ctx.input(node, 1)
    if node.attrs.get("transpose_a", 0):
        a = _swap_last_two(ctx, a, 2)
    if node.attrs.get("transpose_b", 0):
        b = _swap_last_two(ctx, b, 2)
    return [ctx.op("MatMul", [a, b])]


@converter("batch_matmul")
def batch_matmul(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """(..., M, K) @ (..., K, N) with equal batch axes; either side transposed by flag."""
    a, b = ctx.input(node, 0), ctx.input(node, 1)
    if node.attrs.get("transpose_a", 0):
        a = _swap_last_two(ctx, a, len(ctx.shape(node.inputs[0])))
    if node.attrs.get("transpose_b", 0):
        b = _swap_last_two(ctx, b, len(ctx.shape(node.inputs[1])))
    return [ctx.op("MatMul", [a, b])]


@converter("embedding")
def embedding(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """Rows of the table (input 1) at the indices (input 0)."""
    return [ctx.op("Gather", [ctx.input(node, 1), ctx.input(node, 0)], axis=0)]
