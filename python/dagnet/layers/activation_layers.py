"""The activation layers of Keras 3: ReLU (max_value, negative_slope, threshold), LeakyReLU,
PReLU (a trainable slope, shared along chosen axes), ELU and Softmax (over one or several
axes, with a mask)."""

from __future__ import annotations

import warnings
from typing import Any

from .. import activations as activations_module, constraints, initializers, ops, regularizers
from .._typing import TensorLike
from .input_spec import InputSpec
from .layer import Layer


class ReLU(Layer):
    _keras_built_at_init = True  # no build_config in its serialization, as in Keras 3

    def __init__(
        self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(
                "negative_slope of a ReLU layer cannot be None or a negative value. "
                f"Received: negative_slope={negative_slope}"
            )
        if threshold is None or threshold < 0.0:
            raise ValueError(
                f"threshold of a ReLU layer cannot be None or a negative value. Received: threshold={threshold}"
            )
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True

    def call(self, inputs: TensorLike) -> Any:
        return activations_module.relu(
            inputs, negative_slope=self.negative_slope, max_value=self.max_value, threshold=self.threshold
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }


class LeakyReLU(Layer):
    _keras_built_at_init = True

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:  # the Keras 2 name
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                "The negative_slope value of a Leaky ReLU layer cannot be None or negative value. Expected a "
                f"float. Received: negative_slope={negative_slope}"
            )
        self.negative_slope = negative_slope
        self.supports_masking = True

    def call(self, inputs: TensorLike) -> Any:
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class PReLU(Layer):
    """max(x, 0) + alpha * min(x, 0) with a trainable alpha per element of the input's
    non-batch shape (size 1 along `shared_axes`)."""

    def __init__(
        self,
        alpha_initializer: Any = "Zeros",
        alpha_regularizer: Any = None,
        alpha_constraint: Any = None,
        shared_axes: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape: Any) -> None:
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if not 1 <= axis < len(input_shape):
                raise ValueError(
                    f'Layer "{self.name}": shared_axes {self.shared_axes} must name non-batch axes of the input '
                    f"(1 to {len(input_shape) - 1}); input shape {tuple(input_shape)}"
                )
            param_shape[axis - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(
                f'Layer "{self.name}": PReLU needs a known size on every axis it does not share; input shape '
                f"{tuple(input_shape)}, shared_axes={self.shared_axes}"
            )
        self.alpha = self.add_weight(
            shape=param_shape,
            name="alpha",
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        axes = {i: input_shape[i] for i in range(1, len(input_shape)) if i not in (self.shared_axes or [])}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)

    def call(self, inputs: TensorLike) -> Any:
        positive = ops.relu(inputs)
        negative = ops.multiply(ops.negative(self.alpha), ops.relu(ops.negative(inputs)))
        return positive + negative

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }


class ELU(Layer):
    _keras_built_at_init = True

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True

    def call(self, inputs: TensorLike) -> Any:
        return ops.elu(inputs, alpha=self.alpha)

    def get_config(self) -> dict[str, Any]:
        # Keras 3 writes no get_config for ELU: its automatic config holds the constructor's
        # arguments (alpha) after the base keys.
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(Layer):
    """Softmax over `axis` (an int or a list of axes); with a mask (broadcastable to the
    input, 1 keeps), masked positions get 0 and take no share of the rest."""

    _keras_built_at_init = True

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs: TensorLike, mask: TensorLike | None = None) -> Any:
        if mask is not None:
            if len(mask.shape) > len(inputs.shape):
                raise ValueError(
                    "The `mask` must be broadcastable to `inputs` and must not have more dimensions. "
                    f"Received: inputs.shape={inputs.shape}, mask.shape={mask.shape}"
                )
            for m_dim, i_dim in zip(mask.shape[::-1], inputs.shape[::-1]):
                if m_dim is not None and i_dim is not None and m_dim != 1 and m_dim != i_dim:
                    raise ValueError(
                        "The `mask` must be broadcastable to `inputs`. Each mask dimension must be 1 or match the "
                        f"corresponding input dimension. Received: inputs.shape={inputs.shape}, "
                        f"mask.shape={mask.shape}"
                    )
            # Keras: a bool mask keeps its True entries, any other mask its entries > 0.5.
            keep = ops.greater(ops.cast(mask, inputs.dtype), 0.5)
            inputs = ops.where(keep, inputs, -1e9)
        if isinstance(self.axis, (tuple, list)) and len(self.axis) > 1:
            shifted = inputs - ops.max(inputs, axis=self.axis, keepdims=True)
            outputs = ops.exp(shifted - ops.log(ops.sum(ops.exp(shifted), axis=self.axis, keepdims=True)))
        else:
            axis = self.axis[0] if isinstance(self.axis, (tuple, list)) else self.axis
            outputs = ops.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = ops.where(keep, outputs, 0.0)  # a fully masked row is 0, not uniform
        return outputs

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}
