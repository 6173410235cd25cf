"""What the trainer knows of a subclassed model's inputs and outputs.

A functional model (and a built Sequential) names its inputs and outputs in its graph. A
subclassed model has only `call`: its inputs are whatever structure fit / evaluate /
predict are given (an array, a list, a tuple, a dict) and its outputs whatever `call`
returns. Such a model gets a TracedSignature per input structure: the first data's
structure, with the batch axis and every axis the weights leave free unknown (see
_free_dims), and the structure and specs of the outputs, found by tracing `call` once.
The trainer then lowers and feeds the model as it does a functional one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _tree
from .._free_dims import free_input_shapes
from .._tracing import GraphBuilder, engine_array
from .._typing import TensorLike
from ..keras_tensor import KerasTensor


class TracedSignature:
    """A subclassed model's inputs and outputs for one input structure, as a functional
    model holds them: `inputs` / `outputs` (flat specs), `_inputs_struct` /
    `_outputs_struct`, `input_names` / `output_names`."""

    def __init__(self, model: Any, template: Any, arrays: list[np.ndarray], key: Any) -> None:
        self.model = model
        self._template = template  # the input structure, None at each leaf
        self.key = key  # the structure, and each leaf's rank and dtype
        specs = [((None,) + a.shape[1:] if a.ndim else (), a.dtype.name) for a in arrays]
        self._trace(specs)  # builds the model's layers from the first data's shapes
        free = free_input_shapes(lambda builder, inputs: _tree.flatten(self._call(builder, inputs)), specs)
        self.input_names = _leaf_names(template, "input")
        self.inputs = [
            KerasTensor(shape, dtype, name=name) for shape, (_, dtype), name in zip(free, specs, self.input_names)
        ]
        self._inputs_struct = _tree.pack_sequence_as(template, self.inputs)
        outputs = self._trace(list(zip(free, [d for _, d in specs])))
        # Keras names a subclassed model's outputs by their dict keys; a list of outputs is
        # unnamed (its per-output losses are named after the loss functions).
        self.named_outputs = isinstance(outputs, dict)
        self.output_names = _leaf_names(outputs, "output")
        self.outputs = [
            KerasTensor(t.shape, t.dtype, name=n) for t, n in zip(_tree.flatten(outputs), self.output_names)
        ]
        self._outputs_struct = _tree.pack_sequence_as(outputs, self.outputs)

    def _call(self, builder: GraphBuilder, inputs: list) -> Any:
        return self.model._traced_call(builder, (_tree.pack_sequence_as(self._template, inputs),), {})

    def _trace(self, specs: list[tuple]) -> Any:
        builder = GraphBuilder(training=False)
        with builder.active():
            inputs = [builder.input(f"x{i}", shape, dtype) for i, (shape, dtype) in enumerate(specs)]
            outputs = self._call(builder, inputs)
        if any(not hasattr(t, "shape") for t in _tree.flatten(outputs)):
            raise ValueError(
                f"Model '{self.model.name}': `call` must return tensors (a tensor, or a list, tuple or dict "
                f"of them); it returned {outputs!r}"
            )
        return outputs

    @classmethod
    def for_data(cls, model: Any, x: TensorLike) -> TracedSignature:
        """The model's signature for data `x` (made on the first data of its structure)."""
        if x is None:
            raise ValueError(f"Model '{model.name}' needs input data `x`; received None.")
        arrays = [as_array(v) for v in _tree.flatten(x)]
        template = _tree.map_structure(lambda _: None, x)
        key = (structure_of(template), tuple((a.ndim, a.dtype.name) for a in arrays))
        cache = model.__dict__.setdefault("_traced_signatures", {})
        if key not in cache:
            cache[key] = cls(model, template, arrays, key)
        return cache[key]

    def align(self, x: TensorLike) -> list[np.ndarray]:
        """The flat input arrays of `x` (this signature's structure), in the lowered graph's order."""
        arrays = [as_array(v) for v in _tree.flatten(x)]
        for array, spec, name in zip(arrays, self.inputs, self.input_names):
            fixed = [(axis, want) for axis, want in enumerate(spec.shape) if axis and want is not None]
            if any(array.shape[axis] != want for axis, want in fixed):
                raise ValueError(
                    f"Input '{name}' of model '{self.model.name}': expected shape={spec.shape} (the axes its "
                    f"weights fix, found when it first saw data), found shape={array.shape}"
                )
        return [a if a.dtype.name == s.dtype else a.astype(s.dtype) for a, s in zip(arrays, self.inputs)]


def as_array(x: TensorLike) -> np.ndarray:
    """Data as the engine takes it (Keras converts float64 data to float32)."""
    a = engine_array(x)
    if a.dtype == object:
        raise TypeError(f"Could not convert the data to a numeric array (got an object array of shape {a.shape})")
    return a


def structure_of(x: Any) -> Any:
    """A hashable description of a nested structure: container types and dict keys."""
    if isinstance(x, dict):
        return ("dict", tuple((k, structure_of(x[k])) for k in sorted(x)))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(structure_of(v) for v in x))
    return "leaf"


def _leaf_names(structure: Any, prefix: str) -> list[str]:
    """One name per flat leaf: its dict key (keys joined for nested dicts), else prefix_<i>."""
    names: list[str] = []

    def walk(s: Any, path: str | None) -> None:
        if isinstance(s, dict):
            for key in sorted(s):
                walk(s[key], str(key) if path is None else f"{path}_{key}")
        elif isinstance(s, (list, tuple)):
            for item in s:
                walk(item, path)
        else:
            names.append(path if path is not None else f"{prefix}_{len(names)}")

    walk(structure, None)
    if len(names) == 1 and not isinstance(structure, dict):
        return [prefix] if prefix == "input" else names
    return names
