"""model.summary(): the Keras 3 table (Layer (type), Output Shape, Param #, and
Connected to for non-sequential graphs), with nested models as one row per call or
expanded, and the parameter totals with their memory size."""

from __future__ import annotations

import os
import re
import shutil
from typing import Any

import numpy as np

from .. import _tree
from .._tracing import GraphBuilder
from ..layers.layer import Layer


def _format_shape(shape: Any) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _output_shape_cell(layer: Any) -> str:
    if not layer._inbound_nodes:
        # A layer of a subclassed model (called, never part of a graph): Keras shows the
        # output shape for the shape it was built with; "?" for one built at __init__.
        build = getattr(layer, "_build_shapes", None)
        if build is None or getattr(type(layer), "_keras_built_at_init", False):
            return "?"
        try:
            shapes = [_format_shape(s) for s in _tree.flatten_shapes(_output_shapes(layer, build))]
        except (ValueError, TypeError, NotImplementedError):
            return "?"
    else:
        outputs = layer._inbound_nodes[-1].output_tensors  # a shared layer shows its last call, as Keras
        shapes = [_format_shape(x.shape) for x in outputs]
    return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"


def _output_shapes(layer: Any, input_shapes: Any) -> Any:
    """The layer's output shape(s) for its build shapes: its own compute_output_shape when it
    writes one, else its call traced on those shapes (no node is added to the layer)."""
    if type(layer).compute_output_shape is not Layer.compute_output_shape:
        return layer.compute_output_shape(input_shapes)
    builder = GraphBuilder(training=False)
    names = iter(range(1 << 30))
    with builder.active():
        inputs = _tree.map_shape_structure(lambda s: builder.input(f"x{next(names)}", s, layer.dtype), input_shapes)
        outputs = layer._traced_call(builder, (inputs,), {})
    return _tree.map_structure(lambda t: t.shape, outputs)


def _params_cell(layer: Any) -> str:
    if getattr(layer, "built", True):
        return f"{layer.count_params():,}"
    if getattr(type(layer), "_keras_built_at_init", False):  # built when made, in Keras
        return f"{sum(int(np.prod(w.shape)) for w in layer.weights):,}"
    return "0 (unbuilt)"


def _is_sequential_like(model: Any) -> bool:
    if not model._is_graph_network:  # a Sequential or a subclassed model
        return True
    nodes = []
    for group in model._nodes_by_depth.values():
        if len(group) > 1 or (len(group) == 1 and len(group[0].input_tensors) > 1):
            return False
        nodes += group
    node_ids = {id(n) for n in nodes}
    for layer in model.layers:
        if sum(1 for node in layer._inbound_nodes if id(node) in node_ids) > 1:
            return False
    return True


def _memory_size(weights: Any) -> int:
    return int(sum(np.prod(w.shape) * np.dtype(w.dtype).itemsize for w in weights))


def readable_memory_size(size: float) -> str:
    for unit in ["B", "KB", "MB", "GB", "TB", "PB"]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _wrap(text: str, width: int) -> list[str]:
    """Word-wrap a cell as rich does: break at spaces; a word longer than the cell ends in '…'."""
    body = text.lstrip(" ")
    lines, current = [], text[: len(text) - len(body)]  # keep a nested row's indent
    for word in body.split(" "):
        if len(word) > width:
            word = word[: width - 1] + "…"
        candidate = current + word if not current.strip() else current + " " + word
        if len(candidate) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return lines


def _ratio_reduce(total: int, values: list[int]) -> list[int]:
    """rich's ratio_reduce with equal ratios: take `total` off the columns, front to back."""
    remaining, ratio, result = total, len(values), []
    for value in values:
        taken = min(value, round(remaining / ratio))
        result.append(value - taken)
        remaining -= taken
        ratio -= 1
    return result


def _ratio_distribute(total: int, ratios: list[int]) -> list[int]:
    """rich's ratio_distribute (no minimums): share `total` out in proportion to `ratios`."""
    total_ratio, remaining, result = sum(ratios), total, []
    for ratio in ratios:
        share = -(-ratio * remaining // total_ratio) if total_ratio > 0 else remaining
        result.append(share)
        total_ratio -= ratio
        remaining -= share
    return result


def _rich_column_widths(widths: list[int], line_length: int) -> list[int]:
    """The padded column widths rich gives a Table(width=line_length) of fixed-width columns:
    each clamped to the table's inner width, the excess taken off evenly, any shortfall
    shared out in proportion (a table with a width expands to it)."""
    inner = line_length - len(widths) - 1
    if inner < 1:
        return [0] * len(widths)
    padded = [min(w + 2, inner) or 1 for w in widths]
    total = sum(padded)
    if total > inner:
        padded = _ratio_reduce(total - inner, padded)
    elif total < inner:
        padded = [w + extra for w, extra in zip(padded, _ratio_distribute(inner - total, padded))]
    return padded


def _render_table(header: Any, rows: Any, widths: Any, alignment: Any) -> list[str]:
    def rule(left, mid, right, fill):
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def cells(values, vertical, bottom=False):
        wrapped = [_wrap(str(v), w) for v, w in zip(values, widths)]
        height = max(len(c) for c in wrapped)
        if bottom:  # rich aligns header cells to the bottom of their row
            wrapped = [[""] * (height - len(c)) + c for c in wrapped]
        out = []
        for i in range(height):
            parts = []
            for lines, w, align in zip(wrapped, widths, alignment):
                text = lines[i] if i < len(lines) else ""
                text = text.rjust(w) if align == "right" else text.center(w) if align == "center" else text.ljust(w)
                parts.append(" " + text + " ")
            out.append(vertical + vertical.join(parts) + vertical)
        return out

    lines = [rule("┏", "┳", "┓", "━")]
    lines += cells(header, "┃", bottom=True)
    lines.append(rule("┡", "╇", "┩", "━"))
    for i, row in enumerate(rows):
        if i:
            lines.append(rule("├", "┼", "┤", "─"))
        lines += cells(row, "│")
    lines.append(rule("└", "┴", "┘", "─"))
    return lines


def print_summary(
    model: Any,
    line_length: int | None = None,
    positions: Any = None,
    print_fn: Any = None,
    expand_nested: bool = False,
    show_trainable: bool = False,
    layer_range: Any = None,
) -> None:
    sequential_like = _is_sequential_like(model)
    # A plain functional model lists its raw operations too; subclasses list their layers.
    layers = list(model._operations) if type(model).__name__ == "Functional" else list(model.layers)
    if sequential_like:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        header, alignment = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        alignment = ["left", "left", "right", "left"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        alignment.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length
    widths, current = [], 0
    for position in positions:  # Keras scales every position by line_length
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    widths = widths[: len(header)]  # extra positions make no columns
    shrink = [w - 2 for w in _rich_column_widths(widths, line_length)]

    relevant = set()
    if model._is_graph_network:
        relevant = {id(n) for group in model._nodes_by_depth.values() for n in group}

    def connections(layer: Any) -> str:
        parts = []
        for node in layer._inbound_nodes:
            if relevant and id(node) not in relevant:
                continue
            for x in node.input_tensors:
                op, node_index, tensor_index = x._keras_history
                parts.append(f"{op.name}[{node_index}][{tensor_index}]")
        return ", ".join(parts) if parts else "-"

    def rows_for(layer: Any, level: int = 0) -> list[list[str]]:
        prefix = "   " * level + "└ " if level else ""
        row = [f"{prefix}{layer.name} ({type(layer).__name__})", _output_shape_cell(layer), _params_cell(layer)]
        if not sequential_like:
            row.append(connections(layer) if level == 0 else "-")
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        rows = [row]
        if expand_nested and hasattr(layer, "layers") and layer._is_model:
            inner_layers = layer._operations if layer._is_graph_network else layer.layers
            for inner in inner_layers:
                rows += rows_for(inner, level + 1)
        return rows

    start, stop = _layer_range(layers, layer_range)
    rows = [row for layer in layers[start:stop] for row in rows_for(layer)]

    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    trainable_count = sum(int(np.prod(w.shape)) for w in trainable)
    non_trainable_count = sum(int(np.prod(w.shape)) for w in non_trainable)
    optimizer_vars = _optimizer_variables(model)
    optimizer_count = sum(int(np.prod(np.shape(v))) for v in optimizer_vars)
    optimizer_bytes = int(sum(np.asarray(v).nbytes for v in optimizer_vars))
    total = trainable_count + non_trainable_count + optimizer_count
    total_bytes = _memory_size(trainable) + _memory_size(non_trainable) + optimizer_bytes

    # Keras prints through a rich console: text lines word-wrap at the console width and
    # table lines wider than the console are cropped.
    console = _console_width()
    lines = _fold_text(f'Model: "{model.name}"', console)
    lines += [line[:console] for line in _render_table(header, rows, shrink, alignment)]
    texts = [
        f" Total params: {total:,} ({readable_memory_size(total_bytes)})",
        f" Trainable params: {trainable_count:,} ({readable_memory_size(_memory_size(trainable))})",
        f" Non-trainable params: {non_trainable_count:,} ({readable_memory_size(_memory_size(non_trainable))})",
    ]
    if optimizer_vars:
        texts.append(f" Optimizer params: {optimizer_count:,} ({readable_memory_size(optimizer_bytes)})")
    for text in texts:
        lines += _fold_text(text, console)
    text = "\n".join(lines)
    if print_fn is None:
        print(text)
    else:  # Keras hands print_fn the console capture, which ends in a newline
        print_fn(text + "\n")


def _console_width() -> int:
    """The width rich gives a console: the first of stdin/stdout/stderr that is a terminal,
    overridden by $COLUMNS, else 80."""
    width = None
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
            break
        except (AttributeError, ValueError, OSError):
            pass
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        width = int(columns)
    return width or 80


def _fold_text(text: str, width: int) -> list[str]:
    """rich's Text.wrap (word wrap, overlong words folded, trailing spaces kept)."""
    lines, current = [], ""
    for word in re.findall(r"\s*\S+\s*", text):
        length = len(word.rstrip())
        if len(current) + length <= width:
            current += word
        elif length > width:
            if current:
                lines.append(current)
            chunks = [word[i : i + width] for i in range(0, len(word), width)]
            lines += chunks[:-1]
            current = chunks[-1]
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return [line if len(line) <= width else line[:width] + line[width:].rstrip() for line in lines]


def _optimizer_variables(model: Any) -> list:
    """What Keras's optimizer.variables holds once built: iterations (int64), the learning
    rate (float32), then the slot variables."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(optimizer, "built", False):
        return []
    return [np.zeros((), np.int64), np.zeros((), np.float32)] + list(optimizer.variables)


def _layer_range(layers, layer_range):
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError(
            "layer_range must be a list or tuple of length 2. Received: "
            f"layer_range = {layer_range} of length {len(layer_range)}"
        )
    if not isinstance(layer_range[0], str) or not isinstance(layer_range[1], str):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    names = [layer.name for layer in layers]
    starts = [i for i, n in enumerate(names) if re.match(layer_range[0], n)]
    ends = [i for i, n in enumerate(names) if re.match(layer_range[1], n)]
    if not starts or not ends:
        raise ValueError(f"Passed layer_names do not match the layer names in the model. Received: {layer_range}")
    if min(starts) > max(ends):
        return min(ends), max(starts) + 1
    return min(starts), max(ends) + 1
