"""Normalization: (x - mean) / max(sqrt(variance), epsilon) per position of the kept axes
(Keras 3's layer). The statistics come from the constructor or from ``adapt()``, which
computes them in NumPy as Keras does and stores them in the non-trainable weights mean,
variance and count; every graph reads those weights, so adapting a layer already inside a
built or compiled model changes what the model computes."""

from __future__ import annotations

import itertools
import math as pymath
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..._typing import TensorLike
from ...ops import math, shape_ops
from ..layer import Layer

EPSILON = 1e-7  # Keras's backend.epsilon()


def _batch_of(element: Any) -> Any:
    """The inputs of a batch a dataset yields ((x, y) and (x, y, sample_weight) give x)."""
    return element[0] if isinstance(element, tuple) else element


class Normalization(Layer):
    def __init__(
        self, axis: Any = -1, mean: Any = None, variance: Any = None, invert: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        self._build_input_shape: Any = None
        self.mean: Any = None
        self.variance: Any = None
        if (mean is not None) != (variance is not None):
            raise ValueError(
                "When setting values directly, both `mean` and `variance` must be set. "
                f"Received: mean={mean} and variance={variance}"
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "When setting values directly, `mean` and `variance` must have the same shape. Received: "
                    f"mean shape {np.shape(mean)} and variance shape {np.shape(variance)}"
                )
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    "The rank of `mean` must be less than or equal to the number of axes "
                    f"({len(self.axis)}). Received: mean shape {np.shape(mean)} for axis {self.axis}"
                )

    def build(self, input_shape: Any) -> None:
        if input_shape is None:
            return
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        self._build_input_shape = input_shape
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                "All `axis` values must be in the range [-ndim, ndim). "
                f"Received inputs with ndim={ndim}, while axis={self.axis}"
            )
        self._keep_axis = tuple(sorted(d if d >= 0 else d + ndim for d in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    f"All `axis` values to be kept must have a known shape. Received axis={self.axis}, "
                    f"inputs.shape={input_shape}, with unknown axis at index {d}"
                )
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)]
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                name="mean", shape=self._mean_and_var_shape, initializer="zeros", trainable=False
            )
            self.adapt_variance = self.add_weight(
                name="variance", shape=self._mean_and_var_shape, initializer="ones", trainable=False
            )
            # Keras keeps it for older saved models; it stays 0.
            self.count = self.add_weight(name="count", shape=(), dtype="int64", initializer="zeros", trainable=False)
        else:
            self.mean, self.variance = (self._broadcast(v) for v in (self.input_mean, self.input_variance))
        self.built = True

    def _broadcast(self, value: Any) -> np.ndarray:
        """A given mean or variance in the broadcast shape: a scalar everywhere, else its
        dimensions aligned right to left with the kept axes."""
        value = np.asarray(value, dtype=self.dtype)
        if value.ndim:
            expanded = [1] * len(self._broadcast_shape)
            for i in range(1, value.ndim + 1):
                expanded[self._keep_axis[-i]] = value.shape[-i]
            value = value.reshape(expanded)
        return np.broadcast_to(value, self._broadcast_shape).astype(self.dtype)

    def adapt(self, data: Any) -> None:
        """Computes the mean and variance of `data` (an array, or an iterable of batches: a
        list, a generator, a PyDataset) over the axes not kept, as Keras does."""
        iterable = False
        if isinstance(data, np.ndarray) or (hasattr(data, "shape") and hasattr(data, "__array__")):
            data = np.asarray(data)
            input_shape = data.shape
        elif hasattr(data, "__getitem__") and hasattr(data, "__len__") and hasattr(data, "on_epoch_end"):
            input_shape = np.shape(_batch_of(data[0]))  # a PyDataset / Sequence
            data = (data[i] for i in range(len(data)))
            iterable = True
        elif isinstance(data, Iterable):
            iterator = iter(data)
            first = next(iterator, None)
            if first is None:
                raise ValueError(
                    "adapt() received an empty iterable (no batches). Expected at least one batch. Pass a "
                    "non-empty iterable of arrays or tensors, e.g. layer.adapt([x]) or layer.adapt(list_of_batches)."
                )
            first = _batch_of(first)
            if getattr(first, "shape", None) is None:
                raise TypeError(
                    "adapt() expects an iterable that yields arrays or tensors with a `.shape` attribute (e.g. "
                    f"numpy arrays or backend tensors). Got an element of type {type(first).__name__}. Ensure "
                    "each yielded element is array-like with a `.shape` attribute."
                )
            input_shape = tuple(first.shape)
            data = itertools.chain([first], iterator)
            iterable = True
        else:
            raise TypeError(
                f"Unsupported data type: {type(data)}. `adapt` supports `np.ndarray`, backend tensors, "
                "`keras.utils.PyDataset`, and iterables of batches (e.g. list, generator)."
            )
        if not self.built:
            self.build(input_shape)
        else:
            for d in self._keep_axis:
                if input_shape[d] != self._build_input_shape[d]:
                    raise ValueError(
                        f"The layer was built with input_shape={self._build_input_shape}, but adapt() is being "
                        f"called with data with an incompatible shape, data.shape={input_shape}"
                    )
        if self.input_mean is not None:
            raise ValueError(f'Layer "{self.name}" was given its mean and variance; adapt() cannot change them')
        if not iterable:
            total_mean = np.mean(data, axis=self._reduce_axis)
            total_var = np.var(data, axis=self._reduce_axis)
        else:
            total_mean, total_var = self._running_moments(data)
        self.adapt_mean.assign(np.asarray(total_mean, dtype=self.dtype))
        self.adapt_variance.assign(np.asarray(total_var, dtype=self.dtype))

    def _running_moments(self, batches: Iterable) -> tuple[np.ndarray, np.ndarray]:
        """Keras's running mean and variance over batches (lack-of-fit sum of squares)."""
        total_mean = np.zeros(self._mean_and_var_shape, self.dtype)
        total_var = np.zeros(self._mean_and_var_shape, self.dtype)
        total_count = 0
        for element in batches:
            batch = np.asarray(_batch_of(element), dtype=self.dtype)
            for d in self._keep_axis:
                expected = self._build_input_shape[d]
                if expected is not None and batch.shape[d] != expected:
                    raise ValueError(
                        f"adapt() yielded a batch with incompatible shape. Expected {self._build_input_shape}, "
                        f"got {tuple(batch.shape)}."
                    )
            batch_mean = np.mean(batch, axis=self._reduce_axis)
            batch_var = np.var(batch, axis=self._reduce_axis)
            batch_count = pymath.prod(batch.shape[d] for d in self._reduce_axis) if self._reduce_axis else 1
            total_count += batch_count
            batch_weight = float(batch_count) / total_count
            existing_weight = 1.0 - batch_weight
            new_mean = total_mean * existing_weight + batch_mean * batch_weight
            total_var = (total_var + (total_mean - new_mean) ** 2) * existing_weight + (
                batch_var + (batch_mean - new_mean) ** 2
            ) * batch_weight
            total_mean = new_mean
        return total_mean, total_var

    def call(self, inputs: TensorLike) -> Any:
        if not self.built:
            raise ValueError("You must call `.build(input_shape)` on the layer before using it.")
        x = inputs if inputs.dtype == self.dtype else shape_ops.cast(inputs, self.dtype)
        if self.input_mean is None:
            mean = shape_ops.reshape(self.adapt_mean, self._broadcast_shape)
            variance = shape_ops.reshape(self.adapt_variance, self._broadcast_shape)
        else:
            mean, variance = self.mean, self.variance
        scale = math.maximum(math.sqrt(variance), EPSILON)
        if self.invert:
            return math.add(mean, math.multiply(x, scale))
        return math.divide(math.subtract(x, mean), scale)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        }

    def get_build_config(self) -> dict[str, Any] | None:
        if self._build_input_shape:
            return {"input_shape": list(self._build_input_shape)}
        return None

    def build_from_config(self, config: dict[str, Any]) -> None:
        if config:
            self.build(tuple(config["input_shape"]))
