"""Weight regularizers (Keras): penalties added to the training loss."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import ops
from ._typing import TensorLike


class Regularizer:
    l1 = 0.0
    l2 = 0.0

    def __call__(self, x: TensorLike) -> Any:
        """The penalty on x (a tensor while tracing, or an array), as Keras computes it: one
        native op per term (every spelling, L1 / L2 / L1L2 / l1_l2 / 'l1', lands here)."""
        total = None
        if self.l1:
            total = ops.l1_penalty(x, self.l1)
        if self.l2:
            term = ops.l2_penalty(x, self.l2)
            total = term if total is None else ops.add(total, term)
        return total if total is not None else ops.multiply(ops.sum(x), 0.0)

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Regularizer:
        return cls(**config)


def _factor(value: Any, name: str, default: float) -> float:
    """A penalty factor as Keras validates it: None is the default, else a finite float >= 0."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float.Received: {name}={value}")
    return float(value)


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x^2); both factors default to 0 (Keras 3, also as `l1_l2`)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = _factor(l1, "l1", 0.0), _factor(l2, "l2", 0.0)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L2(Regularizer):
    """l2 * sum(x^2)."""

    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = _factor(l2, "l2", 0.01)
        self.l1 = 0.0

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


class L1(Regularizer):
    """l1 * sum(|x|)."""

    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = _factor(l1, "l1", 0.01)
        self.l2 = 0.0

    def get_config(self) -> dict[str, Any]:
        return {"l1": float(np.float32(self.l1))}  # Keras keeps L1's factor as a float32 tensor


class OrthogonalRegularizer(Regularizer):
    """factor * mean |cos| between distinct rows (mode="rows") or columns of a rank-2 weight:
    0.5 * sum of the off-diagonal |products| of the L2-normalised vectors over the pair count."""

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        self.factor = float(np.float32(_factor(factor, "factor", 0.01)))
        if mode not in {"rows", "columns"}:
            raise ValueError(
                f'Invalid value for argument `mode`. Expected one of {{"rows", "columns"}}. Received: mode={mode}'
            )
        self.mode = mode

    def __call__(self, x: TensorLike) -> Any:
        shape = tuple(x.shape)
        if len(shape) != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape={shape}")
        rows = self.mode == "rows"
        vectors = ops.normalize(x, axis=1 if rows else 0)
        product = ops.matmul(vectors, ops.transpose(vectors)) if rows else ops.matmul(ops.transpose(vectors), vectors)
        size = int(shape[0] if rows else shape[1])
        dtype = np.float64 if str(getattr(x, "dtype", "float32")) == "float64" else np.float32
        off_diagonal = (1.0 - np.eye(size)).astype(dtype)
        pairs = size * (size - 1.0) / 2.0  # a single vector has no pairs: 0/0 as in Keras
        scale = self.factor * 0.5 / pairs if pairs else float("nan")
        return ops.multiply(ops.sum(ops.abs(ops.multiply(product, off_diagonal))), scale)

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "mode": self.mode}


# Keras 3 exports the classes under their lower-case names too (`l1_l2()` is L1L2(0, 0)).
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer


def serialize(regularizer: Any) -> dict | None:
    """Keras 3's entry for a regularizer in a layer config."""
    if regularizer is None:
        return None
    return {
        "module": "keras.regularizers",
        "class_name": type(regularizer).__name__,
        "config": regularizer.get_config(),
        "registered_name": None,
    }


# Keras's identifiers: each class name and its snake_case (so "l1l2", not "l1_l2").
_BY_NAME: dict[str, type[Regularizer]] = {
    "L1": L1,
    "l1": L1,
    "L2": L2,
    "l2": L2,
    "L1L2": L1L2,
    "l1l2": L1L2,
    "OrthogonalRegularizer": OrthogonalRegularizer,
    "orthogonal_regularizer": OrthogonalRegularizer,
}


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
    return get(config)


def get(identifier: Any) -> Any:
    """A regularizer from an instance, a class, a Keras identifier or a serialized dict."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _BY_NAME:
        return _BY_NAME[identifier["class_name"]].from_config(identifier.get("config") or {})
    if isinstance(identifier, type) and callable(identifier):
        return identifier()  # Keras instantiates a class with its defaults
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier}")
