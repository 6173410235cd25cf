"""Keras 3's SensitivitySpecificityBase family: PrecisionAtRecall, RecallAtPrecision,
SensitivityAtSpecificity and SpecificityAtSensitivity.

Their state is AUC's: tp, fp, tn, fn at `num_thresholds` thresholds (0, (i+1)/(n-1)..., 1,
without AUC's epsilon padding; one threshold means 0.5), summed over every batch of the
epoch (reduction "sums": the loop adds the batch counts, standalone update_state adds them
eagerly). result() takes, over the thresholds whose constrained rate is >= the target
value, the largest dependent rate (0 when none qualifies), exactly as Keras's
_find_max_under_constraint."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _threshold_counts, ops
from ._metric_base import Metric, _merge
from ._tracing import GraphBuilder
from ._typing import TensorLike


class SensitivitySpecificityBase(Metric):
    reduction = "sums"
    _sums: list[np.ndarray]
    _value_name = ""  # the constructor argument holding the target value

    def __init__(
        self,
        value: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        cls, arg = type(self).__name__, self._value_name
        number = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
        if not number or not 0 <= value <= 1:
            raise ValueError(f"{cls}: argument `{arg}` must be in the range [0, 1]. Received: {arg}={value!r}")
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, (int, np.integer)) or num_thresholds <= 0:
            raise ValueError(
                f"{cls}: argument `num_thresholds` must be an integer > 0. Received: num_thresholds={num_thresholds!r}"
            )
        if class_id is not None and (isinstance(class_id, bool) or not isinstance(class_id, (int, np.integer))):
            raise ValueError(f"{cls}: argument `class_id` must be an integer or None. Received: class_id={class_id!r}")
        super().__init__(name, dtype)
        self.value = value
        self.num_thresholds = int(num_thresholds)
        self.class_id = None if class_id is None else int(class_id)
        if self.num_thresholds == 1:
            self.thresholds = [0.5]
            self._evenly = False
        else:
            inner = [(i + 1) * 1.0 / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._evenly = True
        self.reset_state()

    # -- the batch counts (graph) ----------------------------------------------------------
    def lower_sums(
        self,
        builder: GraphBuilder,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> Any:
        with builder.active():
            y_true, y_pred = _threshold_counts.align(y_true, y_pred)
            weights = _threshold_counts.per_element(_merge(mask, sample_weight, y_pred), y_pred)
            if self.class_id is not None:
                y_true, y_pred, weights = (self._column(t, y_pred) for t in (y_true, y_pred, weights))
            return _threshold_counts.counts(
                builder, y_true, y_pred, weights, len(self.thresholds), self._evenly, np.array(self.thresholds), False
            )

    def _column(self, x: Any, y_pred: Any) -> Any:
        """x[..., class_id, None], the one class these counts cover."""
        if y_pred.ndim < 2:
            raise ValueError(
                f"{type(self).__name__}: when class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {tuple(y_pred.shape)}"
            )
        classes, class_id = int(y_pred.shape[-1]), int(self.class_id or 0)
        index = class_id + classes if class_id < 0 else class_id
        if not 0 <= index < classes:
            raise ValueError(
                f"{type(self).__name__}: class_id={self.class_id} is out of range for y_pred of shape "
                f"{tuple(y_pred.shape)} ({classes} classes)"
            )
        return ops.slice_by_index(x, (Ellipsis, slice(index, index + 1)))

    # -- the result from the accumulated counts --------------------------------------------
    def _rates(self, tp: np.ndarray, fp: np.ndarray, tn: np.ndarray, fn: np.ndarray) -> tuple[Any, Any]:
        """(constrained, dependent) rates per threshold."""
        raise NotImplementedError

    def result_from_sums(self, sums: Any) -> Any:
        tp, fp, tn, fn = (np.asarray(s, np.float32).reshape(-1) for s in sums)
        constrained, dependent = self._rates(tp, fp, tn, fn)
        feasible = constrained >= np.float32(self.value)
        return np.float32(np.max(np.where(feasible, dependent, np.float32(0)), initial=np.float32(0)))

    # -- eager use, as a Keras metric object -------------------------------------------------
    def update_state(self, y_true: TensorLike, y_pred: TensorLike, sample_weight: Any = None) -> None:
        self._sums = _threshold_counts.eager_update(self, self._sums, y_true, y_pred, sample_weight)

    def result(self, mean: Any = None) -> Any:
        if mean is not None:
            return mean
        return self.result_from_sums(self._sums)

    def reset_state(self) -> None:
        self._sums = [np.zeros(len(self.thresholds), np.float32) for _ in range(4)]

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
        return {
            **super().get_config(),
            "class_id": self.class_id,
            "num_thresholds": self.num_thresholds,
            self._value_name: self.value,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        return cls(**config)


def _sensitivity(tp, fp, tn, fn):
    return _threshold_counts.divide_no_nan(tp, tp + fn)


def _specificity(tp, fp, tn, fn):
    return _threshold_counts.divide_no_nan(tn, tn + fp)


def _precision(tp, fp, tn, fn):
    return _threshold_counts.divide_no_nan(tp, tp + fp)


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """The best sensitivity (tp / (tp + fn)) where specificity is >= `specificity`."""

    _value_name = "specificity"

    def __init__(
        self,
        specificity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(specificity, num_thresholds, class_id, name, dtype)
        self.specificity = specificity

    def _rates(self, tp, fp, tn, fn):
        return _specificity(tp, fp, tn, fn), _sensitivity(tp, fp, tn, fn)


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """The best specificity (tn / (tn + fp)) where sensitivity is >= `sensitivity`."""

    _value_name = "sensitivity"

    def __init__(
        self,
        sensitivity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)
        self.sensitivity = sensitivity

    def _rates(self, tp, fp, tn, fn):
        return _sensitivity(tp, fp, tn, fn), _specificity(tp, fp, tn, fn)


class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision where recall is >= `recall`."""

    _value_name = "recall"

    def __init__(
        self,
        recall: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(recall, num_thresholds, class_id, name, dtype)
        self.recall = recall

    def _rates(self, tp, fp, tn, fn):
        return _sensitivity(tp, fp, tn, fn), _precision(tp, fp, tn, fn)


class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall where precision is >= `precision`."""

    _value_name = "precision"

    def __init__(
        self,
        precision: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(precision, num_thresholds, class_id, name, dtype)
        self.precision = precision

    def _rates(self, tp, fp, tn, fn):
        return _precision(tp, fp, tn, fn), _sensitivity(tp, fp, tn, fn)


CLASSES: list[type[Metric]] = [PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity]
