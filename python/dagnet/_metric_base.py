"""The Metric base class and the weighting helpers every metric module shares (kept apart
from metrics.py so the metric families in their own modules can subclass it without an
import cycle)."""

from __future__ import annotations

from typing import Any

from . import ops
from ._naming import auto_name, to_snake_case
from ._tracing import GraphBuilder
from ._typing import TensorLike


class Metric:
    """Base class. Subclasses give `values(y_true, y_pred)` (per-sample values, shape
    y_pred.shape[:-1], written with dagnet.ops) or override `lower`."""

    reduction = "mean"  # or "sums": lower_sums() / result_from_sums()

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        self.name = name or auto_name(type(self).__name__)  # 'precision', 'precision_1', ... as Keras
        self.dtype = dtype or "float32"  # Keras metrics compute in float32 by default

    def values(self, y_true: TensorLike, y_pred: TensorLike) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement values() or lower()")

    def lower(
        self,
        builder: GraphBuilder,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> Any:
        """The batch value: the mean of the per-sample values weighted by `sample_weight`
        (one weight per position, a mask and/or sample weights; None: all 1)."""
        with builder.active():
            if y_true.dtype != y_pred.dtype:
                y_true = ops.cast(y_true, y_pred.dtype)
            values = builder.as_value(self.values(y_true, y_pred))
            return _weighted_mean(values, _merge(mask, sample_weight, values))

    def result(self, mean: Any) -> Any:
        """The reported value from the accumulated mean."""
        return mean

    # A metric with reduction "sums" (confusion counts, AUC) instead lowers to running sums
    # that the epoch accumulates, and reports a value computed from them.
    def lower_sums(
        self,
        builder: GraphBuilder,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> list[Any]:
        raise NotImplementedError(f"{type(self).__name__} has no running sums (reduction 'mean')")

    def result_from_sums(self, sums: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no running sums (reduction 'mean')")

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _snake(name):
    return to_snake_case(name)


def _merge(mask, sample_weight, like):
    """One weight per position from a mask and sample weights (either may be None)."""
    weights = [w if w.dtype == like.dtype else ops.cast(w, like.dtype) for w in (mask, sample_weight) if w is not None]
    if not weights:
        return None
    return weights[0] if len(weights) == 1 else ops.multiply(weights[0], weights[1])


def _weighted_mean(values, weights):
    if weights is None:
        return ops.mean(values)
    if values.ndim == weights.ndim + 1 and values.shape[-1] == 1:
        values = ops.squeeze(values, -1)
    if values.ndim == 0:
        return values
    return ops.divide(ops.sum(ops.multiply(values, weights)), ops.maximum(ops.sum(weights), 1e-12))
