"""Keras 3's pearson_correlation / concordance_correlation and their metric classes.

Keras's classes are MeanMetricWrappers: each batch gives one coefficient per sample (taken
along `axis`, -1 by default) and the epoch reports the (sample-weighted) mean of those
per-sample values; nothing is pooled across batches. So the classes are plain mean metrics
here: `values()` lowers into the training step, and standalone update_state feeds the same
values to a Mean. The functions keep Keras's exact formulas, including that Pearson divides
by the standard deviation with no epsilon (a constant row gives nan, as in Keras) and that
Concordance's covariance term centres y_true on y_pred's mean."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from ._metric_base import Metric, _merge, _weighted_mean
from ._score_metrics import Mean
from ._tracing import GraphBuilder
from ._typing import TensorLike

_EPSILON = 1e-7  # keras.backend.epsilon()


def _tensors(y_true: TensorLike, y_pred: TensorLike) -> tuple[Any, Any]:
    """y_pred as float (arrays: float32 unless float64), y_true in its dtype, same rank."""
    if not hasattr(y_pred, "dtype") or isinstance(y_pred, np.ndarray):
        array = np.asarray(y_pred)
        y_pred = array.astype("float64" if array.dtype == np.float64 else "float32")
    if isinstance(y_true, (list, tuple, float, int, np.ndarray, np.generic)):
        y_true = np.asarray(y_true, dtype=y_pred.dtype)
    elif y_true.dtype != y_pred.dtype:
        y_true = ops.cast(y_true, y_pred.dtype)
    # Keras's squeeze_or_expand_to_same_rank
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = ops.squeeze(y_pred, -1)
    return y_true, y_pred


def _axis(axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, list) else axis


def _var(x: Any, axis: Any) -> Any:
    """The population variance (keras.ops.var)."""
    centred = ops.subtract(x, ops.mean(x, axis=axis, keepdims=True))
    return ops.mean(ops.square(centred), axis=axis, keepdims=True)


def pearson_correlation(y_true: TensorLike, y_pred: TensorLike, axis: Any = -1) -> Any:
    """mean(((y_true - mean) / std) * ((y_pred - mean) / std)) along `axis`."""
    y_true, y_pred = _tensors(y_true, y_pred)
    axis = _axis(axis)
    true_norm = ops.subtract(y_true, ops.mean(y_true, axis=axis, keepdims=True))
    pred_norm = ops.subtract(y_pred, ops.mean(y_pred, axis=axis, keepdims=True))
    true_norm = ops.divide(true_norm, ops.sqrt(_var(true_norm, axis)))
    pred_norm = ops.divide(pred_norm, ops.sqrt(_var(pred_norm, axis)))
    return ops.mean(ops.multiply(true_norm, pred_norm), axis=axis)


def concordance_correlation(y_true: TensorLike, y_pred: TensorLike, axis: Any = -1) -> Any:
    """mean(2 * (y_true - mean(y_pred)) * (y_pred - mean(y_pred)) / (var_t + var_p +
    (mean_t - mean_p)^2 + epsilon)) along `axis` (Keras 3's formula as written)."""
    y_true, y_pred = _tensors(y_true, y_pred)
    axis = _axis(axis)
    true_mean = ops.mean(y_true, axis=axis, keepdims=True)
    pred_mean = ops.mean(y_pred, axis=axis, keepdims=True)
    true_var = _var(ops.subtract(y_true, true_mean), axis)
    pred_var = _var(ops.subtract(y_pred, pred_mean), axis)
    covar = ops.multiply(ops.subtract(y_true, pred_mean), ops.subtract(y_pred, pred_mean))
    norm = ops.add(ops.add(true_var, pred_var), ops.square(ops.subtract(true_mean, pred_mean)))
    return ops.mean(ops.divide(ops.multiply(covar, 2.0), ops.add(norm, _EPSILON)), axis=axis)


class _CorrelationMetric(Metric):
    """A per-sample coefficient averaged like Keras's MeanMetricWrapper."""

    _fn: Any = None

    def __init__(self, name: str | None, dtype: Any, axis: Any) -> None:
        if isinstance(axis, bool) or not (
            isinstance(axis, (int, np.integer))
            or (isinstance(axis, (tuple, list)) and all(isinstance(a, (int, np.integer)) for a in axis))
        ):
            raise ValueError(
                f"{type(self).__name__}: `axis` must be an integer or a tuple of integers. Received: axis={axis!r}"
            )
        super().__init__(name, dtype)
        self.axis = axis
        self._mean = Mean(name=self.name)

    def values(self, y_true: TensorLike, y_pred: TensorLike) -> Any:
        return type(self)._fn(y_true, y_pred, axis=self.axis)

    def lower(
        self,
        builder: GraphBuilder,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> Any:
        with builder.active():
            values = builder.as_value(self.values(y_true, y_pred))
            weights = _merge(mask, sample_weight, values)
            if weights is not None and tuple(values.shape[: weights.ndim]) != tuple(weights.shape):
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': the per-sample values of shape {tuple(values.shape)} "
                    f"(axis={self.axis}) do not line up with the weights of shape {tuple(weights.shape)}; weighted "
                    "or masked outputs in fit/evaluate need the coefficient taken along the last axis"
                )
            return _weighted_mean(values, weights)

    # -- eager use, as a Keras metric object -------------------------------------------------
    def update_state(self, y_true: TensorLike, y_pred: TensorLike, sample_weight: Any = None) -> None:
        self._mean.update_state(np.asarray(self.values(y_true, y_pred)), sample_weight=sample_weight)

    def result(self, mean: Any = None) -> Any:
        return self._mean.result() if mean is None else mean

    def reset_state(self) -> None:
        self._mean.reset_state()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class PearsonCorrelation(_CorrelationMetric):
    _fn = staticmethod(pearson_correlation)

    def __init__(self, name: str | None = "pearson_correlation", dtype: Any = None, axis: Any = -1) -> None:
        super().__init__(name, dtype, axis)


class ConcordanceCorrelation(_CorrelationMetric):
    _fn = staticmethod(concordance_correlation)

    def __init__(self, name: str | None = "concordance_correlation", dtype: Any = None, axis: Any = -1) -> None:
        super().__init__(name, dtype, axis)


CLASSES: list[type[Metric]] = [PearsonCorrelation, ConcordanceCorrelation]
