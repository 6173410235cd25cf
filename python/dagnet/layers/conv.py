"""Conv1D and Conv2D (Keras weight layouts: kernel (k, cin, filters) / (kh, kw, cin, filters))."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import activations as activations_module, constraints, initializers, regularizers
from .._typing import TensorLike
from ..ops._dispatch import emit
from ..serialization.keras_saveable import alias
from .core import _constraint
from .input_spec import InputSpec
from .layer import Layer


def _tuple(value: TensorLike, rank: int, what: str) -> tuple:
    values = tuple(value) if isinstance(value, (list, tuple)) else (value,) * rank
    if len(values) != rank or not all(isinstance(v, int) and v > 0 for v in values):
        raise ValueError(f"The `{what}` argument must be a tuple of {rank} positive integers. Received: {value}")
    return values


class _Conv(Layer):
    rank = 2

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] | None = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(
                f"Invalid value for argument `filters`. Expected a strictly positive value. Received filters={filters}."
            )
        self.filters = filters
        self.kernel_size = _tuple(kernel_size, self.rank, "kernel_size")
        self.strides = _tuple(strides, self.rank, "strides")
        self.dilation_rate = _tuple(dilation_rate, self.rank, "dilation_rate")
        self.padding = padding.lower()
        allowed = ("valid", "same", "causal") if self.rank == 1 else ("valid", "same")
        if self.padding not in allowed:
            raise ValueError(f"The `padding` argument must be one of {allowed}. Received: {padding}")
        self.data_format = data_format or "channels_last"
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                f"The `data_format` argument must be one of 'channels_first', 'channels_last'. Received: {data_format}"
            )
        if groups != 1:
            raise ValueError("Grouped convolutions (groups != 1) are not supported yet")
        self.groups = groups
        self.activation = activations_module.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = _constraint(self, kernel_constraint, "kernel_constraint")
        self.bias_constraint = _constraint(self, bias_constraint, "bias_constraint")
        self.input_spec = InputSpec(min_ndim=self.rank + 2)

    def build(self, input_shape: Any) -> None:
        channel_axis = -1 if self.data_format == "channels_last" else 1
        channels = input_shape[channel_axis]
        if channels is None:
            raise ValueError(
                f'Layer "{self.name}": the channel dimension of the inputs should be defined. '
                f"Received input shape {input_shape} with data_format={self.data_format}"
            )
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        self.bias = (
            self.add_weight(
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
            if self.use_bias
            else None
        )
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={channel_axis: channels})

    def call(self, inputs: TensorLike) -> Any:
        b = inputs.builder
        operands = [inputs, b.param(self.kernel)] + ([b.param(self.bias)] if self.use_bias else [])
        fused = activations_module.engine_kind(self.activation)
        attrs = {
            "strides": list(self.strides),
            "dilation": list(self.dilation_rate),
            "padding": self.padding,
            "data_format": self.data_format,
            "activation": fused or "linear",
        }
        out = emit(b, f"conv{self.rank}d", operands, attrs)
        return out if fused is not None else self.activation(out)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations_module.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class Conv1D(_Conv):
    rank = 1


class Conv2D(_Conv):
    rank = 2


Convolution1D = alias("Convolution1D", Conv1D)
Convolution2D = alias("Convolution2D", Conv2D)
