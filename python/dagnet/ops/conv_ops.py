"""keras.ops's functional convolutions and poolings: conv, depthwise_conv, separable_conv,
conv_transpose, max_pool, average_pool. Each is the native op the matching layer emits
(conv{r}d, depthwise_conv{r}d, conv{r}d_transpose, {max,avg}_pool{r}d), so it runs the same
kernels on every device and differentiates with them, with the kernel given as a tensor."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, emit, lowering, op
from .shape_ops import cast

__all__ = ["conv", "depthwise_conv", "separable_conv", "conv_transpose", "max_pool", "average_pool"]


def _data_format(data_format: Any) -> str:
    """`data_format` checked, or the backend's image_data_format() when None. dagnet.backend
    sits above the ops (it imports them), so its setting is read from the loaded module."""
    if data_format is None:
        backend = sys.modules.get("dagnet.backend")
        return backend.image_data_format() if backend is not None else "channels_last"
    value = str(data_format).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    return value


def _padding(padding: Any, op_name: str) -> str:
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"{op_name}: `padding` must be 'valid' or 'same', got {padding!r}")
    return padding.lower()


def _tuple(value: Any, rank: int, name: str, op_name: str, allow_zero: bool = False) -> list[int]:
    values = [value] * rank if isinstance(value, (int, np.integer)) else list(value)
    if len(values) != rank or not all(isinstance(v, (int, np.integer)) for v in values):
        raise ValueError(f"{op_name}: `{name}` must be an int or {rank} ints, got {value!r}")
    if any(v < 0 or (v == 0 and not allow_zero) for v in values):
        raise ValueError(f"{op_name}: `{name}` must be positive, got {value!r}")
    return [int(v) for v in values]


def _rank(x: Any, ranks: tuple, op_name: str) -> int:
    rank = x.ndim - 2
    if rank not in ranks:
        allowed = ", ".join(str(r + 2) for r in ranks)
        raise ValueError(
            f"{op_name}: inputs must have rank {allowed} (batch, spatial..., channels), got {tuple(x.shape)}"
        )
    return rank


def _float_operands(builder: GraphBuilder, *xs: TensorLike) -> list:
    """The operands in one float dtype: their common one, float32 for integers."""
    values = as_values(builder, *xs)
    dtype = np.result_type(*(v.dtype for v in values)).name
    dtype = dtype if dtype in ("float32", "float64") else "float32"
    return [v if v.dtype == dtype else lowering(cast)(builder, v, dtype) for v in values]


def _window(strides: Any, dilation_rate: Any, padding: Any, data_format: Any, rank: int, op_name: str) -> dict:
    strides_, dilation = (
        _tuple(strides, rank, "strides", op_name),
        _tuple(dilation_rate, rank, "dilation_rate", op_name),
    )
    if any(s > 1 for s in strides_) and any(d > 1 for d in dilation):
        raise ValueError(f"{op_name}: strides > 1 and dilation_rate > 1 together are not supported (as Keras)")
    return {
        "strides": strides_,
        "dilation": dilation,
        "padding": _padding(padding, op_name),
        "data_format": _data_format(data_format),
    }


def _channels(x: Any, data_format: str) -> Any:
    return x.shape[-1] if data_format == "channels_last" else x.shape[1]


@op
def conv(
    builder: GraphBuilder,
    inputs: TensorLike,
    kernel: TensorLike,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Any:
    """N-D convolution (N = 1, 2, 3). kernel: (*window, in_channels // groups, filters); the
    group count is in_channels // kernel.shape[-2], as Keras infers it."""
    x, k = _float_operands(builder, inputs, kernel)
    rank = _rank(x, (1, 2, 3), "conv")
    attrs = _window(strides, dilation_rate, padding, data_format, rank, "conv")
    if k.ndim != rank + 2:
        raise ValueError(f"conv: kernel must have rank {rank + 2} for inputs {tuple(x.shape)}, got {tuple(k.shape)}")
    channels = _channels(x, attrs["data_format"])
    per_group = k.shape[-2]
    if channels is None or per_group is None or per_group == 0 or channels % per_group:
        raise ValueError(
            f"conv: the input channels ({channels}) must be a multiple of the kernel's input channels "
            f"({per_group}); inputs {tuple(x.shape)}, kernel {tuple(k.shape)}"
        )
    groups = channels // per_group
    if k.shape[-1] is not None and k.shape[-1] % groups:
        raise ValueError(f"conv: the kernel's {k.shape[-1]} filters do not split into {groups} groups")
    return emit(builder, f"conv{rank}d", [x, k], {**attrs, "groups": groups, "activation": "linear"})


@op
def depthwise_conv(
    builder: GraphBuilder,
    inputs: TensorLike,
    kernel: TensorLike,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Any:
    """1-D or 2-D depthwise convolution. kernel: (*window, in_channels, multiplier); output
    channel c * multiplier + m reads input channel c."""
    x, k = _float_operands(builder, inputs, kernel)
    rank = _rank(x, (1, 2), "depthwise_conv")
    attrs = _window(strides, dilation_rate, padding, data_format, rank, "depthwise_conv")
    channels = _channels(x, attrs["data_format"])
    if k.ndim != rank + 2 or k.shape[-2] != channels:
        raise ValueError(
            f"depthwise_conv: kernel must be (*window, {channels}, multiplier) for inputs {tuple(x.shape)}, "
            f"got {tuple(k.shape)}"
        )
    return emit(builder, f"depthwise_conv{rank}d", [x, k], {**attrs, "activation": "linear"})


@op
def separable_conv(
    builder: GraphBuilder,
    inputs: TensorLike,
    depthwise_kernel: TensorLike,
    pointwise_kernel: TensorLike,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Any:
    """A depthwise convolution, then a pointwise one: pointwise_kernel is
    (1, ..., 1, in_channels * multiplier, filters)."""
    depthwise = lowering(depthwise_conv)(
        builder, inputs, depthwise_kernel, strides, padding, data_format, dilation_rate
    )
    (p,) = _float_operands(builder, pointwise_kernel)
    rank = depthwise.ndim - 2
    if (
        p.ndim != rank + 2
        or any(d != 1 for d in p.shape[:rank])
        or p.shape[-2] != _channels(depthwise, _data_format(data_format))
    ):
        raise ValueError(
            f"separable_conv: pointwise_kernel must be ({', '.join(['1'] * rank)}, "
            f"{_channels(depthwise, _data_format(data_format))}, filters), got {tuple(p.shape)}"
        )
    if p.dtype != depthwise.dtype:
        p = lowering(cast)(builder, p, depthwise.dtype)
    attrs = {"padding": "valid", "data_format": _data_format(data_format), "activation": "linear"}
    return emit(builder, f"conv{rank}d", [depthwise, p], attrs)


@op
def conv_transpose(
    builder: GraphBuilder,
    inputs: TensorLike,
    kernel: TensorLike,
    strides: Any = 1,
    padding: str = "valid",
    output_padding: Any = None,
    data_format: str | None = None,
    dilation_rate: Any = 1,
) -> Any:
    """N-D transposed convolution (N = 1, 2, 3). kernel: (*window, filters, in_channels), as
    the Conv*Transpose layers' kernels."""
    x, k = _float_operands(builder, inputs, kernel)
    rank = _rank(x, (1, 2, 3), "conv_transpose")
    attrs = _window(strides, dilation_rate, padding, data_format, rank, "conv_transpose")
    if k.ndim != rank + 2 or k.shape[-1] != _channels(x, attrs["data_format"]):
        raise ValueError(
            f"conv_transpose: kernel must be (*window, filters, {_channels(x, attrs['data_format'])}) "
            f"for inputs {tuple(x.shape)}, got {tuple(k.shape)}"
        )
    extra: list[int] = []
    if output_padding is not None:
        extra = _tuple(output_padding, rank, "output_padding", "conv_transpose", allow_zero=True)
        if any(o >= s for o, s in zip(extra, attrs["strides"])):
            raise ValueError(
                f"conv_transpose: `output_padding` must be smaller than `strides`, got "
                f"output_padding={output_padding}, strides={strides}"
            )
    return emit(builder, f"conv{rank}d_transpose", [x, k], {**attrs, "output_padding": extra, "activation": "linear"})


def _pool(builder, mode, inputs, pool_size, strides, padding, data_format, op_name):
    (x,) = _float_operands(builder, inputs)
    rank = _rank(x, (1, 2, 3), op_name)
    size = _tuple(pool_size, rank, "pool_size", op_name)
    step = size if strides is None else _tuple(strides, rank, "strides", op_name)
    attrs = {
        "pool_size": size,
        "strides": step,
        "padding": _padding(padding, op_name),
        "data_format": _data_format(data_format),
    }
    return emit(builder, f"{mode}_pool{rank}d", [x], attrs)


@op
def max_pool(
    builder: GraphBuilder,
    inputs: TensorLike,
    pool_size: Any,
    strides: Any = None,
    padding: str = "valid",
    data_format: str | None = None,
) -> Any:
    """N-D max pooling (N = 1, 2, 3); strides default to pool_size."""
    return _pool(builder, "max", inputs, pool_size, strides, padding, data_format, "max_pool")


@op
def average_pool(
    builder: GraphBuilder,
    inputs: TensorLike,
    pool_size: Any,
    strides: Any = None,
    padding: str = "valid",
    data_format: str | None = None,
) -> Any:
    """N-D average pooling (N = 1, 2, 3); with 'same' padding each window averages only the
    elements inside the input, as Keras's."""
    return _pool(builder, "avg", inputs, pool_size, strides, padding, data_format, "average_pool")
