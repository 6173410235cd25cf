"""DepthwiseConv1D/2D and SeparableConv1D/2D (Keras weight layouts: depthwise kernel
(*kernel_size, cin, depth_multiplier), output channel c * depth_multiplier + j from input
channel c; pointwise kernel (*ones, cin * depth_multiplier, filters)). The depthwise part
runs on its own native op (vectorised over channels); a separable convolution is that op
followed by a pointwise convolution (one GEMM) carrying the bias and activation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import activations as activations_module, constraints, initializers, regularizers
from .._typing import TensorLike
from ..ops._dispatch import emit
from ..serialization.keras_saveable import alias
from .arguments import (
    channels_of,
    check_window_fits,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
    window_attrs,
)
from .conv import check_filters
from .core import _constraint, add_bias
from .input_spec import InputSpec
from .layer import Layer


def _check_depth_multiplier(depth_multiplier: Any) -> None:
    if depth_multiplier is not None and depth_multiplier <= 0:
        raise ValueError(
            "Invalid value for argument `depth_multiplier`. Expected a strictly positive value. "
            f"Received depth_multiplier={depth_multiplier}."
        )


class _DepthwiseWindow(Layer):
    """The window arguments and depthwise weights both layer families share."""

    rank = 2
    # Set by the subclasses' constructors.
    activation: Any
    use_bias: bool
    bias_initializer: Any
    bias_regularizer: Any
    bias_constraint: Any

    def _window(
        self,
        kernel_size: Any,
        strides: Any,
        padding: str,
        depth_multiplier: int,
        data_format: str | None,
        dilation_rate: Any,
        depthwise_initializer: Any,
        depthwise_regularizer: Any,
        depthwise_constraint: Any,
    ) -> None:
        self.depth_multiplier = depth_multiplier
        self.kernel_size = standardize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = standardize_tuple(strides, self.rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, self.rank, "dilation_rate")
        self.padding = standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = _constraint(self, depthwise_constraint, "depthwise_constraint")
        self.input_spec = InputSpec(min_ndim=self.rank + 2)
        _check_depth_multiplier(depth_multiplier)

    def _add_depthwise_kernel(self, channels: int, name: str) -> Any:
        channel_axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={channel_axis: channels})
        return self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
            name=name,
        )

    def _window_config(self) -> dict[str, Any]:
        return {
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations_module.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
        }


class _DepthwiseConv(_DepthwiseWindow):
    def __init__(
        self,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._window(
            kernel_size,
            strides,
            padding,
            depth_multiplier,
            data_format,
            dilation_rate,
            depthwise_initializer,
            depthwise_regularizer,
            depthwise_constraint,
        )
        self.activation = activations_module.get(activation)
        self.use_bias = use_bias
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = _constraint(self, bias_constraint, "bias_constraint")

    def build(self, input_shape: Any) -> None:
        channels = channels_of(self, input_shape, self.data_format)
        check_window_fits(self, input_shape)
        self.kernel = self._add_depthwise_kernel(channels, "kernel")
        self.bias = add_bias(self, channels * self.depth_multiplier)

    def call(self, inputs: TensorLike) -> Any:
        b = inputs.builder
        operands = [inputs, b.param(self.kernel)] + ([b.param(self.bias)] if self.use_bias else [])
        fused = activations_module.engine_kind(self.activation)
        out = emit(b, f"depthwise_conv{self.rank}d", operands, {**window_attrs(self), "activation": fused or "linear"})
        return out if fused is not None else self.activation(out)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            **self._window_config(),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class DepthwiseConv1D(_DepthwiseConv):
    """1-D depthwise convolution: kernel (kernel_size, cin, depth_multiplier)."""

    rank = 1


class DepthwiseConv2D(_DepthwiseConv):
    """2-D depthwise convolution: kernel (kh, kw, cin, depth_multiplier)."""

    rank = 2


class _SeparableConv(_DepthwiseWindow):
    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        depth_multiplier: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        pointwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        pointwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        pointwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = filters
        self._window(
            kernel_size,
            strides,
            padding,
            depth_multiplier,
            data_format,
            dilation_rate,
            depthwise_initializer,
            depthwise_regularizer,
            depthwise_constraint,
        )
        self.activation = activations_module.get(activation)
        self.use_bias = use_bias
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.pointwise_constraint = _constraint(self, pointwise_constraint, "pointwise_constraint")
        self.bias_constraint = _constraint(self, bias_constraint, "bias_constraint")
        self.filters = check_filters(filters)

    def build(self, input_shape: Any) -> None:
        channels = channels_of(self, input_shape, self.data_format)
        check_window_fits(self, input_shape)
        self.depthwise_kernel = self._add_depthwise_kernel(channels, "depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
            name="pointwise_kernel",
        )
        self.bias = add_bias(self, self.filters)

    def call(self, inputs: TensorLike) -> Any:
        b = inputs.builder
        depthwise = emit(b, f"depthwise_conv{self.rank}d", [inputs, b.param(self.depthwise_kernel)], window_attrs(self))
        operands = [depthwise, b.param(self.pointwise_kernel)] + ([b.param(self.bias)] if self.use_bias else [])
        fused = activations_module.engine_kind(self.activation)
        attrs = {"padding": "valid", "data_format": self.data_format, "activation": fused or "linear"}
        out = emit(b, f"conv{self.rank}d", operands, attrs)
        return out if fused is not None else self.activation(out)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            **self._window_config(),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class SeparableConv1D(_SeparableConv):
    """1-D separable convolution: a depthwise convolution, then a pointwise one."""

    rank = 1


class SeparableConv2D(_SeparableConv):
    """2-D separable convolution: a depthwise convolution, then a pointwise one."""

    rank = 2


SeparableConvolution1D = alias("SeparableConvolution1D", SeparableConv1D)
SeparableConvolution2D = alias("SeparableConvolution2D", SeparableConv2D)
