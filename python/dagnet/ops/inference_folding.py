"""Folding into the dense or convolution before it, in the graphs that only predict
(predict and evaluate runners, exported prediction programs; GraphBuilder.fold_inference):
a batch norm in inference, and then an elementwise activation into the op's epilogue.

    bn(conv(x, W) + b) = conv(x, W * s) + (b - mean) * s + beta,  s = gamma / sqrt(var + eps)

is exact in real arithmetic (float rounding differs by an ulp or so), so the pair becomes
one convolution whose kernel and bias a `fold_batch_norm` node derives from the live
weights on every run: nothing is cached, so training or set_weights never leave a stale
kernel behind. Folding applies when the convolution has no activation of its own, nothing
else has read its output, the batch norm normalizes the convolution's channel axis, and
rewriting the kernel (kernel elements) costs no more than the normalization pass it
saves for one example (output elements per example). An activation (relu, sigmoid, tanh,
elu) folds into a dense/conv without one whose output nothing else has read, at no cost.

Nodes are only added, never removed: the unfolded op stays in the graph, unscheduled, and
if a layer traced later reads its output after all, it runs too (correct, just slower)."""

from __future__ import annotations

import math
from typing import Any

from .._tracing import GraphBuilder, GraphTensor

_FOLDABLE = {"dense", "conv1d", "conv2d", "conv3d"}  # kernel (..., filters), inputs (x, kernel[, bias])
_FUSABLE_ACTIVATIONS = {"relu", "sigmoid", "tanh", "elu"}  # the epilogues of dense and conv


def _foldable_producer(builder: GraphBuilder, x: GraphTensor) -> dict | None:
    """The dense/conv node that produced x, when it has no activation and nothing has read x."""
    graph = builder.graph
    producer = graph.producer(x.id)
    if producer < 0 or graph.consumers(x.id):
        return None
    info = graph.node_info(producer)
    if info["op"] not in _FOLDABLE or info["attrs"].get("activation", "linear") != "linear":
        return None
    return info


def fold_activation(builder: GraphBuilder, x: GraphTensor, kind: str, alpha: float | None) -> GraphTensor | None:
    """activation(x) as the producing dense/conv with that activation fused, or None."""
    if kind not in _FUSABLE_ACTIVATIONS or not builder.fold_inference:
        return None
    info = _foldable_producer(builder, x)
    if info is None:
        return None
    attrs = {**info["attrs"], "activation": kind}
    if alpha is not None:
        attrs["alpha"] = float(alpha)
    operands = [GraphTensor(builder, i) for i in info["inputs"]]
    (y,) = builder.node(info["op"], operands, attrs, f"{info['name']}/{kind}")
    return y


def fold_batch_norm(
    builder: GraphBuilder,
    x: GraphTensor,
    param_axes: list[int],
    gamma: Any,
    beta: Any,
    mean: Any,
    variance: Any,
    epsilon: float,
) -> GraphTensor | None:
    """The batch norm of x as a folded dense/conv node, or None where folding does not apply."""
    info = _foldable_producer(builder, x) if builder.fold_inference else None
    if info is None:
        return None
    attrs = dict(info["attrs"])
    channels_first = info["op"] != "dense" and attrs.get("data_format", "channels_last") == "channels_first"
    if list(param_axes) != [1 if channels_first else x.ndim - 1]:
        return None
    inputs = info["inputs"]
    kernel = GraphTensor(builder, inputs[1])
    bias = GraphTensor(builder, inputs[2]) if len(inputs) > 2 else None
    per_example = [d for d in x.shape[1:]]
    if None not in per_example and math.prod(kernel.shape) > math.prod(per_example):
        return None
    operands = [kernel] + ([bias] if bias is not None else []) + [mean, variance]
    operands += [p for p in (gamma, beta) if p is not None]
    flags = {"epsilon": float(epsilon), "bias": int(bias is not None)}
    flags.update(scale=int(gamma is not None), center=int(beta is not None))
    folded_kernel, folded_bias = builder.node("fold_batch_norm", operands, flags)
    (y,) = builder.node(
        info["op"], [GraphTensor(builder, inputs[0]), folded_kernel, folded_bias], attrs, f"{info['name']}/folded_bn"
    )
    return y
