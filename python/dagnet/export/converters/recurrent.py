"""LSTM as an ONNX Scan over time, step for step the engine's kernel (Keras's semantics):

    z = x_t W + b + h U;  i, f, o = ra(z_i, z_f, z_o);  g = a(z_c)   (Keras's gate order i f c o)
    c~ = f c + i g;  h~ = o a(c~)

A masked step keeps the state and repeats the previous output (zero before the first), or
outputs zeros with zero_output_for_mask;
go_backwards reads the steps last to first and emits outputs in that (processing) order.

Without a mask the layer is ONNX's own LSTM op (what runtimes optimize), its weights
reordered to ONNX's gate order i o f c, the sequence reversed first for go_backwards.
ONNX's LSTM cannot express Keras's masks (it only knows trailing padding, and zeroes the
padded outputs), so a masked layer is the recurrence written out as a Scan, with x W + b
run once for all steps."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..onnx_context import ONNX_DTYPES, NativeNode, OnnxContext
from .registry import converter

# The kinds ONNX's LSTM op takes as activations (its names; HardSigmoid with alpha, beta).
_ONNX_LSTM_ACTIVATIONS = {"tanh": "Tanh", "sigmoid": "Sigmoid", "hard_sigmoid": "HardSigmoid", "relu": "Relu"}


def _rnn_activation(ctx: OnnxContext, x: str, kind: str) -> str:
    if kind == "tanh":
        return ctx.op("Tanh", [x])
    if kind == "sigmoid":
        return ctx.op("Sigmoid", [x])
    if kind == "hard_sigmoid":  # min(1, max(0, x / 6 + 1 / 2)), Keras 3's
        return ctx.op("HardSigmoid", [x], alpha=1.0 / 6.0, beta=0.5)
    if kind == "relu":
        return ctx.op("Relu", [x])
    if kind == "linear":
        return x
    raise NotImplementedError(f"ONNX export: the recurrent activation '{kind}' has no ONNX form")


def _step(ctx: OnnxContext, node: NativeNode, units: int, dtype: str, masked: bool, sequences: bool) -> Any:
    """The Scan body: states (h, c[, previous output]), scan inputs (x_t W + b[, mask_t]) ->
    new states[, this step's output]."""
    a = node.attrs
    body = ctx.subgraph()
    h, c, previous = body.fresh("h_prev"), body.fresh("c_prev"), body.fresh("out_prev")
    z_x, step_mask = body.fresh("z_x_t"), body.fresh("mask_t")
    z = body.op("Add", [z_x, body.op("MatMul", [h, ctx.input(node, 2)])])
    i, f, g, o = body.op("Split", [z, body.ints([units] * 4)], outputs=4, axis=1)
    gate, act = a.get("recurrent_activation", "sigmoid"), a.get("activation", "tanh")
    i, f, o = (_rnn_activation(body, v, gate) for v in (i, f, o))
    c_new = body.op("Add", [body.op("Mul", [f, c]), body.op("Mul", [i, _rnn_activation(body, g, act)])])
    h_new = body.op("Mul", [o, _rnn_activation(body, c_new, act)])
    states_in, scans_in = [h, c], [z_x]
    if masked:  # a masked step keeps the state and repeats the previous output (or outputs zeros)
        states_in.append(previous)
        scans_in.append(step_mask)
        if a.get("zero_output_for_mask", 0):
            out = body.op("Mul", [h_new, body.op("Cast", [step_mask], to=ONNX_DTYPES[dtype])])
        else:
            out = body.op("Where", [step_mask, h_new, previous])
        states_out = [body.op("Where", [step_mask, h_new, h]), body.op("Where", [step_mask, c_new, c]), out]
    else:
        out = h_new
        states_out = [h_new, c_new]
    outputs = states_out + ([body.op("Identity", [out])] if sequences else [])
    inputs_info = [body.value_info(n, dtype, [None, units]) for n in states_in]
    inputs_info.append(body.value_info(z_x, dtype, [None, 4 * units]))
    if masked:
        inputs_info.append(body.value_info(step_mask, "bool", [None, 1]))
    outputs_info = [body.value_info(n, dtype, [None, units]) for n in outputs]
    return body.graph(f"{node.name}_step", inputs_info, outputs_info)


def _onnx_lstm(ctx: OnnxContext, node: NativeNode, units: int, has_state: bool) -> list[Any] | None:
    """The layer as ONNX's LSTM op, or None when its weights are not constants or an
    activation has no ONNX LSTM name."""
    a = node.attrs
    kernel, recurrent, bias = (ctx.constant_value(node.inputs[i]) for i in (1, 2, 3))
    gate, act = a.get("recurrent_activation", "sigmoid"), a.get("activation", "tanh")
    if kernel is None or recurrent is None or bias is None or not {gate, act} <= set(_ONNX_LSTM_ACTIVATIONS):
        return None
    order = np.concatenate([np.arange(k * units, (k + 1) * units) for k in (0, 3, 1, 2)])  # i f c o -> i o f c
    w = ctx.constant(kernel[:, order].T[None], f"{node.name}/W")  # (1, 4u, features)
    r = ctx.constant(recurrent[:, order].T[None], f"{node.name}/R")  # (1, 4u, u)
    b = ctx.constant(np.concatenate([bias[order], np.zeros_like(bias)])[None], f"{node.name}/B")
    names = [_ONNX_LSTM_ACTIVATIONS[k] for k in (gate, act, act)]
    alphas, betas = zip(*[(1.0 / 6.0, 0.5) if n == "HardSigmoid" else (0.0, 0.0) for n in names])
    hard = "HardSigmoid" in names
    x = ctx.op("Transpose", [ctx.input(node, 0)], perm=[1, 0, 2])  # time-major
    if a.get("go_backwards", 0):
        x = ctx.op("Slice", [x, ctx.ints([-1]), ctx.ints([-(2**63)]), ctx.ints([0]), ctx.ints([-1])])
    states = [""]  # no sequence_lens
    if has_state:
        states += [ctx.op("Unsqueeze", [ctx.input(node, i), ctx.ints([0])]) for i in (4, 5)]
    y, y_h, y_c = ctx.op(
        "LSTM",
        [x, w, r, b] + states,
        outputs=3,
        hidden_size=units,
        activations=names,
        activation_alpha=list(alphas) if hard else None,
        activation_beta=list(betas) if hard else None,
    )
    h_last, c_last = ctx.op("Squeeze", [y_h, ctx.ints([0])]), ctx.op("Squeeze", [y_c, ctx.ints([0])])
    if a.get("return_sequences", 0):  # (T, 1, B, u) -> (B, T, u)
        output = ctx.op("Transpose", [ctx.op("Squeeze", [y, ctx.ints([1])])], perm=[1, 0, 2])
    else:
        output = h_last
    return [output, h_last, c_last, None, None, None]


@converter("lstm")
def lstm(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    a = node.attrs
    if a.get("has_recurrent_mask", 0):
        raise NotImplementedError(f"ONNX export: {node.describe()} has a recurrent dropout mask (training only)")
    has_state, masked = bool(a.get("has_initial_state", 0)), bool(a.get("has_mask", 0))
    units_static = ctx.shape(node.inputs[2])[0]
    if not masked and units_static is not None:
        converted = _onnx_lstm(ctx, node, units_static, has_state)
        if converted is not None:
            return converted
    sequences = bool(a.get("return_sequences", 0))
    dtype = ctx.dtype(node.inputs[0])
    units = ctx.shape(node.inputs[2])[0]
    assert units is not None  # a weight: static
    x = ctx.input(node, 0)
    projected = ctx.op("Add", [ctx.op("MatMul", [x, ctx.input(node, 1)]), ctx.input(node, 3)])  # (B, T, 4u)
    batch_units = ctx.op("Concat", [ctx.op("Shape", [x], start=0, end=1), ctx.ints([units])], axis=0)
    zeros = ctx.op("ConstantOfShape", [batch_units], value=ctx.tensor(np.zeros(1, dtype)))
    states = [ctx.input(node, 4), ctx.input(node, 5)] if has_state else [zeros, zeros]
    scans = [projected]
    if masked:
        states.append(zeros)  # the output before the first step
        mask = ctx.op("Cast", [ctx.input(node, 6 if has_state else 4)], to=ONNX_DTYPES["bool"])
        scans.append(ctx.op("Unsqueeze", [mask, ctx.ints([2])]))
    backwards = int(bool(a.get("go_backwards", 0)))
    results = ctx.op(
        "Scan",
        states + scans,
        outputs=len(states) + int(sequences),
        body=_step(ctx, node, units, dtype, masked, sequences),
        num_scan_inputs=len(scans),
        scan_input_axes=[1] * len(scans),
        scan_input_directions=[backwards] * len(scans),
        scan_output_axes=[1] if sequences else None,
    )
    h_last, c_last = results[0], results[1]
    output = results[-1] if sequences else (results[2] if masked else h_last)
    return [output, h_last, c_last, None, None, None]
