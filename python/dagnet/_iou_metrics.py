"""Keras 3's IoU family (IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU): a weighted
confusion matrix accumulated over batches (a running sum lowered into the step, or eager
update_state), and Keras's result() from the totals.

Keras keeps the matrix in the metric's dtype, int64 unless given: labels, predictions and
sample weights are then truncated to integers before counting (float weights below 1
count 0), and we do the same. argmax over one-hot axes takes the first maximum, as Keras."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from ._metric_base import Metric, _merge
from ._score_metrics import _SumsMetric
from ._tracing import GraphBuilder
from ._typing import TensorLike

_EPSILON = np.float32(1e-7)


def _argmax(x: Any, axis: int, classes: int) -> Any:
    """The index of the first maximum along `axis` (last axis only), as a float tensor. In the
    training graph the targets' last dimension may be unknown: it is then `classes`."""
    if axis not in (-1, x.ndim - 1):
        raise ValueError(f"IoU metrics: only the last axis holds the classes here, got axis={axis}")
    n = x.shape[-1] or classes
    top = ops.greater_equal(x, ops.max(x, axis=-1, keepdims=True))
    return ops.min(ops.where(top, np.arange(n, dtype=np.float32), float(n)), axis=-1)


def _truncate(x: Any) -> Any:
    """Float -> integer conversion toward zero (Keras casts to its int dtype)."""
    return ops.multiply(ops.sign(x), ops.floor(ops.absolute(x)))


class IoU(_SumsMetric):
    def __init__(
        self,
        num_classes: int,
        target_class_ids: Any,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(name, dtype)
        self.dtype = dtype or "int64"
        self.num_classes = int(num_classes)
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def _integer(self) -> bool:
        return "int" in str(self.dtype)

    def _labels(self, y_true: Any, y_pred: Any) -> tuple[Any, Any]:
        if not self.sparse_y_true:
            y_true = _argmax(y_true, self.axis, self.num_classes)
        if not self.sparse_y_pred:
            y_pred = _argmax(y_pred, self.axis, self.num_classes)
        return y_true, y_pred

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
            weights = _merge(mask, sample_weight, y_pred)
            y_true, y_pred = self._labels(y_true, y_pred)
            if self._integer():
                y_true, y_pred = _truncate(y_true), _truncate(y_pred)
            ones = ops.add(ops.multiply(y_true, 0.0), 1.0)
            if weights is None:
                weights = ones
            else:
                if self._integer():
                    weights = _truncate(weights)
                while weights.ndim < ones.ndim:
                    weights = ops.expand_dims(weights, -1)
                weights = ops.multiply(weights, ones)
            y_true = ops.reshape(y_true, (-1, 1))
            y_pred = ops.reshape(y_pred, (-1, 1))
            weights = ops.reshape(weights, (-1, 1))
            n = float(self.num_classes)
            valid = ops.multiply(
                ops.multiply(
                    ops.cast(ops.greater_equal(y_true, 0.0), "float32"), ops.cast(ops.less(y_true, n), "float32")
                ),
                ops.multiply(
                    ops.cast(ops.greater_equal(y_pred, 0.0), "float32"), ops.cast(ops.less(y_pred, n), "float32")
                ),
            )
            if self.ignore_class is not None:
                valid = ops.multiply(valid, ops.cast(ops.not_equal(y_true, float(self.ignore_class)), "float32"))
            classes = np.arange(self.num_classes, dtype=np.float32).reshape(1, -1)
            true_hot = ops.multiply(ops.cast(ops.equal(y_true, classes), "float32"), ops.multiply(weights, valid))
            pred_hot = ops.cast(ops.equal(y_pred, classes), "float32")
            return [ops.matmul(ops.transpose(true_hot), pred_hot)]  # rows: true class, columns: predicted

    def update_state(self, y_true: TensorLike, y_pred: TensorLike, sample_weight: Any = None) -> None:
        y_true, y_pred = np.asarray(y_true, np.float32), np.asarray(y_pred, np.float32)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, np.float32)
            labels = y_true.shape if self.sparse_y_true else y_true.shape[:-1]
            if sample_weight.size == int(np.prod(labels)):
                sample_weight = sample_weight.reshape(labels)
            if not self.sparse_y_pred and sample_weight.ndim > y_pred.ndim - 1:
                raise ValueError(
                    f"{type(self).__name__}: sample_weight of shape {sample_weight.shape} does not match the "
                    f"labels of shape {labels}"
                )
        super().update_state(y_true, y_pred, sample_weight)

    @property
    def total_cm(self) -> np.ndarray:
        if self._sums is None:
            return np.zeros((self.num_classes, self.num_classes), np.float32)
        return self._sums[0]

    def result_from_sums(self, sums: Any) -> Any:
        cm = np.zeros((self.num_classes,) * 2, np.float32) if sums is None else np.asarray(sums[0], np.float32)
        sum_over_row = cm.sum(axis=0)
        sum_over_col = cm.sum(axis=1)
        true_positives = np.diag(cm)
        denominator = (sum_over_row + sum_over_col - true_positives)[self.target_class_ids]
        true_positives = true_positives[self.target_class_ids]
        valid = denominator > 1e-9
        iou = np.where(valid, true_positives / (denominator + _EPSILON), np.float32(0))
        return np.float32(np.sum(iou, dtype=np.float32) / (np.float32(valid.sum()) + _EPSILON))

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class BinaryIoU(IoU):
    """Predictions >= threshold are class 1, else class 0."""

    def __init__(
        self, target_class_ids: Any = (0, 1), threshold: float = 0.5, name: str | None = None, dtype: Any = None
    ) -> None:
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def _labels(self, y_true: Any, y_pred: Any) -> tuple[Any, Any]:
        return y_true, ops.cast(ops.greater_equal(y_pred, self.threshold), "float32")

    def get_config(self) -> dict[str, Any]:
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self.dtype,
        }


class MeanIoU(IoU):
    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ) -> None:
        super().__init__(
            num_classes, list(range(num_classes)), name, dtype, ignore_class, sparse_y_true, sparse_y_pred, axis
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    def __init__(
        self,
        num_classes: int,
        target_class_ids: Any,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(num_classes, target_class_ids, name, dtype, ignore_class, False, sparse_y_pred, axis)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(num_classes, name, dtype, ignore_class, False, sparse_y_pred, axis)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


CLASSES: list[type[Metric]] = [IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU]
