"""Metrics computed inside the native step. A mean metric lowers to the batch's weighted
mean over valid positions; the training loop accumulates it weighted by the batch's
count (positions, valid positions or the sum of sample weights), which reproduces
Keras's stateful means exactly. Confusion-count metrics (Precision, Recall, ...) lower
to batch sums that the loop adds up before dividing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import _metric_functions, _public_serialization, _threshold_counts, losses as losses_module, ops

# Keras 3's function forms (per-sample values on arrays): the loss functions among them are
# the ones Keras re-exports from keras.losses
from ._focal_dice_losses import (
    binary_focal_crossentropy as binary_focal_crossentropy,
    categorical_focal_crossentropy as categorical_focal_crossentropy,
)
from ._metric_base import Metric, _merge, _snake, _weighted_mean  # noqa: F401  (re-exported)
from ._metric_functions import (
    binary_accuracy as binary_accuracy,
    binary_crossentropy as binary_crossentropy,
    categorical_accuracy as categorical_accuracy,
    categorical_crossentropy as categorical_crossentropy,
    categorical_hinge as categorical_hinge,
    huber as huber,
    log_cosh as log_cosh,
    sparse_categorical_accuracy as sparse_categorical_accuracy,
    sparse_categorical_crossentropy as sparse_categorical_crossentropy,
    sparse_top_k_categorical_accuracy as sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy as top_k_categorical_accuracy,
)
from ._tracing import GraphBuilder
from ._typing import TensorLike


# -- accuracy (one native op) ---------------------------------------------------------------
class _NativeAccuracy(Metric):
    kind = "categorical"

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def _attrs(self):
        return {"kind": self.kind}

    def lower(
        self,
        builder: GraphBuilder,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> Any:
        with builder.active():
            weights = _merge(mask, sample_weight, y_pred)
            inputs = [y_pred, y_true] + ([weights] if weights is not None else [])
            return builder.node("accuracy", inputs, self._attrs())[0]


class BinaryAccuracy(_NativeAccuracy):
    kind = "binary"

    def __init__(self, name: str | None = "binary_accuracy", dtype: Any = None, threshold: Any = 0.5) -> None:
        super().__init__(name, dtype)
        self.threshold = float(threshold)

    def _attrs(self):
        return {"kind": self.kind, "threshold": self.threshold}

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "threshold": self.threshold}


class CategoricalAccuracy(_NativeAccuracy):
    kind = "categorical"

    def __init__(self, name: str | None = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(name, dtype)


class SparseCategoricalAccuracy(_NativeAccuracy):
    kind = "sparse_categorical"

    def __init__(self, name: str | None = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(name, dtype)


class TopKCategoricalAccuracy(_NativeAccuracy):
    kind = "top_k_categorical"

    def __init__(self, k: int = 5, name: str | None = "top_k_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(name, dtype)
        self.k = int(k)

    def _attrs(self):
        return {"kind": self.kind, "k": self.k}

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "k": self.k}


class SparseTopKCategoricalAccuracy(TopKCategoricalAccuracy):
    kind = "sparse_top_k_categorical"

    def __init__(
        self,
        k: int = 5,
        name: str | None = "sparse_top_k_categorical_accuracy",
        dtype: Any = None,
        from_sorted_ids: bool = False,
    ) -> None:
        if from_sorted_ids:
            raise ValueError("SparseTopKCategoricalAccuracy(from_sorted_ids=True) is not supported")
        super().__init__(k, name, dtype)


class Accuracy(Metric):
    """How often predictions equal labels (elementwise)."""

    def __init__(self, name: str | None = "accuracy", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def values(self, y_true: TensorLike, y_pred: TensorLike) -> Any:
        return ops.mean(ops.equal(y_true, y_pred), axis=-1)


# -- regression and probabilistic means ------------------------------------------------------
class _LossMetric(Metric):
    """A metric computed with a native loss op (one per-sample loss per position)."""

    loss_class: type[losses_module.Loss]  # set by each subclass

    def __init__(self, name: str | None = None, dtype: Any = None, **loss_kwargs: Any) -> None:
        super().__init__(name, dtype)
        self.loss_kwargs = loss_kwargs

    def lower(
        self,
        builder: GraphBuilder,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> Any:
        loss = self.loss_class(**self.loss_kwargs)
        with builder.active():
            if sample_weight is None:
                return loss.lower(builder, y_true, y_pred, mask)
            weights = _merge(mask, sample_weight, y_pred)
            # sum(w * loss) / positions, divided by mean(w): the weighted mean.
            value = loss.lower(builder, y_true, y_pred, None, sample_weight=weights)
            return ops.divide(value, ops.maximum(ops.mean(weights), 1e-12))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self.loss_kwargs}


class MeanSquaredError(_LossMetric):
    loss_class = losses_module.MeanSquaredError

    def __init__(self, name: str | None = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)


class RootMeanSquaredError(_LossMetric):
    loss_class = losses_module.MeanSquaredError

    def __init__(self, name: str | None = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def result(self, mean: Any) -> Any:
        return float(mean) ** 0.5


class MeanAbsoluteError(_LossMetric):
    loss_class = losses_module.MeanAbsoluteError

    def __init__(self, name: str | None = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)


class BinaryCrossentropy(_LossMetric):
    loss_class = losses_module.BinaryCrossentropy

    def __init__(
        self,
        name: str | None = "binary_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        label_smoothing: float = 0,
    ) -> None:
        if label_smoothing:
            raise ValueError("BinaryCrossentropy metric: `label_smoothing` is not supported")
        super().__init__(name, dtype, from_logits=from_logits)


class CategoricalCrossentropy(_LossMetric):
    loss_class = losses_module.CategoricalCrossentropy

    def __init__(
        self,
        name: str | None = "categorical_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        label_smoothing: float = 0,
        axis: int = -1,
    ) -> None:
        if label_smoothing or axis != -1:
            raise ValueError("CategoricalCrossentropy metric: `label_smoothing` and `axis` are not supported")
        super().__init__(name, dtype, from_logits=from_logits)


class SparseCategoricalCrossentropy(_LossMetric):
    loss_class = losses_module.SparseCategoricalCrossentropy

    def __init__(
        self,
        name: str | None = "sparse_categorical_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        axis: int = -1,
    ) -> None:
        if axis != -1:
            raise ValueError("SparseCategoricalCrossentropy metric: `axis` is not supported")
        super().__init__(name, dtype, from_logits=from_logits)


_EPSILON = 1e-7


def _clip_eps(x):
    return ops.clip(x, _EPSILON, 1.0 - _EPSILON)


class MeanAbsolutePercentageError(Metric):
    def __init__(self, name: str | None = "mean_absolute_percentage_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def values(self, y_true: TensorLike, y_pred: TensorLike) -> Any:
        diff = ops.absolute(ops.divide(ops.subtract(y_true, y_pred), ops.maximum(ops.absolute(y_true), _EPSILON)))
        return ops.multiply(ops.mean(diff, axis=-1), 100.0)


class MeanSquaredLogarithmicError(Metric):
    def __init__(self, name: str | None = "mean_squared_logarithmic_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def values(self, y_true: TensorLike, y_pred: TensorLike) -> Any:
        first = ops.log(ops.add(ops.maximum(y_pred, _EPSILON), 1.0))
        second = ops.log(ops.add(ops.maximum(y_true, _EPSILON), 1.0))
        return ops.mean(ops.square(ops.subtract(first, second)), axis=-1)


class Hinge(Metric):
    def __init__(self, name: str | None = "hinge", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def values(self, y_true: TensorLike, y_pred: TensorLike) -> Any:
        return ops.mean(ops.maximum(ops.subtract(1.0, ops.multiply(_signed(y_true), y_pred)), 0.0), axis=-1)


class SquaredHinge(Metric):
    def __init__(self, name: str | None = "squared_hinge", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def values(self, y_true: TensorLike, y_pred: TensorLike) -> Any:
        return ops.mean(ops.square(ops.maximum(ops.subtract(1.0, ops.multiply(_signed(y_true), y_pred)), 0.0)), axis=-1)


def _signed(y_true):
    """Keras's hinge labels: {0, 1} become {-1, 1}."""
    return ops.where(ops.equal(y_true, 0.0), -1.0, y_true)


class KLDivergence(Metric):
    def __init__(self, name: str | None = "kl_divergence", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def values(self, y_true: TensorLike, y_pred: TensorLike) -> Any:
        t, p = ops.clip(y_true, _EPSILON, 1.0), ops.clip(y_pred, _EPSILON, 1.0)
        return ops.sum(ops.multiply(t, ops.log(ops.divide(t, p))), axis=-1)


class Poisson(Metric):
    def __init__(self, name: str | None = "poisson", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def values(self, y_true: TensorLike, y_pred: TensorLike) -> Any:
        return ops.mean(ops.subtract(y_pred, ops.multiply(y_true, ops.log(ops.add(y_pred, _EPSILON)))), axis=-1)


class LogCoshError(Metric):
    def __init__(self, name: str | None = "logcosh", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def values(self, y_true: TensorLike, y_pred: TensorLike) -> Any:
        x = ops.subtract(y_pred, y_true)
        # log(cosh(x)) = x + softplus(-2x) - log(2)
        return ops.mean(ops.subtract(ops.add(x, ops.softplus(ops.multiply(x, -2.0))), 0.6931471805599453), axis=-1)


class CategoricalHinge(Metric):
    def __init__(self, name: str | None = "categorical_hinge", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def values(self, y_true: TensorLike, y_pred: TensorLike) -> Any:
        return _metric_functions.categorical_hinge(y_true, y_pred)


class CosineSimilarity(Metric):
    def __init__(self, name: str | None = "cosine_similarity", dtype: Any = None, axis: int = -1) -> None:
        if axis != -1:
            raise ValueError("CosineSimilarity: only axis=-1 is supported")
        super().__init__(name, dtype)

    def values(self, y_true: TensorLike, y_pred: TensorLike) -> Any:
        def l2_normalize(x):
            return ops.multiply(x, ops.rsqrt(ops.maximum(ops.sum(ops.square(x), axis=-1, keepdims=True), 1e-12)))

        return ops.sum(ops.multiply(l2_normalize(y_true), l2_normalize(y_pred)), axis=-1)


# -- confusion counts ----------------------------------------------------------------------
class _ConfusionMetric(Metric):
    """Counts over every element (Keras flattens predictions and labels), thresholded."""

    reduction = "sums"
    counts: tuple[str, ...] = ()  # which of tp, fp, tn, fn the result needs

    def __init__(
        self,
        thresholds: Any = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name, dtype)
        if top_k is not None or class_id is not None:
            raise ValueError(f"{type(self).__name__}: `top_k` and `class_id` are not supported")
        if isinstance(thresholds, (list, tuple)):
            if len(thresholds) != 1:
                raise ValueError(f"{type(self).__name__}: only a single threshold is supported")
            thresholds = thresholds[0]
        self.thresholds = 0.5 if thresholds is None else float(thresholds)

    def lower_sums(
        self,
        builder: GraphBuilder,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> Any:
        with builder.active():
            if y_true.dtype != y_pred.dtype:
                y_true = ops.cast(y_true, y_pred.dtype)
            predicted = ops.greater(y_pred, self.thresholds)
            actual = ops.not_equal(y_true, 0.0)
            weights = _merge(mask, sample_weight, y_pred)
            if weights is not None and weights.ndim + 1 == y_pred.ndim:
                weights = ops.expand_dims(weights, -1)

            def count(a, b):
                both = ops.multiply(a, b)
                return ops.sum(both if weights is None else ops.multiply(both, weights))

            table: dict[str, Callable[[], Any]] = {
                "tp": lambda: count(predicted, actual),
                "fp": lambda: count(predicted, ops.subtract(1.0, actual)),
                "tn": lambda: count(ops.subtract(1.0, predicted), ops.subtract(1.0, actual)),
                "fn": lambda: count(ops.subtract(1.0, predicted), actual),
            }
            return [table[c]() for c in self.counts]

    def result_from_sums(self, sums: Any) -> Any:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "thresholds": self.thresholds}


def _ratio(a, b):
    return a / b if b else 0.0


class Precision(_ConfusionMetric):
    counts = ("tp", "fp")

    def __init__(
        self,
        thresholds: Any = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(thresholds, top_k, class_id, name, dtype)

    def result_from_sums(self, sums: Any) -> Any:
        return _ratio(sums[0], sums[0] + sums[1])


class Recall(_ConfusionMetric):
    counts = ("tp", "fn")

    def __init__(
        self,
        thresholds: Any = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(thresholds, top_k, class_id, name, dtype)

    def result_from_sums(self, sums: Any) -> Any:
        return _ratio(sums[0], sums[0] + sums[1])


class _Count(_ConfusionMetric):
    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(thresholds, None, None, name, dtype)

    def result_from_sums(self, sums: Any) -> Any:
        return sums[0]


class TruePositives(_Count):
    counts = ("tp",)


class FalsePositives(_Count):
    counts = ("fp",)


class TrueNegatives(_Count):
    counts = ("tn",)


class FalseNegatives(_Count):
    counts = ("fn",)


# -- AUC --------------------------------------------------------------------------------------
def _no_nan(x, y):
    """Keras's divide_no_nan in float32: 0 where the denominator is 0."""
    x, y = np.asarray(x, np.float32), np.asarray(y, np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, np.float32(0), x / np.where(y == 0, np.float32(1), y)).astype(np.float32)


class AUC(Metric):
    """Keras 3's AUC (multi_label=False): true/false positive/negative weights at each of
    `num_thresholds` thresholds ((i+1)/(n-1) for i < n-2, padded with -epsilon and
    1+epsilon), accumulated over batches as sums; the area is taken from the totals. As in
    Keras, with evenly spaced thresholds a prediction (clipped to [0, 1]) counts as positive
    at threshold i when ceil(p * (n-1)) - 1 >= i (the bucketed update), else when p > t_i."""

    _sums: list[np.ndarray]  # tp, fp, tn, fn per threshold, accumulated by update_state

    reduction = "sums"

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype: Any = None,
        thresholds: Any = None,
        multi_label: bool = False,
        num_labels: Any = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ) -> None:
        curve = getattr(curve, "value", curve)
        summation_method = getattr(summation_method, "value", summation_method)
        if str(curve).upper() not in ("ROC", "PR", "PRGAIN"):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC", "PRGAIN"]')
        if str(summation_method).lower() not in ("interpolation", "minoring", "majoring"):
            raise ValueError(
                f'Invalid AUC summation method value: "{summation_method}". Expected values are '
                '["interpolation", "majoring", "minoring"]'
            )
        if multi_label or num_labels is not None or label_weights is not None:
            raise ValueError("AUC: `multi_label`, `num_labels` and `label_weights` are not supported")
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(float(t) for t in thresholds)
            self._evenly = _evenly_distributed(np.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    f"Argument `num_thresholds` must be an integer > 1. Received: num_thresholds={num_thresholds}"
                )
            self.num_thresholds = int(num_thresholds)
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        self._thresholds = np.array([0.0 - 1e-7] + thresholds + [1.0 + 1e-7])
        self.curve = str(curve).upper()
        self.summation_method = str(summation_method).lower()
        self.multi_label, self.num_labels, self.label_weights = False, None, None
        self._from_logits = bool(from_logits)
        super().__init__(name, dtype)
        self.reset_state()

    @property
    def thresholds(self) -> Any:
        return list(self._thresholds)

    # -- the batch counts (graph) ----------------------------------------------------------
    def lower_sums(
        self,
        builder: GraphBuilder,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> Any:
        """tp, fp, tn, fn per threshold (shape (num_thresholds,)) of the batch."""
        with builder.active():
            y_true, y_pred = _threshold_counts.align(y_true, y_pred)
            if self._from_logits:
                y_pred = ops.sigmoid(y_pred)
            weights = _threshold_counts.per_element(_merge(mask, sample_weight, y_pred), y_pred)
            return _threshold_counts.counts(
                builder, y_true, y_pred, weights, self.num_thresholds, self._evenly, self._thresholds, True
            )

    # -- the area from the accumulated counts ------------------------------------------------
    def result_from_sums(self, sums: Any) -> Any:
        tp, fp, tn, fn = (np.asarray(s, np.float32).reshape(-1) for s in sums)
        if tp.size != self.num_thresholds:  # nothing accumulated
            return 0.0
        if self.curve == "PR" and self.summation_method == "interpolation":
            return float(self._interpolate_pr_auc(tp, fp, fn))
        recall = _no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _no_nan(tp, tp + fp)
        else:  # PRGAIN
            scaling = _no_nan(tp + fn, tn + fp)
            recall_gain = np.float32(1) - scaling * _no_nan(fn, tp)
            precision_gain = np.float32(1) - scaling * _no_nan(fp, tp)
            recall_gain = np.maximum(np.where(tp == 0, np.float32(0), recall_gain), np.float32(0))
            precision_gain = np.where(tp == 0, np.float32(1), precision_gain)
            x, y = recall_gain.astype(np.float32), precision_gain.astype(np.float32)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / np.float32(2)
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return float(np.sum((x[:-1] - x[1:]) * heights, dtype=np.float32))

    @staticmethod
    def _interpolate_pr_auc(tp, fp, fn):
        """Davis & Goadrich interpolation, as Keras's AUC.interpolate_pr_auc."""
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _no_nan(dtp, np.maximum(dp, np.float32(0)))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where(
            (p[:-1] > 0) & (p[1:] > 0), _no_nan(p[:-1], np.maximum(p[1:], np.float32(0))), np.float32(1)
        ).astype(np.float32)
        increment = _no_nan(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], np.float32(0)))
        return np.sum(increment, dtype=np.float32)

    # -- eager use, as a Keras metric object ---------------------------------------------------
    def update_state(self, y_true: TensorLike, y_pred: TensorLike, sample_weight: Any = None) -> None:
        self._sums = _threshold_counts.eager_update(self, self._sums, y_true, y_pred, sample_weight)

    def result(self, mean: Any = None) -> Any:
        if mean is not None:
            return mean
        return np.float32(self.result_from_sums(self._sums))

    def reset_state(self) -> None:
        self._sums = [np.zeros(self.num_thresholds, np.float32) for _ in range(4)]

    @property
    def true_positives(self) -> Any:
        return self._sums[0]

    @property
    def false_positives(self) -> Any:
        return self._sums[1]

    @property
    def true_negatives(self) -> Any:
        return self._sums[2]

    @property
    def false_negatives(self) -> Any:
        return self._sums[3]

    def get_config(self) -> dict[str, Any]:
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": self.label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self.thresholds[1:-1]]
        return config


def _evenly_distributed(thresholds):
    """Keras's is_evenly_distributed_thresholds."""
    num = len(thresholds)
    if num < 3:
        return False
    even = np.arange(num, dtype=np.float32) / (num - 1)
    return bool(np.allclose(thresholds, even, atol=1e-7))


# -- functions and wrappers ------------------------------------------------------------------
class MeanMetricWrapper(Metric):
    """A function fn(y_true, y_pred) -> per-sample values, averaged like Keras's Mean."""

    def __init__(self, fn: Any, name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(name or getattr(fn, "__name__", "metric"), dtype)
        self.fn = fn
        self.fn_kwargs = kwargs

    def lower(
        self,
        builder: GraphBuilder,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> Any:
        with builder.active():
            values = builder.as_value(self.fn(y_true, y_pred, **self.fn_kwargs))
            return _weighted_mean(values, _merge(mask, sample_weight, values))


FunctionMetric = MeanMetricWrapper


def _function(cls: type[Metric], name: str, **fixed: Any) -> Callable[..., Any]:
    def fn(y_true: TensorLike, y_pred: TensorLike, **kwargs: Any) -> Any:
        return cls(**{**fixed, **kwargs}).values(y_true, y_pred)

    fn.__name__ = name
    return fn


mean_absolute_percentage_error = _function(MeanAbsolutePercentageError, "mean_absolute_percentage_error")
mean_squared_logarithmic_error = _function(MeanSquaredLogarithmicError, "mean_squared_logarithmic_error")
hinge = _function(Hinge, "hinge")
squared_hinge = _function(SquaredHinge, "squared_hinge")
kl_divergence = _function(KLDivergence, "kl_divergence")
poisson = _function(Poisson, "poisson")
mean_squared_error = losses_module.mean_squared_error
mean_absolute_error = losses_module.mean_absolute_error
mse, mae, mape, msle = (
    mean_squared_error,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
)


# F-scores, R2, the plain aggregators and the IoU family live in their own modules (they
# subclass Metric, so they are imported once it exists).
from ._correlation_metrics import (  # noqa: E402
    CLASSES as _CORRELATION_CLASSES,
    ConcordanceCorrelation as ConcordanceCorrelation,
    PearsonCorrelation as PearsonCorrelation,
    concordance_correlation as concordance_correlation,
    pearson_correlation as pearson_correlation,
)
from ._iou_metrics import (  # noqa: E402
    CLASSES as _IOU_CLASSES,
    BinaryIoU as BinaryIoU,
    IoU as IoU,
    MeanIoU as MeanIoU,
    OneHotIoU as OneHotIoU,
    OneHotMeanIoU as OneHotMeanIoU,
)
from ._score_metrics import (  # noqa: E402
    CLASSES as _SCORE_CLASSES,
    F1Score as F1Score,
    FBetaScore as FBetaScore,
    Mean as Mean,
    R2Score as R2Score,
    Sum as Sum,
)
from ._threshold_metrics import (  # noqa: E402
    CLASSES as _THRESHOLD_CLASSES,
    PrecisionAtRecall as PrecisionAtRecall,
    RecallAtPrecision as RecallAtPrecision,
    SensitivityAtSpecificity as SensitivityAtSpecificity,
    SpecificityAtSensitivity as SpecificityAtSensitivity,
)

_CLASSES: list[type[Metric]] = [
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    MeanSquaredError,
    RootMeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Hinge,
    SquaredHinge,
    KLDivergence,
    Poisson,
    LogCoshError,
    CategoricalHinge,
    CosineSimilarity,
    Precision,
    Recall,
    TruePositives,
    FalsePositives,
    TrueNegatives,
    FalseNegatives,
    AUC,
]
_CLASSES += _SCORE_CLASSES + _IOU_CLASSES + _THRESHOLD_CLASSES + _CORRELATION_CLASSES
# The public classes defined in helper modules present themselves as dagnet.metrics (where
# users, pickle and the Keras serializer's module lookup find them).
for _cls in [Metric, *_SCORE_CLASSES, *_IOU_CLASSES, *_THRESHOLD_CLASSES, *_CORRELATION_CLASSES]:
    _cls.__module__ = __name__
_BY_NAME = {cls.__name__: cls for cls in _CLASSES}
_BY_NAME.update({_snake(cls.__name__): cls for cls in _CLASSES})
_BY_NAME.update(
    {
        "mse": MeanSquaredError,
        "MSE": MeanSquaredError,
        "mae": MeanAbsoluteError,
        "MAE": MeanAbsoluteError,
        "mape": MeanAbsolutePercentageError,
        "MAPE": MeanAbsolutePercentageError,
        "msle": MeanSquaredLogarithmicError,
        "MSLE": MeanSquaredLogarithmicError,
        "bce": BinaryCrossentropy,
        "BCE": BinaryCrossentropy,
        "rmse": RootMeanSquaredError,
        "logcosh": LogCoshError,
        "kld": KLDivergence,
        "kullback_leibler_divergence": KLDivergence,
    }
)
_FUNCTIONS = {
    mean_squared_error: MeanSquaredError,
    mean_absolute_error: MeanAbsoluteError,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError,
    hinge: Hinge,
    squared_hinge: SquaredHinge,
    kl_divergence: KLDivergence,
    poisson: Poisson,
    pearson_correlation: PearsonCorrelation,
    concordance_correlation: ConcordanceCorrelation,
    # in compile() a function runs as its fused class, logged under the function's name
    binary_accuracy: BinaryAccuracy,
    categorical_accuracy: CategoricalAccuracy,
    sparse_categorical_accuracy: SparseCategoricalAccuracy,
    top_k_categorical_accuracy: TopKCategoricalAccuracy,
    sparse_top_k_categorical_accuracy: SparseTopKCategoricalAccuracy,
    binary_crossentropy: BinaryCrossentropy,
    categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    categorical_hinge: CategoricalHinge,
    log_cosh: LogCoshError,
}


def get(identifier: Any, y_true_shape: Any = None, y_pred_shape: Any = None) -> Metric:
    """A metric object named as Keras names it in logs: a string keeps its spelling
    ('acc', 'mse'); 'accuracy'/'acc' picks binary / sparse / categorical from the shapes."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            binary = y_pred_shape is not None and y_pred_shape[-1] == 1
            sparse = (
                y_true_shape is not None
                and y_pred_shape is not None
                and (len(y_true_shape) < len(y_pred_shape) or (y_true_shape[-1] == 1 and y_pred_shape[-1] != 1))
            )
            cls = BinaryAccuracy if binary else SparseCategoricalAccuracy if sparse else CategoricalAccuracy
            return cls(name=identifier)
        if identifier not in _BY_NAME:
            raise ValueError(f"Could not interpret metric identifier: {identifier}")
        return _BY_NAME[identifier](name=identifier)
    if isinstance(identifier, dict) and "class_name" in identifier:
        configured = _BY_NAME.get(identifier["class_name"])
        if configured is None:
            raise ValueError(f"Could not interpret metric identifier: {identifier}")
        return configured.from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if identifier in _FUNCTIONS:
        return _FUNCTIONS[identifier](name=identifier.__name__)
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(f"Could not interpret metric identifier: {identifier}")


def serialize(metric: Any) -> Any:
    """Keras's config dict of a metric (module, class_name, config, registered_name)."""
    return _public_serialization.serialize(metric, "keras.metrics")


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """A metric from serialize()'s dict, or the public metric class or function of that name."""
    public = {name: globals()[name] for name in __all__ if name not in ("serialize", "deserialize", "get")}
    return _public_serialization.deserialize(config, public, "metric", custom_objects)


# The public names: Keras 3's keras.metrics that dagnet has. Helpers, aliases (mse, ...) and
# imported names stay reachable as attributes but are not listed (dir() shows __all__).
__all__ = [
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "BinaryIoU",
    "CategoricalAccuracy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "ConcordanceCorrelation",
    "CosineSimilarity",
    "F1Score",
    "FBetaScore",
    "FalseNegatives",
    "FalsePositives",
    "Hinge",
    "IoU",
    "KLDivergence",
    "LogCoshError",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanIoU",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Metric",
    "OneHotIoU",
    "OneHotMeanIoU",
    "PearsonCorrelation",
    "Poisson",
    "Precision",
    "PrecisionAtRecall",
    "R2Score",
    "Recall",
    "RecallAtPrecision",
    "RootMeanSquaredError",
    "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy",
    "SpecificityAtSensitivity",
    "SquaredHinge",
    "Sum",
    "TopKCategoricalAccuracy",
    "TrueNegatives",
    "TruePositives",
    "binary_accuracy",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_accuracy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_hinge",
    "concordance_correlation",
    "deserialize",
    "get",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "pearson_correlation",
    "poisson",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy",
    "squared_hinge",
    "top_k_categorical_accuracy",
]


def __dir__() -> list[str]:
    return list(__all__)
