"""The recurrent ops (lstm, gru, simple_rnn) as ONNX, step for step the engine's kernels
(Keras's semantics, csrc/ops/recurrent.cpp), with xp = x_t W + b_in:

    lstm:        z = xp + h U;  i, f, o = ra(z_i, z_f, z_o);  g = a(z_c)   (gate order i f c o)
                 c~ = f c + i g;  h~ = o a(c~)
    gru:         reset_after (bias (2, 3u) = [b_in; b_rec]): hr = h U + b_rec;
                   z = ra(xp_z + hr_z);  r = ra(xp_r + hr_r);  hh = a(xp_h + r hr_h)
                 else: z = ra(xp_z + h U_z);  r = ra(xp_r + h U_r);  hh = a(xp_h + (r h) U_h)
                 h~ = z h + (1 - z) hh                                     (gate order z r h)
    simple_rnn:  h~ = a(xp + h U)

A masked step keeps the state and repeats the previous output (zero before the first), or
outputs zeros with zero_output_for_mask; go_backwards reads the steps last to first and
emits outputs in that (processing) order.

Without a mask the layer is ONNX's own LSTM, GRU or RNN op (what runtimes optimize): LSTM's
weights reordered to ONNX's gate order i o f c; GRU's gate order is ONNX's, and Keras's
reset_after is ONNX's linear_before_reset=1; the sequence is reversed first for
go_backwards. ONNX's recurrent ops cannot express Keras's masks (they only know trailing
padding, and zero the padded outputs), so a masked layer, or one whose activation has no
name in ONNX's recurrent ops (linear), is the recurrence written out as a Scan, with
x W + b_in run once for all steps. Recurrent dropout masks exist in training only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..onnx_context import ONNX_DTYPES, NativeNode, OnnxContext
from .registry import converter

# The kinds ONNX's recurrent ops take as activations (their names; HardSigmoid with alpha, beta).
_ONNX_RNN_ACTIVATIONS = {"tanh": "Tanh", "sigmoid": "Sigmoid", "hard_sigmoid": "HardSigmoid", "relu": "Relu"}
_HARD_SIGMOID = (1.0 / 6.0, 0.5)  # Keras 3's: min(1, max(0, x / 6 + 1 / 2))


def _rnn_activation(ctx: OnnxContext, x: str, kind: str) -> str:
    if kind == "tanh":
        return ctx.op("Tanh", [x])
    if kind == "sigmoid":
        return ctx.op("Sigmoid", [x])
    if kind == "hard_sigmoid":
        return ctx.op("HardSigmoid", [x], alpha=_HARD_SIGMOID[0], beta=_HARD_SIGMOID[1])
    if kind == "relu":
        return ctx.op("Relu", [x])
    if kind == "linear":
        return x
    raise NotImplementedError(f"ONNX export: the recurrent activation '{kind}' has no ONNX form")


@dataclass(frozen=True)
class _Cell:
    """What differs between the three recurrent ops."""

    gates: int  # kernel columns per unit
    states: int  # h (and c)
    onnx_op: str  # ONNX's recurrent op
    # (body context, node, units, xp_t, states) -> new states (h first): one step.
    step: Callable[[OnnxContext, NativeNode, int, str, list[str]], list[str]]
    # node, units -> the activations ONNX's op takes, in its order
    activations: Callable[[NativeNode], list[str]]


def _lstm_step(body: OnnxContext, node: NativeNode, units: int, xp: str, states: list[str]) -> list[str]:
    h, c = states
    z = body.op("Add", [xp, body.op("MatMul", [h, body.input(node, 2)])])
    i, f, g, o = body.op("Split", [z, body.ints([units] * 4)], outputs=4, axis=1)
    gate, act = node.attrs.get("recurrent_activation", "sigmoid"), node.attrs.get("activation", "tanh")
    i, f, o = (_rnn_activation(body, v, gate) for v in (i, f, o))
    c_new = body.op("Add", [body.op("Mul", [f, c]), body.op("Mul", [i, _rnn_activation(body, g, act)])])
    return [body.op("Mul", [o, _rnn_activation(body, c_new, act)]), c_new]


def _gru_step(body: OnnxContext, node: NativeNode, units: int, xp: str, states: list[str]) -> list[str]:
    (h,) = states
    gate, act = node.attrs.get("recurrent_activation", "sigmoid"), node.attrs.get("activation", "tanh")
    x_z, x_r, x_h = body.op("Split", [xp, body.ints([units] * 3)], outputs=3, axis=1)
    outer = body.parent or body  # what does not change between steps is computed once, outside
    recurrent = body.input(node, 2)
    if node.attrs.get("reset_after", 1):
        b_rec = outer.op("Gather", [outer.input(node, 3), outer.constant(np.array(1, np.int64), "row")], axis=0)
        hr = body.op("Add", [body.op("MatMul", [h, recurrent]), b_rec])
        hr_z, hr_r, hr_h = body.op("Split", [hr, body.ints([units] * 3)], outputs=3, axis=1)
        z = _rnn_activation(body, body.op("Add", [x_z, hr_z]), gate)
        r = _rnn_activation(body, body.op("Add", [x_r, hr_r]), gate)
        hh = _rnn_activation(body, body.op("Add", [x_h, body.op("Mul", [r, hr_h])]), act)
    else:
        u_zr, u_h = outer.op("Split", [recurrent, outer.ints([2 * units, units])], outputs=2, axis=1)
        hz, hr_ = body.op("Split", [body.op("MatMul", [h, u_zr]), body.ints([units, units])], outputs=2, axis=1)
        z = _rnn_activation(body, body.op("Add", [x_z, hz]), gate)
        r = _rnn_activation(body, body.op("Add", [x_r, hr_]), gate)
        hh = _rnn_activation(body, body.op("Add", [x_h, body.op("MatMul", [body.op("Mul", [r, h]), u_h])]), act)
    one = body.scalar(1, body.dtype(node.inputs[0]))
    return [body.op("Add", [body.op("Mul", [z, h]), body.op("Mul", [body.op("Sub", [one, z]), hh])])]


def _simple_rnn_step(body: OnnxContext, node: NativeNode, units: int, xp: str, states: list[str]) -> list[str]:
    (h,) = states
    z = body.op("Add", [xp, body.op("MatMul", [h, body.input(node, 2)])])
    return [_rnn_activation(body, z, node.attrs.get("activation", "tanh"))]


def _gated_activations(node: NativeNode, count: int) -> list[str]:
    act = node.attrs.get("activation", "tanh")
    return [node.attrs.get("recurrent_activation", "sigmoid")] + [act] * count


_CELLS = {
    "lstm": _Cell(4, 2, "LSTM", _lstm_step, lambda node: _gated_activations(node, 2)),
    "gru": _Cell(3, 1, "GRU", _gru_step, lambda node: _gated_activations(node, 1)),
    "simple_rnn": _Cell(1, 1, "RNN", _simple_rnn_step, lambda node: [node.attrs.get("activation", "tanh")]),
}


def _input_bias(ctx: OnnxContext, node: NativeNode) -> str:
    """b_in: the bias added to x W (a reset_after GRU's is the first row of its (2, 3u) bias)."""
    if node.op == "gru" and node.attrs.get("reset_after", 1):
        return ctx.op("Gather", [ctx.input(node, 3), ctx.constant(np.array(0, np.int64), "row")], axis=0)
    return ctx.input(node, 3)


def _step_graph(ctx: OnnxContext, node: NativeNode, cell: _Cell, units: int, masked: bool, sequences: bool) -> Any:
    """The Scan body: states (h[, c][, previous output]), scan inputs (x_t W + b_in[, mask_t])
    -> new states[, this step's output]."""
    dtype = ctx.dtype(node.inputs[0])
    body = ctx.subgraph()
    states = [body.fresh(n) for n in ("h_prev", "c_prev")[: cell.states]]
    previous, xp, step_mask = body.fresh("out_prev"), body.fresh("xp_t"), body.fresh("mask_t")
    new = cell.step(body, node, units, xp, states)
    states_in, scans_in = list(states), [xp]
    if masked:  # a masked step keeps the state and repeats the previous output (or outputs zeros)
        states_in.append(previous)
        scans_in.append(step_mask)
        if node.attrs.get("zero_output_for_mask", 0):
            out = body.op("Mul", [new[0], body.op("Cast", [step_mask], to=ONNX_DTYPES[dtype])])
        else:
            out = body.op("Where", [step_mask, new[0], previous])
        states_out = [body.op("Where", [step_mask, n, s]) for n, s in zip(new, states)] + [out]
    else:
        out = new[0]
        states_out = list(new)
    outputs = states_out + ([body.op("Identity", [out])] if sequences else [])
    inputs_info = [body.value_info(n, dtype, [None, units]) for n in states_in]
    inputs_info.append(body.value_info(xp, dtype, [None, cell.gates * units]))
    if masked:
        inputs_info.append(body.value_info(step_mask, "bool", [None, 1]))
    outputs_info = [body.value_info(n, dtype, [None, units]) for n in outputs]
    return body.graph(f"{node.name}_step", inputs_info, outputs_info)


def _scan(ctx: OnnxContext, node: NativeNode, cell: _Cell, units: int) -> tuple[str, list[str]]:
    """(output, final states) of the recurrence written out as a Scan over time."""
    a = node.attrs
    has_state, masked = bool(a.get("has_initial_state", 0)), bool(a.get("has_mask", 0))
    sequences = bool(a.get("return_sequences", 0))
    dtype = ctx.dtype(node.inputs[0])
    x = ctx.input(node, 0)
    projected = ctx.op("Add", [ctx.op("MatMul", [x, ctx.input(node, 1)]), _input_bias(ctx, node)])  # (B, T, G*u)
    batch_units = ctx.op("Concat", [ctx.op("Shape", [x], start=0, end=1), ctx.ints([units])], axis=0)
    zeros = ctx.op("ConstantOfShape", [batch_units], value=ctx.tensor(np.zeros(1, dtype)))
    states = [ctx.input(node, 4 + i) for i in range(cell.states)] if has_state else [zeros] * cell.states
    scans = [projected]
    if masked:
        states.append(zeros)  # the output before the first step
        mask = ctx.op("Cast", [ctx.input(node, 4 + cell.states * has_state)], to=ONNX_DTYPES["bool"])
        scans.append(ctx.op("Unsqueeze", [mask, ctx.ints([2])]))
    backwards = int(bool(a.get("go_backwards", 0)))
    results = ctx.op(
        "Scan",
        states + scans,
        outputs=[ctx.fresh(f"{node.name}/scan") for _ in range(len(states) + int(sequences))],
        body=_step_graph(ctx, node, cell, units, masked, sequences),
        num_scan_inputs=len(scans),
        scan_input_axes=[1] * len(scans),
        scan_input_directions=[backwards] * len(scans),
        scan_output_axes=[1] if sequences else None,
    )
    finals = list(results[: cell.states])
    output = results[-1] if sequences else (results[cell.states] if masked else finals[0])
    return output, finals


def _onnx_recurrent(ctx: OnnxContext, node: NativeNode, cell: _Cell, units: int) -> tuple[str, list[str]] | None:
    """(output, final states) from ONNX's own recurrent op, or None when the weights are not
    constants or an activation has no name in ONNX's recurrent ops."""
    a = node.attrs
    kernel, recurrent, bias = (ctx.constant_value(node.inputs[i]) for i in (1, 2, 3))
    kinds = cell.activations(node)
    if kernel is None or recurrent is None or bias is None or not set(kinds) <= set(_ONNX_RNN_ACTIVATIONS):
        return None
    if node.op == "lstm":  # Keras's i f c o -> ONNX's i o f c
        order = np.concatenate([np.arange(k * units, (k + 1) * units) for k in (0, 3, 1, 2)])
        kernel, recurrent, bias = kernel[:, order], recurrent[:, order], bias[order]
    if bias.ndim == 2:  # a reset_after GRU's [b_in; b_rec]: ONNX's [Wb, Rb]
        onnx_bias = bias.reshape(-1)
    else:
        onnx_bias = np.concatenate([bias, np.zeros_like(bias)])
    w = ctx.constant(kernel.T[None], f"{node.name}/W")  # (1, G*u, features)
    r = ctx.constant(recurrent.T[None], f"{node.name}/R")  # (1, G*u, u)
    b = ctx.constant(onnx_bias[None], f"{node.name}/B")
    names = [_ONNX_RNN_ACTIVATIONS[k] for k in kinds]
    hard = "HardSigmoid" in names
    alphas, betas = zip(*[_HARD_SIGMOID if n == "HardSigmoid" else (0.0, 0.0) for n in names])
    x = ctx.op("Transpose", [ctx.input(node, 0)], perm=[1, 0, 2])  # time-major
    if a.get("go_backwards", 0):
        x = ctx.op("Slice", [x, ctx.ints([-1]), ctx.ints([-(2**63)]), ctx.ints([0]), ctx.ints([-1])])
    operands = [x, w, r, b]
    if a.get("has_initial_state", 0):
        operands.append("")  # no sequence_lens
        operands += [ctx.op("Unsqueeze", [ctx.input(node, 4 + i), ctx.ints([0])]) for i in range(cell.states)]
    extra = {"linear_before_reset": int(a.get("reset_after", 1))} if node.op == "gru" else {}
    results = ctx.op(
        cell.onnx_op,
        operands,
        outputs=1 + cell.states,
        hidden_size=units,
        activations=names,
        activation_alpha=list(alphas) if hard else None,
        activation_beta=list(betas) if hard else None,
        **extra,
    )
    finals = [ctx.op("Squeeze", [s, ctx.ints([0])]) for s in results[1:]]
    if a.get("return_sequences", 0):  # (T, 1, B, u) -> (B, T, u)
        output = ctx.op("Transpose", [ctx.op("Squeeze", [results[0], ctx.ints([1])])], perm=[1, 0, 2])
    else:
        output = finals[0]
    return output, finals


@converter("lstm", "gru", "simple_rnn")
def recurrent(ctx: OnnxContext, node: NativeNode) -> list[Any]:
    """[output, final states..., None for the activations saved for the backward pass]."""
    if node.attrs.get("has_recurrent_mask", 0):
        raise NotImplementedError(f"ONNX export: {node.describe()} has a recurrent dropout mask (training only)")
    cell = _CELLS[node.op]
    units = ctx.shape(node.inputs[2])[0]
    if units is None:
        raise NotImplementedError(f"ONNX export: {node.describe()} has a recurrent kernel of unknown size")
    converted = None if node.attrs.get("has_mask", 0) else _onnx_recurrent(ctx, node, cell, units)
    output, finals = converted if converted is not None else _scan(ctx, node, cell, units)
    return [output] + finals + [None] * (len(node.outputs) - 1 - len(finals))
