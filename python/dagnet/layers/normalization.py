"""Per-example normalizations of Keras 3: LayerNormalization, GroupNormalization,
UnitNormalization, RMSNormalization. Each lowers to one fused native op per direction;
they behave the same in training and inference and pass masks through."""

from __future__ import annotations

import warnings
from typing import Any

from .. import constraints, initializers, ops, regularizers
from .._typing import TensorLike
from ..ops.normalization import normalize_nodes
from ..variables import Variable
from .batch_normalization import normalized_axes
from .input_spec import InputSpec
from .layer import Layer


def _axis_argument(axis: Any, message: str) -> Any:
    if isinstance(axis, (list, tuple)):
        return list(axis)
    if isinstance(axis, int):
        return axis
    raise TypeError(message)


class _AffineNormalization(Layer):
    """What LayerNormalization and GroupNormalization share: center/scale with their
    initializers, regularizers and constraints, and the weights gamma/beta."""

    axis: Any

    def __init__(
        self,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.gamma: Variable | None = None
        self.beta: Variable | None = None

    def _add_affine(self, shape: tuple, with_gamma: bool, with_beta: bool) -> None:
        if with_gamma:
            self.gamma = self.add_weight(
                name="gamma",
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                trainable=True,
            )
        if with_beta:
            self.beta = self.add_weight(
                name="beta",
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                trainable=True,
            )

    def _params(self, builder: Any) -> tuple[Any, Any]:
        gamma = builder.param(self.gamma) if self.gamma is not None else None
        beta = builder.param(self.beta) if self.beta is not None else None
        return gamma, beta

    def _affine_config(self) -> dict[str, Any]:
        return {
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }

    def compute_output_shape(self, input_shape: Any) -> Any:
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if a >= len(input_shape) or a < -len(input_shape):
                raise ValueError(
                    f"Axis {a} is out of bounds for input shape {tuple(input_shape)}. Received: axis={self.axis}"
                )
        return input_shape


class LayerNormalization(_AffineNormalization):
    """Normalizes each example over `axis` (an int or a list), then scales by gamma and
    shifts by beta spanning those axes. `rms_scaling=True` is Keras's deprecated variant
    (scales by the variance without centring; gamma only)."""

    def __init__(self, axis: Any = -1, epsilon: float = 1e-3, **kwargs: Any) -> None:
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            warnings.warn(
                "You passed `rms_scaling=True`, which is deprecated. This argument incorrectly scales the input "
                "by the variance, not the root mean square. To correctly use RMS Normalization, please use "
                "`keras.layers.RMSNormalization` instead.",
                stacklevel=2,
            )
        super().__init__(**kwargs)
        self.axis = _axis_argument(
            axis, f"Expected an int or a list/tuple of ints for the argument 'axis', but received: {axis!r}"
        )
        self.epsilon = epsilon
        self.rms_scaling = rms_scaling

    def build(self, input_shape: Any) -> None:
        axes = normalized_axes(self, self.axis, input_shape)
        # Keras keeps the axes as given (sorted), as a list from here on.
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        shape = tuple(input_shape[a] for a in axes)
        self._add_affine(shape, self.scale or self.rms_scaling, self.center and not self.rms_scaling)

    def call(self, inputs: TensorLike) -> Any:
        b = inputs.builder
        axes = normalized_axes(self, self.axis, inputs.shape)
        gamma, beta = self._params(b)
        y, _, _ = normalize_nodes(
            b,
            inputs,
            axes,
            param_axes=axes,
            gamma=gamma,
            beta=beta,
            mode="rms_scaling" if self.rms_scaling else "moments",
            epsilon=self.epsilon,
        )
        return y

    def get_config(self) -> dict[str, Any]:
        config = {"axis": self.axis, "epsilon": self.epsilon, **self._affine_config()}
        config["rms_scaling"] = self.rms_scaling
        order = ["axis", "epsilon", "center", "scale", "rms_scaling"]  # Keras's key order
        return {
            **super().get_config(),
            **{k: config[k] for k in order},
            **{k: v for k, v in config.items() if k not in order},
        }


class GroupNormalization(_AffineNormalization):
    """Splits the channels (`axis`) into `groups` and normalizes each example's group over
    the channels of the group and every other non-batch axis; groups=-1 is instance
    normalization. gamma/beta have one value per channel."""

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3, **kwargs: Any) -> None:
        if not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError(
                "Received an invalid value for argument `groups`, expected a positive integer (or `-1` for "
                f"instance normalization). Received: groups={groups}"
            )
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon

    def build(self, input_shape: Any) -> None:
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(
                f"Axis {self.axis} of input tensor should have a defined dimension but the layer received an "
                f"input with shape {tuple(input_shape)}."
            )
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number of channels ({dim}).")
        if dim % self.groups != 0:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the number of channels ({dim}).")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        self._add_affine((dim,), self.scale, self.center)

    def call(self, inputs: TensorLike) -> Any:
        b = inputs.builder
        channel = self.axis % inputs.ndim
        gamma, beta = self._params(b)
        y, _, _ = normalize_nodes(
            b,
            inputs,
            [a for a in range(1, inputs.ndim) if a != channel],
            param_axes=[channel],
            gamma=gamma,
            beta=beta,
            epsilon=self.epsilon,
            groups=self.groups,
            group_axis=channel,
        )
        return y

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            **self._affine_config(),
        }


class UnitNormalization(Layer):
    """Scales each example to unit L2 norm over `axis` (x * min(rsqrt(sum x^2), 1e12))."""

    _keras_built_at_init = True  # no build_config in its serialization, as in Keras 3

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = _axis_argument(
            axis,
            f"Invalid value for `axis` argument: expected an int or a list/tuple of ints. Received: axis={axis}",
        )
        self.supports_masking = True
        self.built = True

    def call(self, inputs: TensorLike) -> Any:
        return ops.normalize(inputs, axis=self.axis, order=2, epsilon=1e-12)

    def compute_output_shape(self, input_shape: Any) -> Any:
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if a >= len(input_shape) or a < -len(input_shape):
                raise ValueError(f"Axis {self.axis} is out of bounds for input shape {tuple(input_shape)}.")
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


class RMSNormalization(Layer):
    """x * rsqrt(mean(x^2 over axis) + epsilon) * scale, with a trainable `scale`."""

    def __init__(self, axis: Any = -1, epsilon: float = 1e-6, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon

    def build(self, input_shape: Any) -> None:
        axes = normalized_axes(self, self.axis, input_shape)
        self.axis = sorted(self.axis) if isinstance(self.axis, (list, tuple)) else [self.axis]
        self.scale = self.add_weight(name="scale", shape=tuple(input_shape[a] for a in axes), initializer="ones")

    def call(self, x: TensorLike) -> Any:
        b = x.builder
        axes = normalized_axes(self, self.axis, x.shape)
        y, _, _ = normalize_nodes(
            b, x, axes, param_axes=axes, gamma=b.param(self.scale), mode="rms", epsilon=self.epsilon
        )
        return y

    def compute_output_shape(self, input_shape: Any) -> Any:
        normalized_axes(self, self.axis, [d if d is not None else 1 for d in input_shape])
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
