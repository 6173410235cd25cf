"""Keras 3's focal crossentropies and overlap (Dice, Tversky) losses. They have no fused
native op: each is written with dagnet.ops, so the same function runs eagerly on arrays
and lowers into the training graph (through LossFunctionWrapper) with the exact formulas
of keras/src/losses/losses.py, epsilon clipping included."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from ._typing import TensorLike
from .losses import Loss, LossFunctionWrapper

_EPSILON = 1e-7  # keras.backend.epsilon()


def _floats(y_true: TensorLike, y_pred: TensorLike) -> tuple[Any, Any]:
    if isinstance(y_pred, (list, tuple, float, int)) or isinstance(y_pred, np.ndarray):
        y_pred = np.asarray(y_pred, dtype="float32" if np.asarray(y_pred).dtype != np.float64 else "float64")
    if isinstance(y_true, (list, tuple, float, int, np.ndarray)):
        return np.asarray(y_true, dtype=y_pred.dtype), y_pred
    return (y_true if y_true.dtype == y_pred.dtype else ops.cast(y_true, y_pred.dtype)), y_pred


def _check_axis(axis: Any) -> None:
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")


def binary_focal_crossentropy(
    y_true: TensorLike,
    y_pred: TensorLike,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """Per-sample focal BCE: mean over `axis` of (1 - p_t)**gamma * bce (times alpha-balancing)."""
    _check_axis(axis)
    y_true, y_pred = _floats(y_true, y_pred)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    # ops.binary_crossentropy(from_logits=False) clips the probabilities; the focal factor does not.
    clipped = ops.clip(y_pred, _EPSILON, 1.0 - _EPSILON)
    bce = ops.negative(
        ops.add(
            ops.multiply(y_true, ops.log(clipped)),
            ops.multiply(ops.subtract(1.0, y_true), ops.log(ops.subtract(1.0, clipped))),
        )
    )
    p_t = ops.add(ops.multiply(y_true, y_pred), ops.multiply(ops.subtract(1.0, y_true), ops.subtract(1.0, y_pred)))
    focal_bce = ops.multiply(ops.power(ops.subtract(1.0, p_t), gamma), bce)
    if apply_class_balancing:
        weight = ops.add(ops.multiply(y_true, alpha), ops.multiply(ops.subtract(1.0, y_true), 1.0 - alpha))
        focal_bce = ops.multiply(weight, focal_bce)
    return ops.mean(focal_bce, axis=axis)


def categorical_focal_crossentropy(
    y_true: TensorLike,
    y_pred: TensorLike,
    alpha: Any = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """Per-sample focal CCE: sum over `axis` of alpha * (1 - p)**gamma * -y log p."""
    _check_axis(axis)
    y_true, y_pred = _floats(y_true, y_pred)
    if label_smoothing:
        # the class count from y_pred: in the graph y_true's shape may be unknown
        classes = y_pred.shape[-1] or y_true.shape[-1]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / classes)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    output = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    output = ops.clip(output, _EPSILON, 1.0 - _EPSILON)
    cce = ops.multiply(ops.negative(y_true), ops.log(output))
    if isinstance(alpha, (list, tuple, np.ndarray)):
        alpha = np.asarray(alpha, dtype=np.asarray(0.0, dtype=str(y_pred.dtype)).dtype)
    weighting = ops.multiply(ops.power(ops.subtract(1.0, output), gamma), alpha)
    return ops.sum(ops.multiply(weighting, cce), axis=axis)


def dice(y_true: TensorLike, y_pred: TensorLike, axis: Any = None) -> Any:
    """1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps), summed over `axis`."""
    y_true, y_pred = _floats(y_true, y_pred)
    axis = tuple(axis) if isinstance(axis, list) else axis
    intersection = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    total = ops.add(ops.add(ops.sum(y_true, axis=axis), ops.sum(y_pred, axis=axis)), _EPSILON)
    return ops.subtract(1.0, ops.divide(ops.multiply(intersection, 2.0), total))


def tversky(y_true: TensorLike, y_pred: TensorLike, alpha: float = 0.5, beta: float = 0.5, axis: Any = None) -> Any:
    """1 - TP / (TP + alpha * FP + beta * FN + eps), with Keras 3's own FP/FN terms
    (fp = sum((1 - y_pred) * y_true), fn = sum(y_pred * (1 - y_true)))."""
    y_true, y_pred = _floats(y_true, y_pred)
    axis = tuple(axis) if isinstance(axis, list) else axis
    intersection = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    fp = ops.sum(ops.multiply(ops.subtract(1.0, y_pred), y_true), axis=axis)
    fn = ops.sum(ops.multiply(y_pred, ops.subtract(1.0, y_true)), axis=axis)
    denominator = ops.add(ops.add(ops.add(intersection, ops.multiply(fp, alpha)), ops.multiply(fn, beta)), _EPSILON)
    return ops.subtract(1.0, ops.divide(intersection, denominator))


_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def _same_rank(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keras's squeeze_or_expand_to_same_rank (expand_rank_1=True)."""
    if x.ndim == w.ndim + 1 and x.shape[-1] == 1:
        return (x, w[..., None]) if w.ndim == 1 else (x[..., 0], w)
    if w.ndim == x.ndim + 1 and w.shape[-1] == 1:
        return (x[..., None], w) if x.ndim == 1 else (x, w[..., 0])
    return x, w


class _FunctionLoss(LossFunctionWrapper):
    """A Keras loss class over one of the functions above; `_kwargs` are its options.
    Standalone calls take every Keras reduction; inside fit/evaluate the step's loss is
    the mean over the batch ("sum_over_batch_size" / "mean"), the one the loop reports."""

    _fn: Any = None
    default_name = ""

    def __init__(self, name: str | None, reduction: str | None, **kwargs: Any) -> None:
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"Invalid value for argument `reduction`. Expected one of {set(_REDUCTIONS)}. "
                f"Received: reduction={reduction}"
            )
        Loss.__init__(self, name=name or self.default_name)
        self.reduction = reduction  # type: ignore[assignment]
        self._kwargs = kwargs
        fn = type(self)._fn

        def call(y_true: TensorLike, y_pred: TensorLike) -> Any:
            return fn(y_true, y_pred, **self._kwargs)

        self.fn = call
        for key, value in kwargs.items():
            setattr(self, key, value)

    def __call__(self, y_true: TensorLike, y_pred: TensorLike, sample_weight: Any = None) -> Any:
        """Keras's Loss.__call__: per-sample values, times the weights, then the reduction."""
        y_pred = np.asarray(y_pred, dtype="float32")
        values = np.asarray(self.fn(np.asarray(y_true, dtype="float32"), y_pred), dtype="float32")
        weights = None
        if sample_weight is not None:
            values, weights = _same_rank(values, np.asarray(sample_weight, dtype="float32"))
            values = values * weights
        if self.reduction in (None, "none") or values.shape in ((), (0,)):
            return values
        loss = np.sum(values, dtype=np.float32)
        if self.reduction == "sum":
            return loss
        if self.reduction == "mean_with_sample_weight" and weights is not None:
            divisor = np.float32(np.sum(weights))
        else:
            divisor = np.float32(values.size)
        return np.float32(0.0) if divisor == 0 else np.float32(loss / divisor)

    def lower(
        self,
        builder: Any,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> Any:
        if self.reduction not in ("sum_over_batch_size", "mean"):
            raise ValueError(
                f"{type(self).__name__}: reduction={self.reduction!r} works in standalone calls; in "
                "compile()/fit() use the default 'sum_over_batch_size'"
            )
        return super().lower(builder, y_true, y_pred, mask, sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction, **self._config()}

    def _config(self) -> dict[str, Any]:
        return dict(self._kwargs)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        return cls(**config)


class BinaryFocalCrossentropy(_FunctionLoss):
    _fn = staticmethod(binary_focal_crossentropy)
    default_name = "binary_focal_crossentropy"

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "binary_focal_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            name,
            reduction,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )

    def _config(self) -> dict[str, Any]:
        keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha", "gamma")
        return {key: self._kwargs[key] for key in keys}


class CategoricalFocalCrossentropy(_FunctionLoss):
    _fn = staticmethod(categorical_focal_crossentropy)
    default_name = "categorical_focal_crossentropy"

    def __init__(
        self,
        alpha: Any = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "categorical_focal_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            name,
            reduction,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )

    def _config(self) -> dict[str, Any]:
        keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")
        return {key: self._kwargs[key] for key in keys}


class Dice(_FunctionLoss):
    _fn = staticmethod(dice)
    default_name = "dice"

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "dice",
        axis: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, axis=axis)


class Tversky(_FunctionLoss):
    _fn = staticmethod(tversky)
    default_name = "tversky"

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "tversky",
        axis: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, alpha=alpha, beta=beta, axis=axis)


CLASSES: dict[str, type[Loss]] = {
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "categorical_focal_crossentropy": CategoricalFocalCrossentropy,
    "dice": Dice,
    "tversky": Tversky,
}
FUNCTIONS: dict[Any, type[Loss]] = {
    binary_focal_crossentropy: BinaryFocalCrossentropy,
    categorical_focal_crossentropy: CategoricalFocalCrossentropy,
    dice: Dice,
    tversky: Tversky,
}
