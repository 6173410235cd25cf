"""Conv1DTranspose, Conv2DTranspose and Conv3DTranspose (Keras weight layout: kernel
(*kernel_size, filters, cin), bias (filters,)). The native op is the input gradient of the
convolution from the output back to the input, with Keras's output size:
valid: (in - 1) * stride + max(span, stride) (span = (k - 1) * dilation + 1), or
(in - 1) * stride + span + output_padding; same: in * stride, or
(in - 1) * stride + span % 2 + output_padding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import activations as activations_module, initializers, regularizers
from .._typing import TensorLike
from ..ops._dispatch import emit
from ..serialization.keras_saveable import alias
from .arguments import (
    channels_of,
    check_strides_with_dilation,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
    window_attrs,
)
from .conv import check_filters, kernel_and_bias_config
from .core import _constraint, add_kernel_and_bias
from .input_spec import InputSpec
from .layer import Layer


class _ConvTranspose(Layer):
    rank = 2

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        output_padding: int | Sequence[int] | None = None,
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
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
        self.kernel_size = standardize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = standardize_tuple(strides, self.rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, self.rank, "dilation_rate")
        self.padding = standardize_padding(padding)
        self.output_padding = (
            None if output_padding is None else standardize_tuple(output_padding, self.rank, "output_padding", True)
        )
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
        if self.output_padding is not None:
            for i, (op, s) in enumerate(zip(self.output_padding, self.strides)):
                if op >= s:
                    raise ValueError(
                        "`output_padding` must be strictly less than `strides` for all dimensions. "
                        f"At dimension {i}, `output_padding` is {op} but `strides` is {s}. "
                        f"Received: output_padding={self.output_padding}, strides={self.strides}"
                    )
        check_strides_with_dilation(self.strides, self.dilation_rate)

    def build(self, input_shape: Any) -> None:
        channels = channels_of(self, input_shape, self.data_format)
        self.kernel, self.bias = add_kernel_and_bias(self, self.kernel_size + (self.filters, channels), self.filters)
        channel_axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={channel_axis: channels})

    def call(self, inputs: TensorLike) -> Any:
        b = inputs.builder
        operands = [inputs, b.param(self.kernel)] + ([b.param(self.bias)] if self.use_bias else [])
        fused = activations_module.engine_kind(self.activation)
        attrs = {
            **window_attrs(self),
            "output_padding": [] if self.output_padding is None else list(self.output_padding),
            "activation": fused or "linear",
        }
        out = emit(b, f"conv{self.rank}d_transpose", operands, attrs)
        return out if fused is not None else self.activation(out)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            **kernel_and_bias_config(self),
        }


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution: kernel (kernel_size, filters, cin)."""

    rank = 1


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution: kernel (kh, kw, filters, cin)."""

    rank = 2


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution: kernel (kd, kh, kw, filters, cin). As Keras 3, data_format
    comes before output_padding among the positional arguments."""

    rank = 3

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = (1, 1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        output_padding: int | Sequence[int] | None = None,
        dilation_rate: int | Sequence[int] = (1, 1, 1),
        **kwargs: Any,
    ) -> None:
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            output_padding=output_padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            **kwargs,
        )


Convolution1DTranspose = alias("Convolution1DTranspose", Conv1DTranspose)
Convolution2DTranspose = alias("Convolution2DTranspose", Conv2DTranspose)
Convolution3DTranspose = alias("Convolution3DTranspose", Conv3DTranspose)
