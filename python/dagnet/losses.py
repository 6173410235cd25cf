"""Losses with Keras names and semantics. Each lowers to one fused native op that
returns the batch's mean loss ("sum over batch size"); a callable written with
dagnet.ops works too (its per-sample values are averaged)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import _public_serialization, ops
from ._circle_gce_losses import categorical_generalized_cross_entropy, circle
from ._ctc_loss import ctc
from ._focal_dice_losses import binary_focal_crossentropy, categorical_focal_crossentropy, dice, tversky
from ._naming import to_snake_case
from ._tracing import GraphBuilder, GraphTensor
from ._typing import TensorLike
from .ops._dispatch import _run_eagerly


class Loss:
    """Base class; subclasses name the native op (and its from-logits variant)."""

    op_name = ""
    logits_op_name = ""

    def __init__(
        self,
        from_logits: bool = False,
        name: str | None = None,
        reduction: str | None = "sum_over_batch_size",
        **kwargs: Any,
    ) -> None:
        self.from_logits = bool(from_logits)
        self.name = name or _snake(type(self).__name__)
        if reduction not in ("sum_over_batch_size", "auto", None):
            raise ValueError(f"{type(self).__name__}: reduction '{reduction}' is not supported")
        self.reduction = "sum_over_batch_size"
        self.label_smoothing = float(kwargs.pop("label_smoothing", 0.0) or 0.0)
        if self.label_smoothing and not isinstance(self, (BinaryCrossentropy, CategoricalCrossentropy)):
            raise ValueError(f"{type(self).__name__} does not take `label_smoothing`")
        if kwargs.get("axis", -1) != -1:
            raise ValueError(f"{type(self).__name__}: only axis=-1 is supported, got axis={kwargs['axis']}")
        kwargs.pop("axis", None)
        kwargs.pop("dtype", None)
        for option in ("ignore_class",):
            if kwargs.get(option) is not None:
                raise ValueError(f"{type(self).__name__}: `{option}` is not supported")
            kwargs.pop(option, None)
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected keyword arguments: {sorted(kwargs)}")
        self.options: dict[str, Any] = {}

    def lower(
        self,
        builder: GraphBuilder,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> GraphTensor:
        """The batch loss; with a mask (y_pred.shape[:-1]) the mean covers valid positions only.
        Sample weights (y_pred.shape[:-1]) multiply the per-sample losses; the divisor stays the
        number of (valid) positions, as Keras's "sum_over_batch_size" reduction does."""
        name = self.logits_op_name if self.from_logits else self.op_name
        if not name:
            raise ValueError(f"{type(self).__name__} does not support from_logits=True")
        if y_true.dtype != y_pred.dtype and not self._integer_labels():
            y_true = ops.cast(y_true, y_pred.dtype)
        if self.label_smoothing:
            # Keras: y * (1 - s) + s / classes (categorical) or + s / 2 (binary)
            share = 0.5 if isinstance(self, BinaryCrossentropy) else 1.0 / y_pred.shape[-1]
            y_true = ops.add(ops.multiply(y_true, 1.0 - self.label_smoothing), self.label_smoothing * share)
        inputs = [y_pred, y_true] + ([_as_mask(mask, y_pred)] if mask is not None else [])
        if sample_weight is None:
            return builder.node(name, inputs, dict(self.options))[0]
        inputs.append(_as_mask(sample_weight, y_pred))
        return builder.node(name, inputs, {**self.options, "weighted": 1})[0]

    def _integer_labels(self) -> bool:
        return False

    def __call__(self, y_true: TensorLike, y_pred: TensorLike, sample_weight: Any = None) -> Any:
        y_pred = np.asarray(y_pred, dtype="float32")
        y_true = np.asarray(y_true)
        if sample_weight is not None:
            sample_weight = rows_weights(sample_weight, y_pred.shape[:-1], y_pred.dtype)

        def lower(b):
            target = b.constant(y_true if self._integer_labels() else y_true.astype(y_pred.dtype))
            weights = None if sample_weight is None else b.constant(sample_weight)
            return self.lower(b, target, b.constant(y_pred), sample_weight=weights)

        return _run_eagerly(lower, (), {})

    def get_config(self) -> dict[str, Any]:
        # Keras 3's keys per class: the crossentropies carry from_logits (and label_smoothing
        # and axis, or ignore_class); mse / mae only name and reduction.
        config: dict[str, Any] = {"name": self.name, "reduction": self.reduction}
        if isinstance(self, (BinaryCrossentropy, CategoricalCrossentropy)):
            config.update(from_logits=self.from_logits, label_smoothing=self.label_smoothing, axis=-1)
        elif isinstance(self, SparseCategoricalCrossentropy):
            config.update(from_logits=self.from_logits, ignore_class=None)
        elif self.from_logits:
            config["from_logits"] = True
        return config


def rows_weights(sample_weight: Any, rows_shape: Any, dtype: Any = "float32") -> Any:
    """Sample weights as one value per loss position (y_pred.shape[:-1]): a trailing axis of
    size 1 is dropped, and per-sample weights broadcast over the remaining positions."""
    rows_shape = tuple(rows_shape)
    w = np.asarray(sample_weight, dtype=dtype)
    if w.ndim == len(rows_shape) + 1 and w.shape[-1] == 1:
        w = w[..., 0]
    if w.ndim < len(rows_shape):
        w = w.reshape(w.shape + (1,) * (len(rows_shape) - w.ndim))
    try:
        return np.ascontiguousarray(np.broadcast_to(w, rows_shape))
    except ValueError:
        raise ValueError(
            f"sample_weight of shape {np.shape(sample_weight)} does not match the per-sample losses "
            f"of shape {rows_shape}"
        ) from None


def _as_mask(mask, like):
    return mask if mask.dtype == like.dtype else ops.cast(mask, like.dtype)


def _snake(name: str) -> str:
    return to_snake_case(name)


class MeanSquaredError(Loss):
    op_name = "mse"


class MeanAbsoluteError(Loss):
    op_name = "mae"


class BinaryCrossentropy(Loss):
    op_name, logits_op_name = "binary_crossentropy", "binary_crossentropy_logits"


class CategoricalCrossentropy(Loss):
    op_name, logits_op_name = "categorical_crossentropy", "categorical_crossentropy_logits"


class SparseCategoricalCrossentropy(Loss):
    op_name, logits_op_name = "sparse_categorical_crossentropy", "sparse_categorical_crossentropy_logits"

    def _integer_labels(self) -> bool:
        return True


class _NamedLoss(Loss):
    """A native loss without from_logits, with Keras's default name."""

    default_name = ""

    def __init__(
        self, reduction: str | None = "sum_over_batch_size", name: str | None = None, dtype: Any = None
    ) -> None:
        super().__init__(name=name or self.default_name, reduction=reduction)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}


class Huber(_NamedLoss):
    op_name, default_name = "huber", "huber_loss"

    def __init__(
        self,
        delta: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "huber_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(reduction, name)
        self.delta = float(delta)
        self.options = {"delta": self.delta}

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "delta": self.delta}


class LogCosh(_NamedLoss):
    op_name, default_name = "log_cosh", "log_cosh"


class Hinge(_NamedLoss):
    """max(1 - y_true * y_pred, 0); labels that are all 0/1 become -1/+1, as in Keras."""

    op_name, default_name = "hinge", "hinge"


class SquaredHinge(_NamedLoss):
    op_name, default_name = "squared_hinge", "squared_hinge"


class CategoricalHinge(_NamedLoss):
    op_name, default_name = "categorical_hinge", "categorical_hinge"


class KLDivergence(_NamedLoss):
    op_name, default_name = "kl_divergence", "kl_divergence"


class Poisson(_NamedLoss):
    op_name, default_name = "poisson", "poisson"


class MeanSquaredLogarithmicError(_NamedLoss):
    op_name, default_name = "mean_squared_logarithmic_error", "mean_squared_logarithmic_error"


class MeanAbsolutePercentageError(_NamedLoss):
    op_name, default_name = "mean_absolute_percentage_error", "mean_absolute_percentage_error"


class CosineSimilarity(_NamedLoss):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred)) over the last axis (axis=-1 only)."""

    op_name, default_name = "cosine_similarity", "cosine_similarity"

    def __init__(
        self,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "cosine_similarity",
        dtype: Any = None,
    ) -> None:
        if axis not in (-1,):
            raise ValueError(f"CosineSimilarity: only axis=-1 is supported, got axis={axis}")
        super().__init__(reduction, name)
        self.axis = axis

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


class LossFunctionWrapper(Loss):
    """A user callable fn(y_true, y_pred) written with dagnet.ops; per-sample values are averaged."""

    def __init__(self, fn: Any, name: str | None = None) -> None:
        super().__init__(name=name or getattr(fn, "__name__", "custom_loss"))
        self.fn = fn

    def lower(
        self,
        builder: GraphBuilder,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> Any:
        with builder.active():
            values = builder.as_value(self.fn(y_true, y_pred))
            if values.ndim == 0 and sample_weight is None:
                return values
            if sample_weight is not None:
                weights = _as_mask(sample_weight, values)
                if values.ndim == 0 or (values.ndim == weights.ndim + 1 and values.shape[-1] == 1):
                    values = ops.multiply(values, ops.expand_dims(weights, -1) if values.ndim else weights)
                else:
                    values = ops.multiply(values, weights)
            if mask is not None and tuple(values.shape) == tuple(mask.shape):
                valid = _as_mask(mask, values)
                return ops.divide(ops.sum(ops.multiply(values, valid)), ops.maximum(ops.sum(valid), 1e-7))
            return ops.mean(values)


def mean_squared_error(y_true: TensorLike, y_pred: TensorLike) -> Any:
    return ops.mean(ops.square(ops.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_error(y_true: TensorLike, y_pred: TensorLike) -> Any:
    return ops.mean(ops.absolute(ops.subtract(y_pred, y_true)), axis=-1)


mse, mae = mean_squared_error, mean_absolute_error


def _per_sample(cls: type[_NamedLoss], **options: Any) -> Callable[[TensorLike, TensorLike], np.ndarray]:
    """A Keras loss function on arrays: the per-sample values (mean over the last axis)."""

    def fn(y_true: TensorLike, y_pred: TensorLike) -> np.ndarray:
        y_pred = np.asarray(y_pred, dtype="float32")
        y_true = np.broadcast_to(np.asarray(y_true, dtype="float32"), y_pred.shape)
        loss = cls(**options)
        rows = y_pred.reshape(-1, y_pred.shape[-1]) if y_pred.ndim else y_pred.reshape(1, 1)
        targets = y_true.reshape(rows.shape)
        if cls in (Hinge, SquaredHinge) and np.all((targets == 0) | (targets == 1)):
            targets = 2 * targets - 1  # converted over the whole batch, as Keras does
        values = [float(loss(targets[i : i + 1], rows[i : i + 1])) for i in range(rows.shape[0])]
        return np.asarray(values, dtype="float32").reshape(y_pred.shape[:-1])

    fn.__name__ = cls.default_name
    return fn


huber = _per_sample(Huber)
log_cosh = _per_sample(LogCosh)
hinge = _per_sample(Hinge)
squared_hinge = _per_sample(SquaredHinge)
categorical_hinge = _per_sample(CategoricalHinge)
kl_divergence = _per_sample(KLDivergence)
poisson = _per_sample(Poisson)
cosine_similarity = _per_sample(CosineSimilarity)
mean_squared_logarithmic_error = _per_sample(MeanSquaredLogarithmicError)
mean_absolute_percentage_error = _per_sample(MeanAbsolutePercentageError)
kld = KLD = kl_divergence
# the crossentropy functions (also keras.metrics's): composed from dagnet.ops
from ._metric_functions import (  # noqa: E402
    binary_crossentropy as binary_crossentropy,
    categorical_crossentropy as categorical_crossentropy,
    sparse_categorical_crossentropy as sparse_categorical_crossentropy,
)

msle = MSLE = mean_squared_logarithmic_error
mape = MAPE = mean_absolute_percentage_error
logcosh = log_cosh

_BY_NAME = {
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
    "MeanSquaredError": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "mean_absolute_error": MeanAbsoluteError,
    "MeanAbsoluteError": MeanAbsoluteError,
    "binary_crossentropy": BinaryCrossentropy,
    "BinaryCrossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "CategoricalCrossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "SparseCategoricalCrossentropy": SparseCategoricalCrossentropy,
}
_NEW: dict[str, type[Loss]] = {
    "huber": Huber,
    "log_cosh": LogCosh,
    "logcosh": LogCosh,
    "hinge": Hinge,
    "squared_hinge": SquaredHinge,
    "categorical_hinge": CategoricalHinge,
    "kl_divergence": KLDivergence,
    "kld": KLDivergence,
    "KLD": KLDivergence,
    "poisson": Poisson,
    "cosine_similarity": CosineSimilarity,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError,
    "MSLE": MeanSquaredLogarithmicError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError,
    "MAPE": MeanAbsolutePercentageError,
    "MSE": MeanSquaredError,
    "MAE": MeanAbsoluteError,
}
_BY_NAME.update(_NEW)
_BY_NAME.update({cls.__name__: cls for cls in set(_NEW.values())})
_FUNCTIONS = {
    binary_crossentropy: BinaryCrossentropy,
    categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    mean_squared_error: MeanSquaredError,
    mean_absolute_error: MeanAbsoluteError,
    huber: Huber,
    log_cosh: LogCosh,
    hinge: Hinge,
    squared_hinge: SquaredHinge,
    categorical_hinge: CategoricalHinge,
    kl_divergence: KLDivergence,
    poisson: Poisson,
    cosine_similarity: CosineSimilarity,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
}


def get(identifier: Any) -> Loss | None:
    if identifier is None:
        return None
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"Could not interpret loss identifier: {identifier}")
        loss = _BY_NAME[identifier]()
        loss.name = identifier if identifier.islower() and identifier not in _NEW else loss.name
        return loss
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if identifier in _FUNCTIONS:
        return _FUNCTIONS[identifier]()
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise ValueError(f"Could not interpret loss identifier: {identifier}")


# -- composed (dagnet.ops) losses: the functions live in _focal_dice_losses ----------------
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
    static_target_width = False  # True: the graph's target input keeps its last axis (ctc unrolls over it)

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
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype="float32")
        mask = self._values_mask(values)
        if mask is not None:
            # Keras's apply_mask: the mean reductions divide by the valid count instead
            if self.reduction in ("mean", "sum_over_batch_size"):
                valid = np.float32(np.sum(mask))
                scale = np.float32(0.0) if valid == 0 else np.float32(mask.size) / valid
                mask = np.where(mask > 0, scale, np.float32(0.0)).astype("float32")
            if weights is None:
                weights = mask
            else:
                mask, weights = _same_rank(mask, weights)
                weights = weights * mask
        if weights is not None:
            values, weights = _same_rank(values, weights)
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

    def target_shape(self, output_shape: tuple) -> tuple:
        """The shape fit expects of this loss's targets (batch axis included), from y_pred's."""
        return output_shape

    def _values_mask(self, values: np.ndarray) -> np.ndarray | None:
        """The mask a Keras loss function attaches to its values (None: no mask)."""
        return None

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


def _number(cls: str, name: str, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{cls}: `{name}` must be a number. Received: {name}={value!r}")
    return value


class CategoricalGeneralizedCrossEntropy(_FunctionLoss):
    """Generalized cross entropy (Zhang & Sabuncu 2018), (1 - p**q) / q, for integer labels."""

    _fn = staticmethod(categorical_generalized_cross_entropy)
    default_name = "categorical_generalized_cross_entropy"

    def __init__(
        self,
        q: float = 0.5,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "categorical_generalized_cross_entropy",
        dtype: Any = None,
    ) -> None:
        _number("CategoricalGeneralizedCrossEntropy", "q", q)
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: q must be in the interval (0, 1). Received: q={q!r}")
        super().__init__(name, reduction, q=q)

    def target_shape(self, output_shape: tuple) -> tuple:
        return output_shape[:-1]  # one integer label per row


class Circle(_FunctionLoss):
    """Keras 3's circle loss on L2-normalized embeddings (y_pred) and integer labels (y_true).
    As in Keras the per-row values carry the mask `loss > 0`: a row without a positive or
    negative pair (loss 0) is left out of the mean."""

    _fn = staticmethod(circle)
    default_name = "circle"

    def __init__(
        self,
        gamma: float = 80.0,
        margin: float = 0.4,
        remove_diagonal: bool = True,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "circle",
        dtype: Any = None,
    ) -> None:
        _number("Circle", "gamma", gamma)
        _number("Circle", "margin", margin)
        if not isinstance(remove_diagonal, (bool, np.bool_)):
            raise ValueError(f"Circle: `remove_diagonal` must be a bool. Received: remove_diagonal={remove_diagonal!r}")
        super().__init__(name, reduction, gamma=gamma, margin=margin, remove_diagonal=bool(remove_diagonal))

    def target_shape(self, output_shape: tuple) -> tuple:
        return output_shape[:-1]  # one integer label per embedding

    def _values_mask(self, values: np.ndarray) -> np.ndarray | None:
        return (values > 0).astype("float32")

    def lower(
        self,
        builder: Any,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> Any:
        """sum(loss * weights over rows with loss > 0) / the number of such rows (0 if none):
        Keras's "sum_over_batch_size" with the values' mask."""
        if self.reduction not in ("sum_over_batch_size", "mean"):
            super().lower(builder, y_true, y_pred, mask, sample_weight)  # raises the reduction error
        with builder.active():
            values = builder.as_value(self.fn(y_true, y_pred))
            valid = ops.cast(ops.greater(values, 0.0), values.dtype)
            if mask is not None:
                valid = ops.multiply(valid, _as_mask(mask, values))
            weighted = ops.multiply(values, valid)
            if sample_weight is not None:
                weighted = ops.multiply(weighted, _as_mask(sample_weight, values))
            count = ops.sum(valid)
            total = ops.sum(weighted)
            return ops.where(ops.greater(count, 0.0), ops.divide(total, ops.maximum(count, 1.0)), 0.0)


class CTC(_FunctionLoss):
    """Connectionist temporal classification: y_true (batch, max_length) integer labels padded
    with the blank 0, y_pred (batch, time, classes) logits (see _ctc_loss)."""

    _fn = staticmethod(ctc)
    default_name = "ctc"
    static_target_width = True

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = "ctc", dtype: Any = None):
        super().__init__(name, reduction)

    def target_shape(self, output_shape: tuple) -> tuple:
        return (None, None)  # label sequences of any padded length

    def lower(
        self,
        builder: Any,
        y_true: TensorLike,
        y_pred: TensorLike,
        mask: TensorLike | None = None,
        sample_weight: Any = None,
    ) -> Any:
        if mask is not None:
            raise ValueError(
                "CTC: y_pred carries a mask (a Masking or mask_zero layer); Keras's ctc loss cannot use it"
            )
        if sample_weight is not None and sample_weight.ndim == 2:
            # fit broadcasts per-sample weights over the label axis; the loss has one value per sample
            sample_weight = ops.slice_by_index(sample_weight, (slice(None), 0))
        return super().lower(builder, y_true, y_pred, None, sample_weight)


_COMPOSED: dict[str, type[Loss]] = {
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "categorical_focal_crossentropy": CategoricalFocalCrossentropy,
    "dice": Dice,
    "tversky": Tversky,
    "circle": Circle,
    "ctc": CTC,
}
_COMPOSED_FUNCTIONS: dict[Any, type[Loss]] = {
    binary_focal_crossentropy: BinaryFocalCrossentropy,
    categorical_focal_crossentropy: CategoricalFocalCrossentropy,
    dice: Dice,
    tversky: Tversky,
    circle: Circle,
    ctc: CTC,
}

_NEW.update(_COMPOSED)
_BY_NAME.update(_COMPOSED)
_BY_NAME.update({cls.__name__: cls for cls in _COMPOSED.values()})
# the class name only: as in Keras, the function's name is no loss (it needs q)
_CLASS_ONLY: dict[str, type[Loss]] = {"CategoricalGeneralizedCrossEntropy": CategoricalGeneralizedCrossEntropy}
_BY_NAME.update(_CLASS_ONLY)
_FUNCTIONS.update(_COMPOSED_FUNCTIONS)


def serialize(loss: Any) -> Any:
    """Keras's config dict of a loss (module, class_name, config, registered_name)."""
    return _public_serialization.serialize(loss, "keras.losses")


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """A loss from serialize()'s dict, or the public loss class or function of that name."""
    public = {name: globals()[name] for name in __all__ if name not in ("serialize", "deserialize", "get")}
    return _public_serialization.deserialize(config, public, "loss", custom_objects)


# The public names: Keras 3's keras.losses that dagnet has. Helpers, aliases (mse, ...) and
# imported names stay reachable as attributes but are not listed (dir() shows __all__).
__all__ = [
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CTC",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy",
    "CategoricalHinge",
    "Circle",
    "CosineSimilarity",
    "Dice",
    "Hinge",
    "Huber",
    "KLDivergence",
    "LogCosh",
    "Loss",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "Tversky",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "circle",
    "cosine_similarity",
    "ctc",
    "deserialize",
    "dice",
    "get",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "serialize",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "tversky",
]


def __dir__() -> list[str]:
    return list(__all__)
