"""Metrics computed inside the native step, as batch means; the fit loop averages
them over an epoch weighted by batch size, which equals Keras's stateful means."""
from __future__ import annotations

from . import losses as losses_module
from . import ops


class Metric:
    def __init__(self, name=None):
        self.name = name or _snake(type(self).__name__)

    def lower(self, builder, y_true, y_pred, mask=None):
        raise NotImplementedError(f"{type(self).__name__} must implement lower()")


def _snake(name):
    from ._naming import to_snake_case

    return to_snake_case(name)


class _Accuracy(Metric):
    kind = "categorical"

    def __init__(self, name=None, threshold=0.5):
        super().__init__(name)
        self.threshold = threshold

    def lower(self, builder, y_true, y_pred, mask=None):
        inputs = [y_pred, y_true] + ([mask] if mask is not None else [])
        return builder.node("accuracy", inputs, {"kind": self.kind, "threshold": float(self.threshold)})[0]


class BinaryAccuracy(_Accuracy):
    kind = "binary"


class CategoricalAccuracy(_Accuracy):
    kind = "categorical"


class SparseCategoricalAccuracy(_Accuracy):
    kind = "sparse_categorical"


class _LossMetric(Metric):
    loss_class = None

    def lower(self, builder, y_true, y_pred, mask=None):
        return self.loss_class().lower(builder, y_true, y_pred, mask)


class MeanSquaredError(_LossMetric):
    loss_class = losses_module.MeanSquaredError


class MeanAbsoluteError(_LossMetric):
    loss_class = losses_module.MeanAbsoluteError


class FunctionMetric(Metric):
    def __init__(self, fn, name=None):
        super().__init__(name or getattr(fn, "__name__", "metric"))
        self.fn = fn

    def lower(self, builder, y_true, y_pred, mask=None):
        return losses_module.LossFunctionWrapper(self.fn).lower(builder, y_true, y_pred, mask)


def get(identifier, y_true_shape, y_pred_shape) -> Metric:
    """A metric object; 'accuracy' picks binary / sparse / categorical from the shapes, as Keras does."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        name = identifier
        if identifier in ("accuracy", "acc"):
            binary = y_pred_shape[-1] == 1
            sparse = len(y_true_shape) < len(y_pred_shape) or (y_true_shape[-1] == 1 and y_pred_shape[-1] != 1)
            cls = BinaryAccuracy if binary else SparseCategoricalAccuracy if sparse else CategoricalAccuracy
            return cls(name=name)
        table = {"binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
                 "sparse_categorical_accuracy": SparseCategoricalAccuracy, "mse": MeanSquaredError,
                 "mean_squared_error": MeanSquaredError, "mae": MeanAbsoluteError,
                 "mean_absolute_error": MeanAbsoluteError}
        if identifier not in table:
            raise ValueError(f"Could not interpret metric identifier: {identifier}")
        return table[identifier](name=name)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return FunctionMetric(identifier)
    raise ValueError(f"Could not interpret metric identifier: {identifier}")
