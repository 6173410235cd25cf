"""The converter registry: native op name -> function that writes the op as ONNX nodes.

Layers lower into native ops (dagnet.ops / the engine), so a new layer built from ops that
have converters exports with nothing added; a layer that brings a new native op registers
one converter for it::

    @converter("batch_norm")
    def batch_norm(ctx: OnnxContext, node: NativeNode) -> list[str | None]:
        x, scale, bias, mean, var = (ctx.input(node, i) for i in range(5))
        return [ctx.op("BatchNormalization", [x, scale, bias, mean, var], epsilon=node.attrs["epsilon"])]

A converter returns the ONNX name of each native output, in order (None for an output it
does not produce, such as the activations a fused op saves for its backward pass)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..onnx_context import NativeNode, OnnxContext
from .unsupported import NOT_EXPORTED

Converter = Callable[[OnnxContext, NativeNode], list[Any]]

CONVERTERS: dict[str, Converter] = {}


def converter(*op_names: str) -> Callable[[Converter], Converter]:
    """Registers the decorated function as the converter of each native op in `op_names`."""

    def register(fn: Converter) -> Converter:
        for name in op_names:
            if name in CONVERTERS:
                raise ValueError(f"a converter for the native op '{name}' is already registered")
            CONVERTERS[name] = fn
        return fn

    return register


def convert_node(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """Converts one node, or raises naming the op ONNX export has no converter for (and why,
    for the ops NOT_EXPORTED lists)."""
    fn = CONVERTERS.get(node.op)
    if fn is None and node.op in NOT_EXPORTED:
        raise NotImplementedError(f"ONNX export: {node.describe()} cannot be exported: {NOT_EXPORTED[node.op]}")
    if fn is None:
        raise NotImplementedError(
            f"ONNX export: {node.describe()} has no ONNX converter (ops that export: "
            f"{', '.join(sorted(CONVERTERS))}). Register one with "
            "dagnet.export.converters.converter, or leave that layer out of the exported model."
        )
    outputs = fn(ctx, node)
    if len(outputs) != len(node.outputs):
        raise AssertionError(
            f"the ONNX converter of '{node.op}' returned {len(outputs)} outputs for {len(node.outputs)}"
        )
    return outputs
