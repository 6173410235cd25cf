"""`model.export(path, format="onnx")`: the model's lowered prediction graph (the native
graph `predict` runs, with training=False) written as an ONNX model by the converters of
its native ops, with the weights as initializers.

Inputs keep the model's input names and dynamic axes (ONNX dims named "batch" for the
batch axis and "dim_<input>_<axis>" for other None axes, as Keras's exporter names them);
outputs are named as model.output_names (a repeated one with a suffix). The default opset
is 18; any from 18 to the installed onnx package's newest can be asked for with
``opset_version``. What ONNX cannot hold is refused by name: state (a stateful layer, or a
variable the prediction both updates and reads) and the training-only native ops."""

from __future__ import annotations

import os
from typing import Any

from .. import _tree
from .._tracing import GraphBuilder
from ..saving.atomic import atomic_path
from .converters import convert_node
from .onnx_context import NativeNode, OnnxContext

DEFAULT_OPSET = 18
MIN_OPSET = 18
INSTALL_HINT = 'ONNX export needs the `onnx` package: pip install "dagnet[onnx]"'
_EXTERNAL_DATA_BYTES = 1 << 30  # past this, weights go to a side file (protobuf's 2 GiB limit)


def _import_onnx() -> Any:
    try:
        import onnx
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return onnx


def _input_dims(model_inputs: Any, input_signature: Any) -> list[list[Any]]:
    """Each input's ONNX dims: static sizes, or a dim name where the size is None. An
    input_signature (objects with .shape) may fix sizes the model leaves open."""
    shapes = [list(t.shape) for t in model_inputs]
    if input_signature is not None:
        specs = _tree.flatten(input_signature)
        if len(specs) != len(shapes):
            raise ValueError(f"input_signature has {len(specs)} entries; the model has {len(shapes)} inputs")
        for i, (spec, shape) in enumerate(zip(specs, shapes)):
            given = list(spec.shape)
            if len(given) != len(shape) or any(m is not None and g != m for g, m in zip(given, shape)):
                raise ValueError(
                    f"input_signature[{i}] has shape {tuple(given)}; the model's input {i} is {tuple(shape)}"
                )
            shapes[i] = given
    return [
        [d if d is not None else ("batch" if axis == 0 else f"dim_{i}_{axis}") for axis, d in enumerate(shape)]
        for i, shape in enumerate(shapes)
    ]


def _needed_nodes(graph: Any, fetches: list[int]) -> list[NativeNode]:
    """The nodes the outputs depend on, in graph (topological) order."""
    needed: set[int] = set()
    stack = list(fetches)
    while stack:
        producer = graph.producer(stack.pop())
        if producer >= 0 and producer not in needed:
            needed.add(producer)
            stack.extend(graph.node_info(producer)["inputs"])
    nodes = []
    for index in sorted(needed):
        info = graph.node_info(index)
        nodes.append(
            NativeNode(info["name"], info["op"], list(info["inputs"]), list(info["outputs"]), dict(info["attrs"]))
        )
    return nodes


def _check_stateless(model: Any) -> None:
    """A stateful RNN carries its states from one batch to the next in variables; an ONNX
    model has no state between runs, so exporting one would silently drop that."""
    for layer in model._flatten_layers():
        if getattr(layer, "stateful", False):
            raise NotImplementedError(
                f"ONNX export: layer '{layer.name}' is stateful (its states carry over between batches), which an "
                "ONNX model cannot express. Export a copy built with stateful=False and pass the states as inputs "
                "(initial_state) and outputs (return_state)."
            )


def _check_state_not_read(graph: Any, state_updates: list[int], nodes: list[NativeNode]) -> None:
    """A variable that each prediction updates (a state update in the prediction graph, such
    as a batch renormalization called with training=True) and that the outputs also read
    would be frozen at its current value in the ONNX model, which holds no state: refused.
    Updates whose variables the outputs do not read (a plain batch norm's moving
    statistics in training mode) are left out of the file without changing its outputs."""
    written = {graph.node_info(index)["inputs"][0] for index in state_updates}
    for node in nodes:
        for value in node.inputs:
            if value in written:
                raise NotImplementedError(
                    f"ONNX export: {node.describe()} reads the variable '{graph.value_name(value)}', which each "
                    "prediction updates (state): an ONNX model holds no state, so it would be frozen at its "
                    "current value. Export a model whose prediction does not update what it reads (call the "
                    "layer with training=False)."
                )


def build_onnx_model(model: Any, opset_version: int | None = None, input_signature: Any = None) -> Any:
    """The ModelProto of `model`'s prediction graph."""
    onnx = _import_onnx()
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    newest = onnx.defs.onnx_opset_version()
    if not MIN_OPSET <= opset <= newest:
        raise ValueError(f"ONNX export: opset_version must be between {MIN_OPSET} and {newest}; got {opset_version}")
    io = model._current_io()  # the graph's inputs and outputs (a subclassed model's: those of its last data)
    if io is None or not io.inputs:
        raise ValueError("The model provided has never called. ")
    _check_stateless(model)
    builder = GraphBuilder(training=False)
    builder.fold_inference = True  # the graph predict runs: batch norms folded into the dense/conv before them
    with builder.active():
        inputs, outputs = model._lower_outputs(builder)
    graph = builder.graph
    ctx = OnnxContext(graph, onnx)

    graph_inputs = []
    for tensor, name, dims in zip(inputs, io.input_names, _input_dims(io.inputs, input_signature)):
        ctx.reserve(name)
        ctx.bind(tensor.id, name)
        graph_inputs.append(ctx.value_info(name, tensor.dtype, dims))
    # A dict of outputs names them by its keys; otherwise Keras's output names, which repeat
    # where one layer gives several outputs (an RNN's states): a repeated name gets a suffix,
    # as ONNX's must differ.
    struct = getattr(io, "_outputs_struct", None)
    names = sorted(struct) if isinstance(struct, dict) and len(struct) == len(io.outputs) else io.output_names
    output_names = [ctx.reserve_unique(name) for name in names]

    nodes = _needed_nodes(graph, [t.id for t in outputs])
    _check_state_not_read(graph, builder.state_updates, nodes)
    for node in nodes:
        for value, name in zip(node.outputs, convert_node(ctx, node)):
            if name is not None:
                ctx.bind(value, name)

    graph_outputs = []
    for tensor, name in zip(outputs, output_names):
        ctx.nodes.append(onnx.helper.make_node("Identity", [ctx.name_of(tensor.id)], [name], name=ctx.fresh(name)))
        graph_outputs.append(ctx.value_info(name, tensor.dtype, list(tensor.shape)))

    onnx_graph = ctx.graph(model.name, graph_inputs, graph_outputs)
    opset_ids = [onnx.helper.make_opsetid("", opset)]
    proto = onnx.helper.make_model(onnx_graph, opset_imports=opset_ids, producer_name="dagnet")
    proto.ir_version = onnx.helper.find_min_ir_version_for(opset_ids)
    proto.doc_string = f"dagnet model '{model.name}', exported at opset {opset}"
    return proto


def export_onnx(
    model: Any,
    filepath: str | os.PathLike[str],
    verbose: bool | None = None,
    input_signature: Any = None,
    opset_version: int | None = None,
) -> None:
    """Writes `model` as an ONNX file (see the module docstring)."""
    onnx = _import_onnx()
    proto = build_onnx_model(model, opset_version=opset_version, input_signature=input_signature)
    onnx.checker.check_model(proto)
    path = os.fspath(filepath)
    external = sum(len(t.raw_data) for t in proto.graph.initializer) > _EXTERNAL_DATA_BYTES
    with atomic_path(path) as tmp:
        if external:
            onnx.save_model(proto, tmp, save_as_external_data=True, location=os.path.basename(path) + ".data")
        else:
            onnx.save_model(proto, tmp)
    if verbose:
        print(f"Saved artifact at '{path}'.")
