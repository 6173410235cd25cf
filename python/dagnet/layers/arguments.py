"""Argument checks shared by the window layers (convolutions, pooling, padding, cropping),
with Keras 3's messages (keras.src.utils.argument_validation)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend

INT32_MAX = 2**31 - 1  # Keras's backends hold window sizes, strides and dilations as int32


def is_integer(value: Any) -> bool:
    """A Python or NumPy integer, not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def standardize_tuple(value: Any, n: int, name: str, allow_zero: bool = False) -> tuple:
    """An int or n ints as a tuple of n ints; > 0 each (>= 0 with allow_zero), at most 2**31 - 1
    (bools are refused: a flag is never a size)."""
    error = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if isinstance(value, bool):
        raise ValueError(error)
    if is_integer(value):
        values: tuple = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(error) from None
        if len(values) != n:
            raise ValueError(error)
        for v in values:
            if isinstance(v, bool):
                raise ValueError(error)
            if not is_integer(v):
                try:
                    int(v)
                except (ValueError, TypeError, OverflowError):
                    raise ValueError(f"{error}including element {v} of type {type(v)}") from None
        values = tuple(int(v) for v in values)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        requirement = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{error}, including values {bad} that do not satisfy `value {requirement}`")
    if max(values, default=0) > INT32_MAX:
        raise ValueError(f"{error}, including values larger than 2**31 - 1")
    return values


def standardize_padding(value: Any, allow_causal: bool = False) -> str:
    allowed = {"valid", "same", "causal"} if allow_causal else {"valid", "same"}
    padding = str(value).lower()
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be a list/tuple or one of {allowed}. Received: {padding}")
    return padding


def standardize_data_format(data_format: Any) -> str:
    """`data_format` lower-cased and checked, or `backend.image_data_format()` when None."""
    return backend.standardize_data_format(data_format)


def check_strides_with_dilation(strides: tuple, dilation_rate: tuple) -> None:
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(
            "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
            f"Received: strides={strides} and dilation_rate={dilation_rate}"
        )


def channels_of(layer: Any, input_shape: Any, data_format: str) -> int:
    """The channel dimension of an input shape, which must be known to build `layer`."""
    channels = input_shape[-1 if data_format == "channels_last" else 1]
    if channels is None:
        raise ValueError(
            f'Layer "{layer.name}": the channel dimension of the inputs should be defined. '
            f"Received input shape {input_shape} with data_format={data_format}"
        )
    return int(channels)


def check_window_fits(layer: Any, input_shape: Any) -> None:
    """For 'valid' padding, each known spatial size of `input_shape` must hold one (dilated)
    window of `layer`: checked before any weight is made, so an absurd kernel size fails here
    instead of allocating its kernel."""
    if layer.padding != "valid":
        return
    spatial = input_shape[1:-1] if layer.data_format == "channels_last" else input_shape[2:]
    for size, k, d in zip(spatial, layer.kernel_size, layer.dilation_rate):
        if size is not None and (k - 1) * d + 1 > size:
            raise ValueError(
                f"Computed output size would be zero or negative. Received `inputs shape={tuple(input_shape)}`, "
                f"`kernel size={layer.kernel_size}`, `dilation_rate={layer.dilation_rate}`, "
                f'`strides={layer.strides}`, `padding={layer.padding}` (layer "{layer.name}"; check the input '
                "size and data_format)"
            )


def window_attrs(layer: Any) -> dict[str, Any]:
    """The native attributes of a convolution layer's window."""
    return {
        "strides": list(layer.strides),
        "dilation": list(layer.dilation_rate),
        "padding": layer.padding,
        "data_format": layer.data_format,
    }
