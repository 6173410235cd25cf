"""BatchNormalization (Keras 3): batch statistics in training, moving statistics in
inference (renorm=True: batch_renormalization.py). The moving mean and variance are
non-trainable weights that the training step itself updates (moving = moving * momentum +
batch * (1 - momentum), a state update run natively inside each step); evaluate and
predict only read them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import constraints, initializers, ops, regularizers
from .._typing import TensorLike
from ..ops.inference_folding import fold_batch_norm
from ..ops.normalization import normalize_nodes
from ..variables import Variable
from .batch_renormalization import add_renorm_weights, check_clipping, renormalized
from .input_spec import InputSpec
from .layer import Layer

_MASK_EPSILON = 1e-7  # Keras's masked moments divide by sum(mask) + backend.epsilon()


def normalized_axes(layer: Layer, axis: Any, input_shape: Any) -> list[int]:
    """`axis` (an int or a list) as sorted non-negative axes of `input_shape`, checked."""
    ndim = len(input_shape)
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if not -ndim <= a < ndim:
            # An IndexError as Keras's (which indexes the shape), and a ValueError with a message.
            raise np.exceptions.AxisError(
                f"Axis {a} is out of bounds for input shape {tuple(input_shape)}. Received: axis={axis} "
                f'(layer "{layer.name}")'
            )
    result = sorted({a % ndim for a in axes})
    for a in result:
        if input_shape[a] is None:
            raise ValueError(
                f'Layer "{layer.name}": axis {a} of the input must have a known size to build its weights, '
                f"got input shape {tuple(input_shape)}"
            )
    return result


class BatchNormalization(Layer):
    """Normalizes with the batch's mean and variance in training (and updates the moving
    statistics), with the moving statistics otherwise. `axis` is an int (Keras 3) or a
    list of axes (tf.keras); `layer.trainable = False` means inference mode, as in Keras."""

    def __init__(
        self,
        axis: Any = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        renorm: bool = False,
        renorm_clipping: Any = None,
        renorm_momentum: float = 0.99,
        synchronized: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):  # tf.keras's spelling; one axis is Keras 3's int
            self.axis: Any = int(axis[0]) if len(axis) == 1 else [int(a) for a in axis]
        else:
            self.axis = int(axis)
        # One process holds the whole batch, so local statistics are the synchronized ones.
        self.synchronized = synchronized
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.renorm = renorm
        self.renorm_clipping = check_clipping(renorm_clipping) if renorm else renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.gamma: Variable | None = None
        self.beta: Variable | None = None
        self.moving_mean: Variable | None = None
        self.moving_variance: Variable | None = None
        self._axes: list[int] = []
        self._reduction_axes: list[int] = []

    def build(self, input_shape: Any) -> None:
        self._axes = normalized_axes(self, self.axis, input_shape)
        shape = tuple(input_shape[a] for a in self._axes)
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape,
                name="gamma",
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                trainable=True,
            )
        if self.center:
            self.beta = self.add_weight(
                shape=shape,
                name="beta",
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                trainable=True,
            )
        self.moving_mean = self.add_weight(
            shape=shape, name="moving_mean", initializer=self.moving_mean_initializer, trainable=False
        )
        self.moving_variance = self.add_weight(
            shape=shape, name="moving_variance", initializer=self.moving_variance_initializer, trainable=False
        )
        if self.renorm:
            add_renorm_weights(self, shape)
        axis_key = self.axis if isinstance(self.axis, int) else None
        axes_spec = {axis_key: input_shape[self._axes[0]]} if axis_key is not None else {}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes_spec)
        self._reduction_axes = [a for a in range(len(input_shape)) if a not in self._axes]

    def call(self, inputs: TensorLike, training: bool | None = None, mask: TensorLike | None = None) -> Any:
        if mask is not None and len(mask.shape) != len(inputs.shape) - 1:
            raise ValueError(
                "The mask provided should be one dimension less than the inputs. Received: "
                f"mask.shape={mask.shape}, inputs.shape={inputs.shape}"
            )
        b = inputs.builder
        gamma = b.param(self.gamma) if self.scale else None
        beta = b.param(self.beta) if self.center else None
        if training and self.trainable:
            weights = None if mask is None else ops.cast(mask, inputs.dtype)
            if self.renorm:
                y0, mean, variance = normalize_nodes(
                    b,
                    inputs,
                    self._reduction_axes,
                    param_axes=self._axes,
                    epsilon=self.epsilon,
                    weights=weights,
                    count_epsilon=_MASK_EPSILON,
                    stop_stat_grads=True,
                )
                return renormalized(self, b, y0, mean, variance, gamma, beta)
            y, mean, variance = normalize_nodes(
                b,
                inputs,
                self._reduction_axes,
                param_axes=self._axes,
                gamma=gamma,
                beta=beta,
                epsilon=self.epsilon,
                weights=weights,
                count_epsilon=_MASK_EPSILON,
            )
            # Run inside the step after the statistics exist; Keras's formula.
            b.update_state("moving_average_update", [self.moving_mean, mean], {"momentum": self.momentum})
            b.update_state("moving_average_update", [self.moving_variance, variance], {"momentum": self.momentum})
            return y
        mean, variance = b.param(self.moving_mean), b.param(self.moving_variance)
        folded = fold_batch_norm(b, inputs, self._axes, gamma, beta, mean, variance, self.epsilon)
        if folded is not None:
            return folded
        return normalize_nodes(
            b,
            inputs,
            self._reduction_axes,
            param_axes=self._axes,
            gamma=gamma,
            beta=beta,
            epsilon=self.epsilon,
            mean=mean,
            variance=variance,
        )

    def compute_output_shape(self, input_shape: Any) -> Any:
        normalized_axes(self, self.axis, [d if d is not None else 1 for d in input_shape])
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }
