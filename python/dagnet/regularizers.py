"""Weight regularizers (Keras): penalties added to the training loss."""

from __future__ import annotations

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


class L1L2(Regularizer):
    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = float(l1), float(l2)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L2(Regularizer):
    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = float(l2)
        self.l1 = 0.0

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


class L1(Regularizer):
    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = float(l1)
        self.l2 = 0.0

    def get_config(self) -> dict[str, Any]:
        return {"l1": float(np.float32(self.l1))}  # Keras keeps L1's factor as a float32 tensor


def l2(l2: float = 0.01) -> L2:
    return L2(l2)


def l1(l1: float = 0.01) -> L1:
    return L1(l1)


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    return L1L2(l1, l2)


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


_BY_NAME = {"l2": L2, "L2": L2, "l1": L1, "L1": L1, "l1_l2": L1L2, "L1L2": L1L2}


def get(identifier: Any) -> Any:
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _BY_NAME:
        return _BY_NAME[identifier["class_name"]].from_config(identifier.get("config", {}))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier}")
