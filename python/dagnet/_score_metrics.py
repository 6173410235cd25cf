"""Keras 3's F1Score / FBetaScore, R2Score and the plain Mean / Sum aggregators.

F-scores and R2 keep per-class running sums (Keras's state variables): in fit/evaluate they
lower to batch sums that the loop adds up (reduction "sums"), and standalone update_state
runs the same lowering eagerly, so both paths share one formula. The result is then taken
from the totals exactly as Keras's result() does (epsilon included)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import ops
from ._metric_base import Metric, _merge
from ._tracing import GraphBuilder
from ._typing import TensorLike
from .engine import Executor

_EPSILON = np.float32(1e-7)


class _SumsMetric(Metric):
    """A metric whose state is a list of running sums; subclasses give lower_sums and
    result_from_sums. update_state / result / reset_state make it usable on its own."""

    reduction = "sums"
    _sums: list[np.ndarray] | None

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(name, dtype)
        self._sums = None

    def update_state(self, y_true: TensorLike, y_pred: TensorLike, sample_weight: Any = None) -> None:
        builder = GraphBuilder()
        with builder.active():
            yt = builder.constant(np.asarray(y_true, np.float32))
            yp = builder.constant(np.asarray(y_pred, np.float32))
            sw = None if sample_weight is None else builder.constant(np.asarray(sample_weight, np.float32))
            values = self.lower_sums(builder, yt, yp, None, sw)
        results = [np.asarray(r, np.float32) for r in Executor(builder.graph, [v.id for v in values]).run([])]
        self._sums = results if self._sums is None else [a + r for a, r in zip(self._sums, results)]

    def result(self, mean: Any = None) -> Any:
        if mean is not None:
            return mean
        return self.result_from_sums(self._sums)

    def reset_state(self) -> None:
        self._sums = None


def _check_2d(metric: str, y_true: Any, y_pred: Any) -> None:
    if y_pred.ndim != 2 or y_true.ndim != 2:
        raise ValueError(
            f"{metric} expects 2D inputs with shape (batch_size, output_dim). Received input shapes: "
            f"y_pred.shape={tuple(y_pred.shape)} and y_true.shape={tuple(y_true.shape)}."
        )
    if y_pred.shape[-1] is None:
        raise ValueError(
            f"{metric} expects 2D inputs with shape (batch_size, output_dim), with output_dim fully defined "
            f"(not None). Received input shapes: y_pred.shape={tuple(y_pred.shape)} and "
            f"y_true.shape={tuple(y_true.shape)}."
        )


class FBetaScore(_SumsMetric):
    """Per-class (or micro) tp, fp, fn and support, weighted by sample_weight."""

    def __init__(
        self,
        average: str | None = None,
        beta: float = 1.0,
        threshold: float | None = None,
        name: str | None = "fbeta_score",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(
                "Invalid `average` argument value. Expected one of: {None, 'micro', 'macro', 'weighted'}. "
                f"Received: average={average}"
            )
        if not isinstance(beta, float):
            raise ValueError(
                f"Invalid `beta` argument value. It should be a Python float. Received: beta={beta} of type "
                f"'{type(beta)}'"
            )
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    "Invalid `threshold` argument value. It should be a Python float. "
                    f"Received: threshold={threshold} of type '{type(threshold)}'"
                )
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(
                    "Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                    f"Received: threshold={threshold}"
                )
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0

    def lower_sums(
        self,
        builder: GraphBuilder,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> list[Any]:
        _check_2d(type(self).__name__, y_true, y_pred)
        with builder.active():
            if y_pred.dtype != "float32":
                y_pred = ops.cast(y_pred, "float32")
            y_true = y_true if y_true.dtype == y_pred.dtype else ops.cast(y_true, y_pred.dtype)
            if self.threshold is None:
                # the row's maximum (ties all count), unless it is zero
                top = ops.max(y_pred, axis=-1, keepdims=True)
                predicted = ops.multiply(
                    ops.cast(ops.greater_equal(y_pred, top), "float32"),
                    ops.cast(ops.greater(ops.absolute(y_pred), 1e-9), "float32"),
                )
            else:
                predicted = ops.cast(ops.greater(y_pred, self.threshold), "float32")
            weights = _merge(mask, sample_weight, y_pred)
            if weights is not None:
                weights = ops.expand_dims(weights, 1) if weights.ndim == 1 else weights

            def weighted_sum(value):
                return ops.sum(value if weights is None else ops.multiply(value, weights), axis=self.axis)

            missed = ops.subtract(1.0, predicted)
            return [
                weighted_sum(ops.multiply(predicted, y_true)),
                weighted_sum(ops.multiply(predicted, ops.subtract(1.0, y_true))),
                weighted_sum(ops.multiply(missed, y_true)),
                weighted_sum(y_true),
            ]

    def result_from_sums(self, sums: Any) -> Any:
        if sums is None:
            return np.float32(0.0) if self.average is not None else np.zeros((0,), np.float32)
        tp, fp, fn, support = (np.asarray(s, np.float32) for s in sums)
        precision = tp / (tp + fp + _EPSILON)
        recall = tp / (tp + fn + _EPSILON)
        beta2 = np.float32(self.beta**2)
        score = (precision * recall) / (beta2 * precision + recall + _EPSILON) * (np.float32(1) + beta2)
        if self.average == "weighted":
            return np.float32(np.sum(score * (support / (np.sum(support) + _EPSILON))))
        if self.average is not None:
            return np.float32(np.mean(score))
        return score.astype(np.float32)

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "average": self.average,
            "beta": self.beta,
            "threshold": self.threshold,
        }


class F1Score(FBetaScore):
    def __init__(
        self,
        average: str | None = None,
        threshold: float | None = None,
        name: str | None = "f1_score",
        dtype: Any = None,
    ) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["beta"]
        return config


class R2Score(_SumsMetric):
    """Per-output weighted sums of y, y^2, squared residuals and weights, plus the element
    count (Keras's num_samples, used only by the adjusted score)."""

    def __init__(
        self,
        class_aggregation: str | None = "uniform_average",
        num_regressors: int = 0,
        name: str | None = "r2_score",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(
                f"Invalid value for argument `class_aggregation`. Expected one of {valid}. "
                f"Received: class_aggregation={class_aggregation}"
            )
        if num_regressors < 0:
            raise ValueError(
                f"Invalid value for argument `num_regressors`. Expected a value >= 0. "
                f"Received: num_regressors={num_regressors}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors

    def lower_sums(
        self,
        builder: GraphBuilder,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> list[Any]:
        with builder.active():
            if y_pred.dtype != "float32":
                y_pred = ops.cast(y_pred, "float32")
            y_true = y_true if y_true.dtype == y_pred.dtype else ops.cast(y_true, y_pred.dtype)
            if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
                y_pred = ops.expand_dims(y_pred, -1) if y_pred.ndim == 1 else y_pred
                y_true = y_true if y_pred.ndim == y_true.ndim else ops.squeeze(y_true, -1)
            elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
                y_true = ops.expand_dims(y_true, -1) if y_true.ndim == 1 else y_true
                y_pred = y_pred if y_pred.ndim == y_true.ndim else ops.squeeze(y_pred, -1)
            _check_2d("R2Score", y_true, y_pred)
            ones = ops.add(ops.multiply(y_true, 0.0), 1.0)
            weights = _merge(mask, sample_weight, y_pred)
            if weights is None:
                weights = ones
            else:
                if weights.ndim == 1:
                    weights = ops.expand_dims(weights, 1)
                weights = ops.multiply(weights, ones)
            weighted = ops.multiply(y_true, weights)
            residual = ops.square(ops.subtract(y_true, y_pred))
            return [
                ops.sum(weighted, axis=0),
                ops.sum(ops.multiply(y_true, weighted), axis=0),
                ops.sum(ops.multiply(residual, weights), axis=0),
                ops.sum(weights, axis=0),
                ops.sum(ones),
            ]

    def result_from_sums(self, sums: Any) -> Any:
        if sums is None:
            return np.float32(np.nan)
        total_y, squared, residual, count, samples = (np.asarray(s, np.float32) for s in sums)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = total_y / count
            total = squared - total_y * mean
            raw = np.float32(1) - residual / total
        raw = np.where(np.isinf(raw), np.float32(0), raw).astype(np.float32)
        if self.class_aggregation == "uniform_average":
            score = np.float32(np.mean(raw))
        elif self.class_aggregation == "variance_weighted_average":
            score = np.float32(np.sum(total * raw) / np.sum(total))
        else:
            score = raw
        if self.num_regressors != 0:
            n = float(samples)
            if self.num_regressors > n - 1:
                warnings.warn(
                    "More independent predictors than datapoints in adjusted R2 score. "
                    "Falling back to standard R2 score.",
                    stacklevel=2,
                )
            elif self.num_regressors == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 score.", stacklevel=2)
            else:
                p = np.float32(self.num_regressors)
                score = np.float32(1) - (np.float32(1) - score) * (np.float32(n) - 1) / (np.float32(n) - p - 1)
        return np.asarray(score, np.float32) if np.ndim(score) else np.float32(score)

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }


def _same_rank(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keras's squeeze_or_expand_to_same_rank (expand_rank_1=True)."""
    if x.ndim == w.ndim + 1 and x.shape[-1] == 1:
        return (x, w[..., None]) if w.ndim == 1 else (x[..., 0], w)
    if w.ndim == x.ndim + 1 and w.shape[-1] == 1:
        return (x[..., None], w) if x.ndim == 1 else (x, w[..., 0])
    return x, w


def _samplewise(values: Any, sample_weight: Any, reduce: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Keras's reduce_to_samplewise_values: values reduced to one per sample, times the weights."""
    values = np.asarray(values, np.float32)
    weights = None
    if sample_weight is not None:
        weights = np.asarray(sample_weight, np.float32)
        values, weights = _same_rank(values, weights)
        if values.ndim > weights.ndim:
            values = reduce(values, axis=tuple(range(weights.ndim, values.ndim)))
        weights = np.broadcast_to(weights, values.shape)
        values = values * weights
        if weights.ndim > 1:
            weights = reduce(weights, axis=tuple(range(1, weights.ndim)))
    if values.ndim > 1:
        values = reduce(values, axis=tuple(range(1, values.ndim)))
    return values, weights


class Mean(Metric):
    """The weighted mean of the values passed to update_state (a plain aggregator)."""

    total: np.float32
    count: np.float32

    def __init__(self, name: str | None = "mean", dtype: Any = None) -> None:
        super().__init__(name, dtype)
        self.reset_state()

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values, weights = _samplewise(values, sample_weight, np.mean)
        self.total = np.float32(self.total + np.sum(values, dtype=np.float32))
        count = np.sum(weights) if weights is not None else (values.shape[0] if values.ndim else 1)
        self.count = np.float32(self.count + np.float32(count))

    def result(self, mean: Any = None) -> Any:
        if mean is not None:
            return mean
        return np.float32(0.0) if self.count == 0 else np.float32(self.total / self.count)

    def reset_state(self) -> None:
        self.total = np.float32(0.0)
        self.count = np.float32(0.0)


class Sum(Metric):
    """The weighted sum of the values passed to update_state (a plain aggregator)."""

    total: np.float32

    def __init__(self, name: str | None = "sum", dtype: Any = None) -> None:
        super().__init__(name, dtype)
        self.reset_state()

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values, _ = _samplewise(values, sample_weight, np.sum)
        self.total = np.float32(self.total + np.sum(values, dtype=np.float32))

    def result(self, mean: Any = None) -> Any:
        return self.total if mean is None else mean

    def reset_state(self) -> None:
        self.total = np.float32(0.0)


CLASSES: list[type[Metric]] = [FBetaScore, F1Score, R2Score, Mean, Sum]
