"""Weight constraints (Keras 3 `keras.constraints`): projections applied to a weight after
each optimizer update. Layers take them (kernel_constraint=..., ...), attach them to their
variables (`variable.constraint`) and serialize them as Keras does.

In training, the built-in constraints run natively inside the training step (the engine's
`constrain` op, right after the weight's update); any other callable, a custom
`Constraint` subclass included, is applied to the weight (as a NumPy array) after each
step, before the next."""

from __future__ import annotations

from typing import Any

import numpy as np

from .serialization.object_registration import registered_name_of

_EPSILON = 1e-7


class Constraint:
    def __call__(self, w: Any) -> Any:
        return w

    def native_attrs(self, ndim: int) -> None:
        """Attributes of the engine's `constrain` op doing this, or None (then the training
        loop calls the constraint itself after each step)."""
        return None

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Constraint:
        return cls(**config)


class MaxNorm(Constraint):
    def __init__(self, max_value: float = 2, axis: Any = 0) -> None:
        self.max_value, self.axis = max_value, axis

    def __call__(self, w: Any) -> Any:
        w = np.asarray(w)
        norms = np.sqrt(np.sum(np.square(w), axis=_axis(self.axis), keepdims=True))
        return (w * (np.clip(norms, 0, self.max_value) / (_EPSILON + norms))).astype(w.dtype)

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}

    def native_attrs(self, ndim: Any) -> Any:
        return _builtin_only(
            self, MaxNorm, {"kind": "max_norm", "axes": _axes(self.axis, ndim), "max_value": float(self.max_value)}
        )


class NonNeg(Constraint):
    def __call__(self, w: Any) -> Any:
        w = np.asarray(w)
        return np.maximum(w, 0).astype(w.dtype)

    def native_attrs(self, ndim: Any) -> Any:
        return _builtin_only(self, NonNeg, {"kind": "non_neg"})


class UnitNorm(Constraint):
    def __init__(self, axis: Any = 0) -> None:
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        w = np.asarray(w)
        norms = np.sqrt(np.sum(np.square(w), axis=_axis(self.axis), keepdims=True))
        return (w / (_EPSILON + norms)).astype(w.dtype)

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}

    def native_attrs(self, ndim: Any) -> Any:
        return _builtin_only(self, UnitNorm, {"kind": "unit_norm", "axes": _axes(self.axis, ndim)})


class MinMaxNorm(Constraint):
    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Any = 0) -> None:
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w: Any) -> Any:
        w = np.asarray(w)
        norms = np.sqrt(np.sum(np.square(w), axis=_axis(self.axis), keepdims=True))
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return (w * (desired / (_EPSILON + norms))).astype(w.dtype)

    def get_config(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}

    def native_attrs(self, ndim: Any) -> Any:
        return _builtin_only(
            self,
            MinMaxNorm,
            {
                "kind": "min_max_norm",
                "axes": _axes(self.axis, ndim),
                "min_value": float(self.min_value),
                "max_value": float(self.max_value),
                "rate": float(self.rate),
            },
        )


def _axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _axes(axis, ndim):
    """Keras's `axis` (int, list or None = all) as the op's list (empty = all)."""
    if axis is None:
        return []
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if not -ndim <= int(a) < ndim:
            raise ValueError(f"constraint axis {a} is out of range for a weight of rank {ndim}")
    return [int(a) for a in axes]


def _builtin_only(constraint, cls, attrs):
    # A subclass may override __call__; only the class's own formula is native.
    return attrs if type(constraint).__call__ is cls.__call__ else None


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm

_BY_NAME: dict[str, type[Constraint]] = {
    "MaxNorm": MaxNorm,
    "max_norm": MaxNorm,
    "NonNeg": NonNeg,
    "non_neg": NonNeg,
    "UnitNorm": UnitNorm,
    "unit_norm": UnitNorm,
    "MinMaxNorm": MinMaxNorm,
    "min_max_norm": MinMaxNorm,
    "Constraint": Constraint,
}


def serialize(constraint: Any) -> Any:
    if constraint is None:
        return None
    registered = registered_name_of(constraint) if type(constraint).__name__ not in _BY_NAME else None
    return {
        "module": "keras.constraints" if not registered else None,
        "class_name": type(constraint).__name__,
        "config": constraint.get_config(),
        "registered_name": registered,
    }


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
    return get(config)


def get(identifier: Any) -> Any:
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _BY_NAME:
        return _BY_NAME[identifier["class_name"]].from_config(identifier.get("config") or {})
    if isinstance(identifier, type) and callable(identifier):
        return identifier()  # Keras instantiates a class with its defaults
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier}")
