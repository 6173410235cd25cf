"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot,
and their functional forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import ops
from .._typing import TensorLike
from ..ops._dispatch import emit
from .layer import Layer


class _Merge(Layer):
    _min_inputs = 2

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, list) or len(input_shape) < self._min_inputs:
            raise ValueError(
                f'A merge layer ("{self.name}") should be called on a list of at least '
                f"{self._min_inputs} inputs. Got {len(input_shape) if isinstance(input_shape, list) else 1} "
                "input(s)."
            )

    def compute_mask(self, inputs: TensorLike, mask: TensorLike | None = None) -> Any:
        if mask is None or all(m is None for m in mask):
            return None
        masks = [m for m in mask if m is not None]
        out = masks[0]
        for m in masks[1:]:
            out = ops.multiply(out, m)
        return out


class _Elementwise(_Merge):
    """Merges whose inputs must agree in shape, size-1 dimensions broadcasting as in Keras."""

    def build(self, input_shape: Any) -> None:
        super().build(input_shape)
        shape = tuple(input_shape[0][1:])
        for other in input_shape[1:]:
            shape = _broadcast_merge_shapes(self.name, shape, tuple(other[1:]))

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(inputs, (list, tuple)) and len({len(getattr(x, "shape", ())) for x in inputs}) > 1:
            inputs = _same_rank(list(inputs))
        return super().__call__(inputs, *args, **kwargs)

    def _combine(self, inputs, native_op, pairwise):
        if all(tuple(x.shape[1:]) == tuple(inputs[0].shape[1:]) for x in inputs):
            return emit(inputs[0].builder, native_op, list(inputs))
        out = inputs[0]
        for x in inputs[1:]:
            out = pairwise(out, x)
        return out


def _same_rank(inputs: list) -> list:
    """As Keras's Merge.call: inputs of lower rank get size-1 axes at axis 1 (after the batch
    axis) until every rank agrees, so their feature axes line up from the right."""
    rank = max(len(x.shape) for x in inputs)
    aligned = []
    for x in inputs:
        for _ in range(rank - len(x.shape)):
            x = ops.expand_dims(x, 1)
        aligned.append(x)
    return aligned


def _broadcast_merge_shapes(name, a, b):
    """Keras's elementwise-merge shape rule on shapes without the batch axis (aligned from the right)."""
    a, b = (1,) * (len(b) - len(a)) + tuple(a), (1,) * (len(a) - len(b)) + tuple(b)
    out: list[int | None] = []
    for i, j in zip(a, b):
        if i is None or j is None:
            out.append(None)
        elif i == 1 or j == 1:
            out.append(j if i == 1 else i)
        elif i != j:
            raise ValueError(f'Inputs have incompatible shapes. Received shapes {a} and {b} (layer "{name}")')
        else:
            out.append(i)
    return tuple(out)


class Add(_Elementwise):
    def call(self, inputs: TensorLike) -> Any:
        return self._combine(inputs, "add", ops.add)


class Subtract(_Elementwise):
    def build(self, input_shape: Any) -> None:
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f'A `Subtract` layer ("{self.name}") should be called on exactly 2 inputs. '
                f"Received: {len(input_shape)} inputs"
            )

    def call(self, inputs: TensorLike) -> Any:
        return ops.subtract(inputs[0], inputs[1])


class Multiply(_Elementwise):
    def call(self, inputs: TensorLike) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.multiply(out, x)
        return out


class Average(_Elementwise):
    def call(self, inputs: TensorLike) -> Any:
        total = self._combine(inputs, "add", ops.add)
        return emit(inputs[0].builder, "scale", [total], {"factor": 1.0 / len(inputs)})


class Maximum(_Elementwise):
    def call(self, inputs: TensorLike) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.maximum(out, x)
        return out


class Minimum(_Elementwise):
    def call(self, inputs: TensorLike) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.minimum(out, x)
        return out


class Concatenate(_Merge):
    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape: Any) -> None:
        super().build(input_shape)
        rank = len(input_shape[0])
        axis = self.axis % rank if -rank <= self.axis < rank else None
        ranks_agree = all(len(s) == rank for s in input_shape)
        if (
            axis is None
            or not ranks_agree
            or any(
                a is not None and b is not None and a != b
                for s in input_shape[1:]
                for d, (a, b) in enumerate(zip(input_shape[0], s))
                if d != axis
            )
        ):
            raise ValueError(
                "A `Concatenate` layer requires inputs with matching shapes except for the "
                f"concatenation axis. Received: input_shape={[tuple(s) for s in input_shape]} "
                f'(layer "{self.name}", axis {self.axis})'
            )

    def call(self, inputs: TensorLike) -> Any:
        return emit(inputs[0].builder, "concatenate", list(inputs), {"axis": int(self.axis)})

    def compute_mask(self, inputs: TensorLike, mask: TensorLike | None = None) -> Any:
        # A position is valid if it is valid in every input (inputs without a mask count as valid).
        if mask is None or all(m is None for m in mask):
            return None
        full = [m if m is not None else ops.ones_like(_first_channel(x)) for x, m in zip(inputs, mask)]
        out = full[0]
        for m in full[1:]:
            out = ops.multiply(out, ops.cast(m, out.dtype))
        return out

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


def _first_channel(x):
    return ops.slice_by_index(x, (Ellipsis, 0))


class Dot(_Merge):
    """Dot product along `axes` of two batched tensors (optionally L2-normalised first)."""

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Keras 3's argument checks, word for word.
        if not isinstance(axes, (int, np.integer)) or isinstance(axes, bool):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    f"Invalid type for argument `axes`: it should be a list or an int. Received: axes={axes}"
                )
            if len(axes) != 2:
                raise ValueError(
                    f"Invalid format for argument `axes`: it should contain two elements. Received: axes={axes}"
                )
            if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes):
                raise ValueError(
                    f"Invalid format for argument `axes`: list elements should be integers. Received: axes={axes}"
                )
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = False

    def call(self, inputs: TensorLike) -> Any:
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: inputs={inputs}")
        a, b = inputs
        axes = self._resolved_axes(a.shape, b.shape)
        if self.normalize:
            a = _l2_normalize(a, axes[0])
            b = _l2_normalize(b, axes[1])
        if a.ndim == 2 and b.ndim == 2:
            return ops.sum(ops.multiply(a, b), axis=1, keepdims=True)
        # Move the contracted axes into batch_matmul position: a (B, M, K) x b (B, K, N).
        a = ops.transpose(a, [0] + [i for i in range(1, a.ndim) if i != axes[0]] + [axes[0]])
        b = ops.transpose(b, [0, axes[1]] + [i for i in range(1, b.ndim) if i != axes[1]])
        return emit(a.builder, "batch_matmul", [a, b])

    def _resolved_axes(self, shape1: tuple, shape2: tuple) -> list[int]:
        """Each input's contracted axis, checked. Keras indexes the shape with the axis (an IndexError
        past the rank) and wraps negative ones modulo the rank; dagnet refuses both, naming the
        layer (with an error that is both a ValueError and Keras's IndexError)."""
        axes = self.axes if isinstance(self.axes, (list, tuple)) else (self.axes, self.axes)
        resolved = []
        for axis, shape in zip(axes, (shape1, shape2)):
            rank = len(shape)
            if not -rank <= int(axis) < rank:
                raise AxisOutOfRange(
                    f'Layer "{self.name}": axes={self.axes} is out of range for inputs of shapes {shape1} and {shape2}'
                )
            resolved.append(int(axis) % rank)
        if 0 in resolved:
            raise ValueError(
                f'Layer "{self.name}": axes={self.axes} contracts the batch axis (0); Dot contracts a feature axis '
                f"of each input. Full input shapes: {shape1}, {shape2}"
            )
        d1, d2 = shape1[resolved[0]], shape2[resolved[1]]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(
                f"Incompatible input shapes: axis values {d1} (at axis {resolved[0]}) != {d2} (at axis "
                f"{resolved[1]}). Full input shapes: {shape1}, {shape2}"
            )
        return resolved

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


class AxisOutOfRange(ValueError, IndexError):
    """An axis past an input's rank (a ValueError, and the IndexError Keras raises), as NumPy's AxisError."""


def _l2_normalize(x, axis):
    norm = ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), 1e-12))
    return ops.divide(x, norm)


def _functional(cls: type[Layer]) -> Callable[..., Any]:
    def merge(inputs: TensorLike, **kwargs: Any) -> Any:
        return cls(**kwargs)(inputs)

    merge.__name__ = cls.__name__.lower()
    merge.__doc__ = f"Functional form of `{cls.__name__}`: `{cls.__name__.lower()}(inputs, **kwargs)`."
    return merge


add, subtract, multiply, average = _functional(Add), _functional(Subtract), _functional(Multiply), _functional(Average)
maximum, minimum = _functional(Maximum), _functional(Minimum)


def concatenate(inputs: TensorLike, axis: int = -1, **kwargs: Any) -> Any:
    """Functional form of `Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: TensorLike, axes: Any, normalize: bool = False, **kwargs: Any) -> Any:
    """Functional form of `Dot`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
