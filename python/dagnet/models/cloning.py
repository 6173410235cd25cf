"""models.clone_model with Keras 3's signature and behaviour: `clone_function` maps every
non-input layer to its clone (by default `from_config(get_config())`, so new weights), once
per layer (a shared layer stays shared); `call_function(layer, *args, **kwargs)` makes each
call of a functional model; `recursive` clones nested models layer by layer; `input_tensors`
builds the clone on given tensors. A compiled model's clone is compiled the same way."""

from __future__ import annotations

from typing import Any

from .. import _tree
from ..keras_tensor import KerasTensor
from ..layers.input_layer import Input, InputLayer
from ..serialization.serialization_lib import deserialize_keras_object, serialize_keras_object
from .functional import Functional, functional_like_constructor
from .sequential import Sequential


def clone_model(
    model: Any,
    input_tensors: Any = None,
    clone_function: Any = None,
    call_function: Any = None,
    recursive: bool = False,
    **kwargs: Any,
) -> Any:
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs.keys())}")
    if isinstance(model, Sequential):
        clone_function = _wrap_clone_function(clone_function, call_function, recursive, cache)
        if call_function is not None:
            raise ValueError(
                "`call_function` argument is not supported with Sequential models.  In a Sequential "
                "model, layers aren't called at model-construction time (they're merely listed). Use "
                "`call_function` with Functional models only. Received model of type "
                f"'{type(model).__name__}', with call_function={clone_function}"
            )
        return _clone_sequential_model(model, clone_function, input_tensors)
    if isinstance(model, Functional):
        clone_function = _wrap_clone_function(clone_function, call_function, recursive, cache)
        return _clone_functional_model(model, clone_function, input_tensors, call_function)
    if clone_function or input_tensors:
        raise ValueError(
            "Arguments `clone_function` and `input_tensors` are only supported for Sequential models "
            f"or Functional models. Received model of type '{type(model).__name__}', with "
            f"clone_function={clone_function} and input_tensors={input_tensors}"
        )
    if call_function is not None:
        raise ValueError(
            "Argument `call_function` is only supported for Functional models. Received model of "
            f"type '{type(model).__name__}', with call_function={call_function}"
        )
    return deserialize_keras_object(serialize_keras_object(model), {type(model).__name__: type(model)})


def _wrap_clone_function(clone_function, call_function=None, recursive=False, cache=None):
    if clone_function is None:

        def clone_function(layer):
            return type(layer).from_config(layer.get_config())

    if cache is None:
        cache = {}

    def wrapped(layer):
        if id(layer) in cache:
            return cache[id(layer)]
        if recursive and isinstance(layer, Sequential):
            clone = clone_model(layer, clone_function=clone_function, recursive=True, cache=cache)
        elif recursive and isinstance(layer, Functional):
            clone = clone_model(
                layer, clone_function=clone_function, call_function=call_function, recursive=True, cache=cache
            )
        else:
            clone = clone_function(layer)
        cache[id(layer)] = clone
        return clone

    return wrapped


def _compile_like(new_model, model):
    if model.compiled:
        new_model.compile_from_config(model.get_compile_config())
    return new_model


def _clone_sequential_model(model, clone_function, input_tensors=None):
    if not callable(clone_function):
        raise ValueError(
            f"Expected `clone_function` argument to be a callable. Received: clone_function={clone_function}"
        )
    new_layers = [clone_function(layer) for layer in model.layers]
    first = model._stack[0] if model._stack else None
    ref = first if isinstance(first, InputLayer) else None
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("Argument `input_tensors` must contain a single tensor.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError(
                f"Argument `input_tensors` must be a KerasTensor. Received invalid value: input_tensors={input_tensors}"
            )
        inputs = Input(
            tensor=input_tensors,
            name=ref.name if ref is not None else None,
            optional=ref.optional if ref is not None else False,
        )
        new_layers = [inputs] + new_layers
    elif ref is not None:
        new_layers = [
            Input(batch_shape=ref.batch_shape, dtype=ref.dtype, name=ref.name, optional=ref.optional)
        ] + new_layers
    return _compile_like(Sequential(new_layers, name=model.name, trainable=model.trainable), model)


def _run_through_graph(model, inputs, operation_fn, call_fn=None):
    """The model's nodes called in order on new tensors (Keras 3's Function._run_through_graph)."""
    flat = _tree.flatten(inputs)
    values = {id(x): y for x, y in zip(model.inputs, flat)}
    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            if node.is_input or any(id(x) not in values for x in node.input_tensors):
                continue
            args, kwargs = _tree.map_structure(
                lambda x: values[id(x)] if isinstance(x, KerasTensor) else x, (node.call_args, node.call_kwargs)
            )
            operation = operation_fn(node.operation)
            outputs = call_fn(operation, *args, **kwargs) if call_fn is not None else operation(*args, **kwargs)
            for x, y in zip(node.outputs, _tree.flatten(outputs)):
                values[id(x)] = y
    return _tree.pack_sequence_as(model._outputs_struct, [values[id(x)] for x in model.outputs])


def _same_structure(a: Any, b: float) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and sorted(a) == sorted(b)
            and all(_same_structure(a[k], b[k]) for k in a)
        )
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (
            isinstance(a, (list, tuple))
            and isinstance(b, (list, tuple))
            and len(a) == len(b)
            and all(_same_structure(x, y) for x, y in zip(a, b))
        )
    return True


def _clone_functional_model(model, clone_function, input_tensors=None, call_function=None):
    if not callable(clone_function):
        raise ValueError(
            f"Expected `clone_function` argument to be a callable. Received: clone_function={clone_function}"
        )
    if input_tensors is not None:
        if not all(isinstance(x, KerasTensor) for x in _tree.flatten(input_tensors)):
            raise ValueError(
                f"All entries in `input_tensors` must be KerasTensors. Received invalid values: "
                f"inputs_tensors={input_tensors}"
            )
        reference = model.input
        if isinstance(input_tensors, tuple):
            input_tensors = list(input_tensors)
        if (
            not isinstance(reference, (list, tuple, dict))
            and isinstance(input_tensors, list)
            and len(input_tensors) == 1
        ):
            input_tensors = input_tensors[0]  # Keras 3 unwraps a one-tensor list the same way
        if not _same_structure(input_tensors, reference):
            raise ValueError(
                f"`input_tensors` must have the same structure as model.input\nReference structure: "
                f"{reference}\nReceived structure: {input_tensors}"
            )
    else:
        input_tensors = _tree.map_structure(
            lambda x: Input(batch_shape=x.shape, dtype=x.dtype, name=x.name), model.input
        )
    outputs = _run_through_graph(model, input_tensors, clone_function, call_function)
    cls = type(model) if functional_like_constructor(type(model)) else Functional
    return _compile_like(cls(input_tensors, outputs, name=model.name), model)
