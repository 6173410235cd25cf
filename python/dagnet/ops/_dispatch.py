"""How an op runs, by the kind of its arguments (symbolic, traced or concrete)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec

import numpy as np

from .. import _tree
from .._tracing import GraphBuilder, GraphTensor, current_builder
from .._typing import TensorLike
from ..engine import Executor
from ..keras_tensor import KerasTensor
from ..variables import Variable

_symbolic_recorder = None  # records an op called on KerasTensors as a graph node (layers.op_layer)


def register_symbolic_recorder(record: Any) -> None:
    """Called by dagnet.layers.op_layer, which turns an op on symbolic tensors into a node of
    its Keras operation class (the layers sit above the ops in the import graph)."""
    global _symbolic_recorder
    _symbolic_recorder = record


P = ParamSpec("P")


def op(lower: Callable[Concatenate[GraphBuilder, P], Any]) -> Callable[P, Any]:
    """Makes a public op from ``lower(builder, *args, **kwargs)``, which adds nodes. The op
    takes what ``lower`` takes after the builder: a symbolic, traced or concrete tensor."""

    @functools.wraps(lower)
    def run(*args: P.args, **kwargs: P.kwargs) -> Any:
        flat = _tree.flatten((args, kwargs))
        if any(isinstance(x, KerasTensor) for x in flat):
            if _symbolic_recorder is None:
                raise RuntimeError(
                    f"ops.{lower.__name__} on symbolic tensors needs dagnet.layers loaded: import dagnet first."
                )
            return _symbolic_recorder(run, lower.__name__, args, kwargs)
        builder = next((x.builder for x in flat if isinstance(x, GraphTensor)), None) or current_builder()
        if builder is not None:
            with builder.active():
                return lower(builder, *args, **kwargs)
        return _run_eagerly(lower, args, kwargs)

    run._lower = lower  # type: ignore[attr-defined]
    # keras.ops's signature at run time: no ``builder``, and (as Keras's) no annotations;
    # the annotations are the lowering function's, for type checkers.
    params = [p.replace(annotation=inspect.Parameter.empty) for p in inspect.signature(lower).parameters.values()]
    run.__signature__ = inspect.Signature(params[1:])  # type: ignore[attr-defined]
    return run


def lowering(fn: Callable[P, Any]) -> Callable[Concatenate[GraphBuilder, P], Any]:
    """The lowering function the op `fn` was made from: `fn`'s nodes, added by another lowering."""
    return fn._lower  # type: ignore[attr-defined]


def _run_eagerly(lower, args, kwargs):
    builder = GraphBuilder()
    with builder.active():
        outputs = lower(builder, *args, **kwargs)
    flat = _tree.flatten(outputs)
    results = Executor(builder.graph, [t.id for t in flat], builder.state_updates).run([])
    return _tree.pack_sequence_as(outputs, results)


def dtype_of(x: TensorLike) -> str | None:
    if isinstance(x, (GraphTensor, Variable, KerasTensor)):
        return x.dtype
    if isinstance(x, np.ndarray):
        return x.dtype.name
    return None


def as_values(builder: GraphBuilder, *xs: Any) -> Any:
    """Graph values for op operands; Python scalars take the dtype of a tensor operand."""
    dtype = next((dtype_of(x) for x in xs if dtype_of(x) is not None), "float32")
    values = []
    for x in xs:
        if isinstance(x, (GraphTensor, Variable)):
            values.append(builder.as_value(x))
        else:
            array = np.asarray(x)
            if array.dtype == np.float64 and not isinstance(x, np.ndarray):
                array = array.astype(dtype)
            elif array.dtype.kind in "iub" and not isinstance(x, np.ndarray):
                array = array.astype(dtype)
            elif array.dtype == np.float64 and dtype == "float32":
                array = array.astype(np.float32)
            values.append(builder.constant(array))
    return values


def emit(builder: GraphBuilder, op_name: str, inputs: TensorLike, attrs: Any = None, name: str | None = None) -> Any:
    """Adds one node; returns its single output (or the list when there are several)."""
    outs = builder.node(op_name, inputs, attrs, name)
    return outs[0] if len(outs) == 1 else outs


@op
def convert_to_tensor(
    builder: GraphBuilder, x: TensorLike, dtype: Any = None, sparse: bool | None = None, ragged: bool | None = None
) -> Any:
    if sparse or ragged:
        raise NotImplementedError("convert_to_tensor: dagnet has no sparse or ragged tensors")
    value = builder.as_value(x if dtype is None else np.asarray(x, dtype=dtype))
    return value


def convert_to_numpy(x: TensorLike) -> np.ndarray:
    if isinstance(x, Variable):
        return x.numpy()
    if isinstance(x, (KerasTensor, GraphTensor)):
        raise TypeError("convert_to_numpy needs a concrete value, not a symbolic tensor")
    return np.asarray(x)


def shape(x: TensorLike) -> tuple:
    """The shape as a tuple (None for dimensions known only at run time)."""
    return tuple(x.shape)
