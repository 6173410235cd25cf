"""Conv1D, Conv2D and Conv3D, with channel groups (Keras weight layout: kernel
(*kernel_size, cin // groups, filters), bias (filters,))."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import activations as activations_module, constraints, initializers, regularizers
from .._typing import TensorLike
from ..ops._dispatch import emit
from ..serialization.keras_saveable import alias
from .arguments import (
    channels_of,
    check_strides_with_dilation,
    check_window_fits,
    is_integer,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
    window_attrs,
)
from .core import _constraint, add_kernel_and_bias
from .input_spec import InputSpec
from .layer import Layer


def check_filters(filters: Any) -> int:
    """Keras's check, plus: an integer, not a bool, not None (Keras lets None through to fail in
    build with a TypeError)."""
    if not is_integer(filters) or filters <= 0:
        raise ValueError(
            f"Invalid value for argument `filters`. Expected a strictly positive value. Received filters={filters}."
        )
    return int(filters)


class _Conv(Layer):
    rank = 2

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
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
        self.filters = filters
        self.groups = groups
        self.kernel_size = standardize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = standardize_tuple(strides, self.rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, self.rank, "dilation_rate")
        self.padding = standardize_padding(padding, allow_causal=self.rank == 1)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations_module.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = _constraint(self, kernel_constraint, "kernel_constraint")
        self.bias_constraint = _constraint(self, bias_constraint, "bias_constraint")
        self.input_spec = InputSpec(min_ndim=self.rank + 2)
        self.filters = check_filters(filters)
        if not is_integer(groups) or groups <= 0:
            raise ValueError(f"The number of groups must be a positive integer. Received: groups={groups}.")
        self.groups = int(groups)
        if filters % groups != 0:
            raise ValueError(
                "The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={groups}, filters={filters}."
            )
        check_strides_with_dilation(self.strides, self.dilation_rate)

    def build(self, input_shape: Any) -> None:
        channels = channels_of(self, input_shape, self.data_format)
        if channels % self.groups != 0:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of groups. "
                f"Received groups={self.groups}, but the input has {channels} channels "
                f"(full input shape is {tuple(input_shape)})."
            )
        check_window_fits(self, input_shape)
        kernel_shape = self.kernel_size + (channels // self.groups, self.filters)
        self.kernel, self.bias = add_kernel_and_bias(self, kernel_shape, self.filters)
        channel_axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={channel_axis: channels})

    def call(self, inputs: TensorLike) -> Any:
        b = inputs.builder
        kernel = b.param(self.kernel)
        fused = activations_module.engine_kind(self.activation)
        attrs = {**window_attrs(self), "activation": fused or "linear"}
        if self.groups > 1 and self.kernel.shape[-2] == 1 and self.rank <= 2 and self.padding != "causal":
            # One input channel per group (ConvMixer's, MobileNet's depthwise step written as
            # Conv2D(groups=channels)): a depthwise convolution with multiplier filters // groups.
            # Its kernel (*window, channels, multiplier) is the same memory as this one
            # (*window, 1, filters), output channel g * multiplier + j reading input channel g
            # in both; the depthwise kernels run it without a GEMM per one-channel group. (They
            # have no 'causal' padding, nor a 3-D form: those stay on the grouped GEMM.)
            depthwise_shape = list(self.kernel_size) + [self.groups, self.filters // self.groups]
            kernel = emit(b, "reshape", [kernel], {"shape": depthwise_shape})
            op = f"depthwise_conv{self.rank}d"
        else:
            op = f"conv{self.rank}d"
            attrs["groups"] = self.groups
        operands = [inputs, kernel] + ([b.param(self.bias)] if self.use_bias else [])
        out = emit(b, op, operands, attrs)
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
            **kernel_and_bias_config(self),
        }


def kernel_and_bias_config(layer: Any) -> dict[str, Any]:
    """The get_config entries a convolution shares with its transposed form, in Keras's order:
    activation, use_bias, then the kernel's and bias's initializers, regularizers and
    constraints."""
    return {
        "activation": activations_module.serialize(layer.activation),
        "use_bias": layer.use_bias,
        "kernel_initializer": initializers.serialize(layer.kernel_initializer),
        "bias_initializer": initializers.serialize(layer.bias_initializer),
        "kernel_regularizer": regularizers.serialize(layer.kernel_regularizer),
        "bias_regularizer": regularizers.serialize(layer.bias_regularizer),
        "activity_regularizer": regularizers.serialize(layer.activity_regularizer),
        "kernel_constraint": constraints.serialize(layer.kernel_constraint),
        "bias_constraint": constraints.serialize(layer.bias_constraint),
    }


class Conv1D(_Conv):
    """1-D convolution (temporal): kernel (kernel_size, cin // groups, filters)."""

    rank = 1


class Conv2D(_Conv):
    """2-D convolution (spatial): kernel (kh, kw, cin // groups, filters)."""

    rank = 2


class Conv3D(_Conv):
    """3-D convolution (volumes): kernel (kd, kh, kw, cin // groups, filters)."""

    rank = 3


Convolution1D = alias("Convolution1D", Conv1D)
Convolution2D = alias("Convolution2D", Conv2D)
Convolution3D = alias("Convolution3D", Conv3D)
