"""MonitorCallback: the base of callbacks that watch one logged quantity for improvement,
and how mode="auto" decides which way a metric improves."""

from __future__ import annotations

import operator
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .callback import Callback

# Built-in metric names and the way they improve, for mode="auto" when the model's metric
# objects do not say (Keras 3 asks the metric objects only, and raises otherwise).
_INCREASING_METRICS = frozenset(
    {
        "acc",
        "accuracy",
        "binary_accuracy",
        "categorical_accuracy",
        "sparse_categorical_accuracy",
        "top_k_categorical_accuracy",
        "sparse_top_k_categorical_accuracy",
        "auc",
        "precision",
        "recall",
        "f1_score",
        "fbeta_score",
        "r2_score",
        "cosine_similarity",
        "pearson_correlation",
        "concordance_correlation",
        "iou",
        "mean_iou",
        "binary_iou",
        "one_hot_iou",
        "one_hot_mean_iou",
        "precision_at_recall",
        "recall_at_precision",
        "sensitivity_at_specificity",
        "specificity_at_sensitivity",
    }
)
_DECREASING_METRICS = frozenset(
    {
        "loss",
        "mse",
        "mae",
        "mape",
        "msle",
        "mean_squared_error",
        "mean_absolute_error",
        "mean_absolute_percentage_error",
        "mean_squared_logarithmic_error",
        "root_mean_squared_error",
        "rmse",
        "binary_crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "hinge",
        "squared_hinge",
        "categorical_hinge",
        "logcosh",
        "log_cosh",
        "kl_divergence",
        "kld",
        "poisson",
        "huber",
        "binary_focal_crossentropy",
        "categorical_focal_crossentropy",
    }
)


def _model_metric_objects(model):
    """The model's metric objects, looking inside containers that hold a ``metrics`` list."""
    try:
        pending = list(getattr(model, "metrics", None) or ())
    except Exception:  # a model that cannot list metrics yet (not compiled/built)
        return []
    found = []
    while pending:
        metric = pending.pop(0)
        found.append(metric)
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, (list, tuple)):
            pending.extend(inner)
    return found


class MonitorCallback(Callback):
    """Base of callbacks that watch one logged quantity for improvement.

    Args:
        monitor: Name of the logged quantity.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (infer from the name: losses go down;
            otherwise ask the model's metric object of that name for its ``_direction``,
            then a table of Keras's built-in metric names; else raise ``ValueError``).
        baseline: Initial best value; ``None`` means the first value seen.
        min_delta: An improvement must beat the best by more than this.
    """

    def __init__(
        self, monitor: str = "val_loss", mode: str = "auto", baseline: float | None = None, min_delta: float = 0
    ) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{self.__class__.__name__} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op: Callable[[Any, Any], bool] | None = None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            self.monitor_op = self._infer_monitor_op()
        if self.monitor_op is operator.lt:
            # Improvements are measured as (value - min_delta) vs best, so flip the sign.
            self.min_delta *= -1

    def _infer_monitor_op(self):
        name = self.monitor.removeprefix("val_")
        op = operator.lt if name == "loss" else None
        for metric in _model_metric_objects(self.model):
            direction = getattr(metric, "_direction", None) or getattr(metric, "direction", None)
            if getattr(metric, "name", None) == name and direction in ("up", "down"):
                op = operator.gt if direction == "up" else operator.lt
        if op is None:
            if name in _INCREASING_METRICS:
                op = operator.gt
            elif name in _DECREASING_METRICS or name.endswith("_loss"):
                op = operator.lt  # "<output>_loss" of a multi-output model
        if op is None:
            raise ValueError(
                f"{self.__class__.__name__} callback received monitor={self.monitor}, but "
                "Keras isn't able to automatically determine whether that metric should be "
                "maximized or minimized. Pass `mode='max'` in order to monitor based on the "
                "highest metric value, or pass `mode='min'` in order to use the lowest "
                "value."
            )
        return op

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        assert self.monitor_op is not None, "_set_monitor_op() runs first"
        if np.ndim(monitor_value) or np.ndim(reference_value):
            # Keras 3 fails here too (an array's truth value is ambiguous); say which log
            raise ValueError(
                f"{type(self).__name__} monitors '{self.monitor}', which is a vector "
                f"(shape {np.shape(monitor_value)}: e.g. F1Score's one value per class), and can "
                "only compare scalars: monitor a scalar log, or compile an averaged form "
                "(e.g. F1Score(average='macro'))"
            )
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))
