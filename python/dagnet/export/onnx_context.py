"""The ONNX graph being built from a lowered native graph, and what converters see of it.

A converter (dagnet.export.converters) gets a ``NativeNode`` and this context; it reads
the node's operands (ONNX names, static shapes, dtypes, constant values of weights) and
adds ONNX nodes and initializers through the context, never through the `onnx` package
itself, so that only this module touches `onnx` (an optional dependency, imported when an
export runs)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Native dtype name -> ONNX TensorProto element type (onnx.TensorProto.FLOAT, ...).
ONNX_DTYPES = {"float32": 1, "int32": 6, "int64": 7, "float64": 11, "bool": 9}


@dataclass
class NativeNode:
    """One node of the lowered native graph (Graph.node_info)."""

    name: str
    op: str
    inputs: list[int]
    outputs: list[int]
    attrs: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return f"node '{self.name}' (native op '{self.op}')"


class OnnxContext:
    """Nodes, initializers and value names of one ONNX graph (the model's, or a subgraph's
    such as a Scan body, which shares the name space and may read the outer values)."""

    def __init__(self, native: Any, onnx_module: Any, parent: OnnxContext | None = None) -> None:
        self.native = native  # the dagnet._engine.Graph being exported
        self.onnx = onnx_module
        self.parent = parent
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._used_names: set[str] = parent._used_names if parent is not None else set()
        self._names: dict[int, str] = {}  # native value id -> ONNX name
        self._constants: dict[tuple, str] = {}

    # -- names ------------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        """A name no other value or node of the model has."""
        base = re.sub(r"[^A-Za-z0-9_./:-]", "_", hint) or "value"
        name, n = base, 1
        while name in self._used_names:
            name, n = f"{base}_{n}", n + 1
        self._used_names.add(name)
        return name

    def reserve(self, name: str) -> None:
        """Claims a name given from outside (a model input or output name)."""
        if name in self._used_names:
            raise ValueError(f"ONNX export: the name '{name}' is used twice")
        self._used_names.add(name)

    def reserve_unique(self, name: str) -> str:
        """Claims `name` as given, or with the first free suffix _1, _2, ... when taken."""
        candidate, n = name, 1
        while candidate in self._used_names:
            candidate, n = f"{name}_{n}", n + 1
        self.reserve(candidate)
        return candidate

    def bind(self, value: int, name: str) -> None:
        """The ONNX name that holds native value `value`."""
        self._names[value] = name

    def name_of(self, value: int, user: NativeNode | None = None) -> str:
        """The ONNX name of a native value: a converted result, an input, or a weight or
        constant (an initializer, added on first use)."""
        context: OnnxContext | None = self
        while context is not None:
            if value in context._names:
                return context._names[value]
            context = context.parent
        root = self.root()
        if self.native.value_kind(value) == "param":
            name = root.constant(self.param_value(value), self.native.value_name(value))
            root._names[value] = name
            return name
        who = f" (read by {user.describe()})" if user is not None else ""
        raise ValueError(f"ONNX export: native value '{self.native.value_name(value)}'{who} was never converted")

    def root(self) -> OnnxContext:
        return self if self.parent is None else self.parent.root()

    # -- what converters read ------------------------------------------------------------
    def input(self, node: NativeNode, i: int) -> str:
        return self.name_of(node.inputs[i], node)

    def shape(self, value: int) -> tuple[int | None, ...]:
        """Static shape of a native value; None where known only at run time."""
        return tuple(None if d < 0 else int(d) for d in self.native.shape(value))

    def dtype(self, value: int) -> str:
        return str(self.native.dtype(value))

    def param_value(self, value: int) -> np.ndarray:
        return np.array(np.asarray(self.native.param_tensor(value)))

    def constant_value(self, value: int) -> np.ndarray | None:
        """The value of a weight or constant operand (None for a computed one)."""
        return self.param_value(value) if self.native.value_kind(value) == "param" else None

    # -- what converters add -------------------------------------------------------------
    def op(self, op_type: str, inputs: Sequence[str], outputs: int | Sequence[str] = 1, **attrs: Any) -> Any:
        """Adds one ONNX node; returns its output name (a list when outputs > 1 or names
        were given). Attributes that are None are left out."""
        names = [self.fresh(op_type) for _ in range(outputs)] if isinstance(outputs, int) else list(outputs)
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), names, name=self.fresh(op_type), **attrs))
        return names[0] if isinstance(outputs, int) and outputs == 1 else names

    def constant(self, array: Any, hint: str = "const") -> str:
        """An initializer of the model (shared by equal small constants)."""
        array = np.asarray(array)
        root = self.root()
        key = (array.dtype.str, array.shape, array.tobytes()) if array.size <= 16 else None
        if key is not None and key in root._constants:
            return root._constants[key]
        name = root.fresh(hint)
        # (np.ascontiguousarray alone would make a 0-d array 1-d: ONNX's scalars must stay 0-d)
        data = np.ascontiguousarray(array).reshape(array.shape)
        root.initializers.append(self.onnx.numpy_helper.from_array(data, name))
        if key is not None:
            root._constants[key] = name
        return name

    def ints(self, values: Sequence[int]) -> str:
        """A 1-D int64 constant (shapes, axes, slice bounds)."""
        return self.constant(np.array(list(values), dtype=np.int64), "ints")

    def scalar(self, value: float, dtype: str) -> str:
        return self.constant(np.array(value, dtype=dtype), "scalar")

    def tensor(self, array: np.ndarray) -> Any:
        """A TensorProto, for tensor-valued attributes (ConstantOfShape's value)."""
        return self.onnx.numpy_helper.from_array(np.ascontiguousarray(array))

    def subgraph(self) -> OnnxContext:
        """A context for a control-flow body (Scan, Loop) nested in this one."""
        return OnnxContext(self.native, self.onnx, parent=self)

    def value_info(self, name: str, dtype: str, shape: Sequence[int | str | None]) -> Any:
        return self.onnx.helper.make_tensor_value_info(name, ONNX_DTYPES[dtype], list(shape))

    def graph(self, name: str, inputs: list[Any], outputs: list[Any]) -> Any:
        """This context's nodes as a GraphProto (a subgraph holds no initializers: they
        live in the model's graph, which subgraphs may read)."""
        return self.onnx.helper.make_graph(self.nodes, name, inputs, outputs, initializer=self.initializers)
