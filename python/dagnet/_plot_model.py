"""``keras.utils.plot_model`` / ``model_to_dot``: a model's graph drawn by Graphviz.

The DOT graph is Keras 3's, box for box: one HTML-table node per layer (name and class,
activation, input/output shapes, dtype, trainable), one edge per connection, nested models
as dashed clusters with ``expand_nested``. pydot builds it and Graphviz's ``dot`` renders
it (PNG, SVG, PDF, any format ``dot -T`` knows): ``pip install "dagnet[plot]"`` and a
Graphviz install (``apt-get install graphviz``, ``brew install graphviz``, ...).
"""

from __future__ import annotations

import itertools
import os
from typing import Any

from .models.functional import Functional
from .models.sequential import Sequential

__all__ = ["model_to_dot", "plot_model"]

_PYDOT_MISSING = 'plot_model and model_to_dot need pydot: `pip install pydot` (or `pip install "dagnet[plot]"`).'
_DOT_MISSING = (
    "plot_model needs Graphviz's `dot` program on the PATH: install Graphviz (`apt-get install "
    "graphviz`, `brew install graphviz`, `conda install graphviz`, or see "
    "https://graphviz.org/download/)."
)


def _pydot():
    try:
        import pydot
    except ImportError as exc:
        raise ImportError(_PYDOT_MISSING) from exc
    return pydot


def _check_graphviz(pydot: Any) -> None:
    try:
        pydot.Dot.create(pydot.Dot())  # renders an empty graph: fails when `dot` cannot run
    except (OSError, pydot.PydotException) as exc:
        raise ImportError(f"{_DOT_MISSING} ({exc})") from exc


def _first_call_tensors(layer: Any, attribute: str) -> Any:
    """What Keras 3's ``layer.input`` / ``layer.output`` give: the first call's tensors (one
    tensor alone, else the list); a model gives its own input / output structure."""
    if isinstance(layer, (Functional, Sequential)):
        return layer.input if attribute == "input_tensors" else layer.output
    if not layer._inbound_nodes:
        raise AttributeError(f"layer {layer.name} was never called")
    values = list(getattr(layer._inbound_nodes[0], attribute))
    return values[0] if len(values) == 1 else values


def _map_structure(fn, structure):
    if isinstance(structure, dict):
        return {k: _map_structure(fn, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map_structure(fn, v) for v in structure)
    return fn(structure)


def _format_shape(shape: Any) -> str:
    if shape is None:
        return "?"
    text = ", ".join(f"{k}: {v}" for k, v in shape.items()) if isinstance(shape, dict) else f"{shape}"
    return text.replace("}", "").replace("{", "")


def _activation_name(activation: Any) -> str:
    for attribute in ("name", "__name__"):
        if hasattr(activation, attribute):
            return getattr(activation, attribute)
    return str(activation)


def _cell(text: str, color: str = "white", font_color: str | None = None, colspan: int | None = None) -> str:
    span = f' colspan="{colspan}"' if colspan is not None else ""
    font = f' color="{font_color}"' if font_color else ""
    return f'<td bgcolor="{color}"{span}><font point-size="14"{font}>{text}</font></td>'


def _layer_label(
    layer: Any,
    show_layer_names: Any,
    show_layer_activations: Any,
    show_dtype: Any,
    show_shapes: Any,
    show_trainable: bool,
) -> str:
    """The HTML table Keras 3 draws for one layer."""
    class_name = type(layer).__name__
    colspan = max(1, int(show_dtype) + int(show_trainable) + (2 if show_shapes else 0))
    title = f"<b>{layer.name}</b> ({class_name})" if show_layer_names else f"<b>{class_name}</b>"
    table = '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
    table += f'<tr><td colspan="{colspan}" bgcolor="black"><font point-size="16" color="white">{title}</font></td></tr>'
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        table += (
            f'<tr><td bgcolor="white" colspan="{colspan}"><font point-size="14">'
            f"Activation: <b>{_activation_name(layer.activation)}</b></font></td></tr>"
        )
    cols = []
    if show_shapes:
        shapes = {}
        for attribute in ("input_tensors", "output_tensors"):
            try:
                shapes[attribute] = _map_structure(lambda x: x.shape, _first_call_tensors(layer, attribute))
            except (ValueError, AttributeError):
                shapes[attribute] = None
        if class_name != "InputLayer":
            cols.append(_cell(f"Input shape: <b>{_format_shape(shapes['input_tensors'])}</b>"))
        cols.append(_cell(f"Output shape: <b>{_format_shape(shapes['output_tensors'])}</b>"))
    if show_dtype:
        try:
            dtype = _map_structure(lambda x: x.dtype, _first_call_tensors(layer, "output_tensors"))
        except (ValueError, AttributeError):
            dtype = None
        cols.append(_cell(f"Output dtype: <b>{dtype or '?'}</b>"))
    if show_trainable and hasattr(layer, "trainable") and layer.weights:
        if layer.trainable:
            cols.append('<td bgcolor="forestgreen"><font point-size="14" color="white"><b>Trainable</b></font></td>')
        else:
            cols.append('<td bgcolor="firebrick"><font point-size="14" color="white"><b>Non-trainable</b></font></td>')
    if cols:
        table += f"<tr>{''.join(cols)}</tr>"
    return table + "</table>>"


def _add_node(pydot: Any, dot: Any, layer: Any, label_options: dict) -> None:
    node = pydot.Node(str(id(layer)), label=_layer_label(layer, **label_options))
    node.set("fontname", "Helvetica")
    node.set("border", "0")
    node.set("margin", "0")
    dot.add_node(node)


def _add_edge(pydot: Any, dot: Any, source: Any, destination: Any) -> None:
    src, dst = str(id(source)), str(id(destination))
    if not dot.get_edge(src, dst):
        edge = pydot.Edge(src, dst)
        edge.set("penwidth", "2")
        dot.add_edge(edge)


def _innermost_source(source: Any, output_index: int) -> Any:
    """The layer inside (possibly nested) models that produces a model's output."""
    while isinstance(source, (Functional, Sequential)):
        source, _, output_index = source.outputs[output_index]._keras_history
    return source


def _innermost_destination(destination: Any, input_index: int) -> Any:
    """The box inside (possibly nested) models that a model's input feeds: a functional
    model's InputLayer, a Sequential's first layer."""
    while isinstance(destination, (Functional, Sequential)):
        if isinstance(destination, Sequential):
            destination = destination.layers[0]
        else:
            destination = destination.inputs[input_index]._keras_history.operation
    return destination


def model_to_dot(
    model: Any,
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    subgraph: bool = False,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> Any:
    """The model's graph as a ``pydot.Dot`` (a ``pydot.Cluster`` when ``subgraph=True``).

    Args:
        model: a built Model (functional, Sequential; a subclassed model is one box).
        show_shapes: draw each layer's input and output shapes.
        show_dtype: draw each layer's output dtype.
        show_layer_names: draw layer names (else class names only).
        rankdir: Graphviz's direction, ``"TB"`` (top to bottom) or ``"LR"`` (left to right).
        expand_nested: draw nested models' layers inside dashed clusters.
        dpi: resolution of rendered images.
        subgraph: return a cluster (used for nested models).
        show_layer_activations: draw the activation of layers that have one.
        show_trainable: mark layers with weights as trainable or not.
        splines: Graphviz's edge style (``"ortho"``, ``"curved"``, ``"polyline"``, ...).
    """
    if not getattr(model, "built", True):
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or by "
            "calling the model on a batch of data."
        )
    pydot = _pydot()
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    label_options = dict(
        show_layer_names=show_layer_names,
        show_layer_activations=show_layer_activations,
        show_dtype=show_dtype,
        show_shapes=show_shapes,
        show_trainable=show_trainable,
    )

    if isinstance(model, Sequential):
        layers = model.layers
    elif isinstance(model, Functional):
        layers = model._operations
    else:  # a subclassed model: one box, as Keras draws it
        _add_node(pydot, dot, model, label_options)
        return dot

    for layer in layers:
        if expand_nested and isinstance(layer, (Functional, Sequential)):
            dot.add_subgraph(
                model_to_dot(
                    layer,
                    show_shapes,
                    show_dtype,
                    show_layer_names,
                    rankdir,
                    expand_nested,
                    subgraph=True,
                    show_layer_activations=show_layer_activations,
                    show_trainable=show_trainable,
                )
            )
        else:
            _add_node(pydot, dot, layer, label_options)

    if isinstance(model, Sequential):
        if not expand_nested:
            for source, destination in itertools.pairwise(layers):
                _add_edge(pydot, dot, source, destination)
            return dot
        # The first layer's incoming edge is drawn by whoever feeds the Sequential.
        layers = layers[1:]

    own_nodes = model._network_nodes if isinstance(model, Functional) else None
    for layer in layers:
        for node in layer._inbound_nodes:
            if own_nodes is not None and id(node) not in own_nodes:
                continue  # a call of a shared layer in another model
            for input_index, tensor in enumerate(node.input_tensors):
                operation, node_index, output_index = tensor._keras_history
                if operation is None:
                    continue
                source = operation._inbound_nodes[node_index].operation
                if not expand_nested:
                    _add_edge(pydot, dot, source, layer)
                    continue
                _add_edge(
                    pydot, dot, _innermost_source(source, output_index), _innermost_destination(layer, input_index)
                )
    return dot


def plot_model(
    model: Any,
    to_file: str = "model.png",
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = False,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> Any:
    """Draws the model's graph into `to_file`; its extension picks the format (``.png``
    when it has none; ``.svg``, ``.pdf``, ``.dot`` and every other ``dot -T`` format work).

    The arguments are ``model_to_dot``'s (note Keras 3's default ``show_layer_names=False``
    here). Needs pydot (``pip install "dagnet[plot]"``) and Graphviz's ``dot`` program;
    either missing raises an ImportError saying what to install.

    Returns:
        With IPython installed, an ``IPython.display`` Image (PNG, JPEG, GIF) or SVG of the
        file, so a notebook shows it inline; else None.
    """
    if not getattr(model, "built", True):
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or by "
            "calling the model on a batch of data."
        )
    pydot = _pydot()
    _check_graphviz(pydot)
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    dot = model_to_dot(
        model,
        show_shapes=show_shapes,
        show_dtype=show_dtype,
        show_layer_names=show_layer_names,
        rankdir=rankdir,
        expand_nested=expand_nested,
        dpi=dpi,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable,
        splines=splines,
    )
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    try:
        from IPython import display
    except ImportError:
        return None
    if extension == "svg":
        return display.SVG(filename=to_file)
    if extension in ("png", "jpg", "jpeg", "gif"):
        return display.Image(filename=to_file)
    return None
