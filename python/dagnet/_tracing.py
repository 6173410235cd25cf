"""Lowering into the native graph.

A layer's ``call`` is written once, with ``dagnet.ops``. To infer output shapes, to run
eagerly, and to build a model's training or prediction graph, the call is *traced*:
its inputs are ``GraphTensor``s (values of a native graph under construction) and every
op adds a node to that graph. The engine's shape rules then give the output shapes and
its errors name the layer. There is no second graph representation in Python.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import _engine
from ._tensor_operators import TensorOperators
from ._typing import TensorLike
from .variables import Variable

_builders: list[GraphBuilder] = []


def current_builder() -> GraphBuilder | None:
    """The builder an op on a non-tensor value (a weight, a constant) should emit into."""
    return _builders[-1] if _builders else None


def _check_attribute(op: str, name: str, key: str, value: Any) -> None:
    """The engine holds integer attributes as int64: a larger Python int is refused here by name
    (pybind11 would raise an opaque RuntimeError)."""
    values = value if isinstance(value, (list, tuple)) else [value]
    for v in values:
        if isinstance(v, int) and not -(2**63) <= v < 2**63:
            raise ValueError(f"node '{name}' ({op}): attribute {key}={value} is outside the 64-bit integer range")


class GraphBuilder:
    """A native graph being built, plus the bookkeeping to bind weights by identity."""

    def __init__(
        self, training: bool | None = False, probe: bool = False, device: str = "cpu", place: bool = False
    ) -> None:
        self.graph = _engine.Graph()
        # Where the graph will run: constants are made there. A weight living elsewhere is
        # moved there when the graph is its model's own (`place`: the model's runners, whose
        # layers may make weights while being traced), else bound as a copy (a trace for
        # shapes, or an eager call of a layer on other devices' weights).
        self.device = device
        self.place = place
        self.training = training
        self.probe = probe  # traced only to see which input axes a model leaves free
        self._params: dict[int, int] = {}
        self._keep: list[Any] = []  # variables and constants whose memory the graph uses
        self._scopes: list[str] = []
        self.masks: dict[int, GraphTensor] = {}  # value id -> its Keras mask
        # (layer, value) for each Layer.add_loss met while tracing (activity regularizers
        # too); the training and evaluation graphs add them to the total loss.
        self.added_losses: list[tuple[Any, GraphTensor]] = []
        # Nodes writing a variable in place (Variable.assign while tracing, a batch norm's
        # moving statistics): every executor made from this graph runs them as effects.
        self.state_updates: list[int] = []
        # A graph that only predicts: a batch norm in inference folds into the dense/conv
        # before it (ops/inference_folding.py).
        self.fold_inference = False
        # The graph's inputs: keras.random takes a dynamic batch size from one (random/_graph.py).
        self.inputs: list[GraphTensor] = []

    # -- values -------------------------------------------------------------------
    def input(self, name: str, shape: Any, dtype: str) -> GraphTensor:
        dims = [-1 if d is None else int(d) for d in shape]
        # A Keras bool tensor (an explicit mask Input) is float32 0/1 in the engine, as engine_array feeds it.
        tensor = GraphTensor(self, self.graph.input(name, dims, "float32" if dtype == "bool" else dtype))
        self.inputs.append(tensor)
        return tensor

    def param(self, variable: Any) -> GraphTensor:
        """The graph value of a Variable; one per variable, so shared weights stay shared."""
        key = id(variable)
        if key not in self._params:
            if variable._tensor.device != self.device and self.place and isinstance(variable, Variable):
                variable._move_to(self.device)
            tensor = variable._tensor
            if tensor.device != self.device:
                tensor = tensor.to(self.device)
            self._params[key] = self.graph.bind_param(variable.path, tensor)
            self._keep.append(variable)
        return GraphTensor(self, self._params[key])

    def bound_variables(self) -> list[tuple[Variable, int]]:
        """Each Variable the graph reads, with its value id."""
        return [(v, self._params[id(v)]) for v in self._keep if isinstance(v, Variable)]

    def constant(self, value: TensorLike, dtype: str | None = None) -> GraphTensor:
        array = np.asarray(value, dtype=dtype)
        if array.dtype == np.float16 or array.dtype == np.bool_ or array.dtype.kind == "u":
            array = array.astype(np.int32 if array.dtype.kind in "bu" else np.float32)
        tensor = _engine.Tensor.from_numpy(np.array(array, order="C"))
        if self.device != "cpu":
            tensor = tensor.to(self.device)
        self._keep.append(tensor)
        return GraphTensor(self, self.graph.bind_param(f"constant_{self.graph.num_values}", tensor))

    def node(
        self, op: str, inputs: TensorLike, attrs: dict | None = None, name: str | None = None
    ) -> list[GraphTensor]:
        ids = [self.as_value(x).id for x in inputs]
        name = name or self.scope_name(op)
        for key, value in (attrs or {}).items():
            _check_attribute(op, name, key, value)
        outs = self.graph.node(op, ids, attrs or {}, name)
        return [GraphTensor(self, v) for v in outs]

    def update_state(self, op: str, inputs: TensorLike, attrs: dict | None = None, name: str | None = None) -> None:
        """Adds a node that writes its first input (a Variable) in place and records it as a
        state update: it runs in every step of every executor made from this graph, after
        the values it reads and after every other reader of the variable."""
        ids = [self.as_value(x).id for x in inputs]
        self.graph.node(op, ids, attrs or {}, name or self.scope_name(op) + "/" + op)
        self.state_updates.append(self.graph.num_nodes - 1)

    def as_value(self, x: TensorLike, dtype: str | None = None) -> GraphTensor:
        if isinstance(x, GraphTensor):
            if x.builder is not self:
                raise ValueError(
                    "a tensor from another graph was used here; symbolic tensors cannot cross models this way"
                )
            return x
        if isinstance(x, Variable):
            return self.param(x)
        return self.constant(x, dtype)

    # -- naming ---------------------------------------------------------------------
    def scope_name(self, fallback: str) -> str:
        return self._scopes[-1] if self._scopes else fallback

    @contextlib.contextmanager
    def scope(self, name: str) -> Iterator[None]:
        self._scopes.append(name)
        try:
            yield
        finally:
            self._scopes.pop()

    @contextlib.contextmanager
    def active(self) -> Iterator[GraphBuilder]:
        _builders.append(self)
        try:
            yield self
        finally:
            _builders.pop()


def engine_array(x: TensorLike) -> np.ndarray:
    """Data as the engine takes it: float64 / float16 and bool as float32 (Keras converts
    data to floatx), small integer types as int64."""
    a = np.asarray(x)
    if a.dtype == np.float64 or a.dtype == np.float16 or a.dtype == np.bool_:
        return a.astype(np.float32)
    if a.dtype.kind in "iu" and a.dtype not in (np.int32, np.int64):
        return a.astype(np.int64)
    return a


class GraphTensor(TensorOperators):
    """A value of a native graph under construction (what ``call`` sees while tracing)."""

    __slots__ = ("builder", "id")

    def __init__(self, builder: GraphBuilder, value_id: int) -> None:
        self.builder = builder
        self.id = value_id

    @property
    def shape(self) -> tuple:
        return tuple(None if d < 0 else d for d in self.builder.graph.shape(self.id))

    @property
    def dtype(self) -> str:
        return self.builder.graph.dtype(self.id)

    @property
    def ndim(self) -> int:
        return len(self.builder.graph.shape(self.id))

    def __repr__(self) -> str:
        return f"<GraphTensor shape={self.shape} dtype={self.dtype}>"
