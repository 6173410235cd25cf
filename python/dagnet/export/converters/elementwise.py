"""Elementwise ops: unary, binary (arithmetic and comparisons), activation, where, cast,
add (n inputs), scale and fill_like."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..onnx_context import ONNX_DTYPES, NativeNode, OnnxContext
from .registry import converter


def apply_activation(ctx: OnnxContext, x: str, kind: str, alpha: float = 1.0, axis: int = -1) -> str:
    """The engine's fused activations (dense, conv, activation): linear relu elu sigmoid
    tanh softmax (softmax along `axis`)."""
    if kind in ("linear", ""):
        return x
    if kind == "relu":
        return ctx.op("Relu", [x])
    if kind == "elu":
        return ctx.op("Elu", [x], alpha=float(alpha))
    if kind == "sigmoid":
        return ctx.op("Sigmoid", [x])
    if kind == "tanh":
        return ctx.op("Tanh", [x])
    if kind == "softmax":
        return ctx.op("Softmax", [x], axis=int(axis))
    raise NotImplementedError(f"ONNX export: the activation '{kind}' has no ONNX form")


@converter("activation")
def activation(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    kind = node.attrs.get("kind", "linear")
    x = ctx.input(node, 0)
    out = apply_activation(ctx, x, kind, node.attrs.get("alpha", 1.0), node.attrs.get("axis", -1))
    return [ctx.op("Identity", [x]) if out == x else out]


def _unary_chain(ctx: OnnxContext, kind: str, x: str, dtype: str) -> str:
    simple = {
        "neg": "Neg",
        "exp": "Exp",
        "log": "Log",
        "sqrt": "Sqrt",
        "abs": "Abs",
        "sign": "Sign",
        "reciprocal": "Reciprocal",
        "softplus": "Softplus",
        "sin": "Sin",
        "cos": "Cos",
        "floor": "Floor",
        "round": "Round",  # half to even, as the engine's nearbyint
        "erf": "Erf",
        "arcsin": "Asin",
        "arccos": "Acos",
        "arctan": "Atan",
        "arcsinh": "Asinh",
        "arccosh": "Acosh",
        "arctanh": "Atanh",
    }
    if kind in simple:
        return ctx.op(simple[kind], [x])
    one = ctx.scalar(1, dtype)
    if kind == "square":
        return ctx.op("Mul", [x, x])
    if kind == "log1p":
        return ctx.op("Log", [ctx.op("Add", [x, one])])
    if kind == "expm1":
        return ctx.op("Sub", [ctx.op("Exp", [x]), one])
    if kind == "rsqrt":
        return ctx.op("Reciprocal", [ctx.op("Sqrt", [x])])
    if kind == "erfc":
        return ctx.op("Sub", [one, ctx.op("Erf", [x])])
    raise NotImplementedError(f"ONNX export: the unary op '{kind}' has no ONNX form")


@converter("unary")
def unary(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    return [_unary_chain(ctx, node.attrs["kind"], ctx.input(node, 0), ctx.dtype(node.inputs[0]))]


_ARITHMETIC = {"add": "Add", "subtract": "Sub", "multiply": "Mul", "divide": "Div", "power": "Pow"}
_EXTREMA = {"maximum": "Max", "minimum": "Min"}
_COMPARISONS = {
    "equal": "Equal",
    "less": "Less",
    "less_equal": "LessOrEqual",
    "greater": "Greater",
    "greater_equal": "GreaterOrEqual",
}


@converter("binary")
def binary(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    kind = node.attrs["kind"]
    a, b = ctx.input(node, 0), ctx.input(node, 1)
    if kind in _ARITHMETIC:
        return [ctx.op(_ARITHMETIC[kind], [a, b])]
    if kind in _EXTREMA:
        return [ctx.op(_EXTREMA[kind], [a, b])]
    # Comparisons give 0/1 in the operands' dtype, as the engine's.
    to = ONNX_DTYPES[ctx.dtype(node.outputs[0])]
    if kind == "not_equal":
        return [ctx.op("Cast", [ctx.op("Not", [ctx.op("Equal", [a, b])])], to=to)]
    if kind in _COMPARISONS:
        return [ctx.op("Cast", [ctx.op(_COMPARISONS[kind], [a, b])], to=to)]
    raise NotImplementedError(f"ONNX export: the binary op '{kind}' of {node.describe()} has no ONNX form")


@converter("where")
def where(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    condition = ctx.op("Cast", [ctx.input(node, 0)], to=ONNX_DTYPES["bool"])  # nonzero = true
    return [ctx.op("Where", [condition, ctx.input(node, 1), ctx.input(node, 2)])]


@converter("cast")
def cast(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    return [ctx.op("Cast", [ctx.input(node, 0)], to=ONNX_DTYPES[ctx.dtype(node.outputs[0])])]


@converter("add")
def add_n(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    return [ctx.op("Sum", [ctx.input(node, i) for i in range(len(node.inputs))])]


@converter("scale")
def scale(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    factor = ctx.scalar(node.attrs.get("factor", 1.0), ctx.dtype(node.inputs[0]))
    return [ctx.op("Mul", [ctx.input(node, 0), factor])]


@converter("fill_like")
def fill_like(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    dtype = ctx.dtype(node.outputs[0])
    value = ctx.tensor(np.array([node.attrs.get("value", 0.0)], dtype=dtype))
    return [ctx.op("ConstantOfShape", [ctx.op("Shape", [ctx.input(node, 0)])], value=value)]


@converter("l1_penalty", "l2_penalty")
def penalty(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """l1 * sum(|x|) or l2 * sum(x^2): the weight regularizers' terms (a scalar)."""
    x = ctx.input(node, 0)
    term = ctx.op("Abs", [x]) if node.op == "l1_penalty" else ctx.op("Mul", [x, x])
    factor = node.attrs.get("l1" if node.op == "l1_penalty" else "l2", 0.01)
    total = ctx.op("ReduceSum", [term], keepdims=0)
    return [ctx.op("Mul", [total, ctx.scalar(factor, ctx.dtype(node.inputs[0]))])]


@converter("dropout")
def dropout(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """A Dropout layer called with training=True in a prediction graph: inverted dropout,
    y = x * keep / (1 - rate), keep = (uniform [0, 1) >= rate) drawn by RandomUniformLike on
    every run (ONNX's Dropout op in training mode is not used: onnxruntime's graph
    optimizer removes Dropout nodes as inference no-ops). The masks are the runtime's own
    random stream, so the kept positions differ from dagnet's, as between any two runs.
    The keep output is read by the backward pass only."""
    x = ctx.input(node, 0)
    dtype = ctx.dtype(node.inputs[0])
    rate = float(node.attrs.get("rate", 0.5))
    seed = node.attrs.get("seed")
    uniform = ctx.op("RandomUniformLike", [x], seed=float(seed) if seed is not None else None)
    keep = ctx.op("Cast", [ctx.op("GreaterOrEqual", [uniform, ctx.scalar(rate, dtype)])], to=ONNX_DTYPES[dtype])
    return [ctx.op("Mul", [x, ctx.op("Mul", [keep, ctx.scalar(1.0 / (1.0 - rate), dtype)])]), None]
