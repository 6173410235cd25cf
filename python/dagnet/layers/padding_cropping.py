"""ZeroPadding1D/2D/3D and Cropping1D/2D/3D: zeros added around, or rows cut off, the
spatial axes (the native pad op and a slice; gradients flow through both)."""

from __future__ import annotations

from typing import Any

from .. import ops
from .._typing import TensorLike
from ..ops._dispatch import emit
from .arguments import standardize_data_format, standardize_tuple
from .input_spec import InputSpec
from .layer import Layer

_ORDINALS = ("1st", "2nd", "3rd")


def _pairs(value: Any, rank: int, what: str, shape_words: str) -> tuple:
    """Keras's forms: an int, `rank` ints (symmetric per axis) or `rank` pairs (before, after)."""
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"`{what}` cannot be negative. Received: {what}={value}.")
        return ((value, value),) * rank
    if hasattr(value, "__len__"):
        if len(value) != rank:
            raise ValueError(f"`{what}` should have {'two' if rank == 2 else rank} elements. Received: {what}={value}.")
        return tuple(
            standardize_tuple(v, 2, f"{_ORDINALS[i]} entry of {what}", allow_zero=True) for i, v in enumerate(value)
        )
    raise ValueError(f"`{what}` should be either an int, {shape_words}. Received: {what}={value}.")


def _spatial_axes(rank: int, data_format: str) -> list[int]:
    first = 2 if data_format == "channels_first" else 1
    return list(range(first, first + rank))


class _ZeroPadding(Layer):
    rank = 2

    def __init__(self, padding: Any, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        if self.rank == 1:
            self.padding: tuple = standardize_tuple(padding, 2, "padding", allow_zero=True)
        else:
            self.padding = _pairs(
                padding,
                self.rank,
                "padding",
                f"a tuple of {self.rank} ints (symmetric padding per axis), or a tuple of {self.rank} tuples of 2 ints",
            )
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axis_pads(self) -> tuple:
        return (self.padding,) if self.rank == 1 else self.padding

    def call(self, inputs: TensorLike) -> Any:
        pads = [0, 0] * (self.rank + 2)
        for axis, (before, after) in zip(_spatial_axes(self.rank, self.data_format), self._axis_pads()):
            pads[2 * axis : 2 * axis + 2] = [before, after]
        return emit(inputs.builder, "pad", [inputs], {"pads": pads})

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class ZeroPadding1D(_ZeroPadding):
    """Zeros at the start and end of the steps axis: padding = int or (start, end)."""

    rank = 1

    def __init__(self, padding: Any = 1, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Zeros around the rows and columns: padding = int, (rows, cols) or ((top, bottom), (left, right))."""

    rank = 2

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Zeros around the three spatial axes: padding = int, 3 ints or 3 (before, after) pairs."""

    rank = 3

    def __init__(self, padding: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(padding, data_format, **kwargs)


class _Cropping(Layer):
    rank = 2

    def __init__(self, cropping: Any, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.cropping: tuple = _pairs(
            cropping,
            self.rank,
            "cropping",
            f"a tuple of {self.rank} ints (symmetric cropping per axis), or a tuple of {self.rank} tuples of 2 ints",
        )
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axis_crops(self) -> tuple:
        return self.cropping

    def call(self, inputs: TensorLike) -> Any:
        key: list = [slice(None)] * (self.rank + 2)
        for axis, (before, after) in zip(_spatial_axes(self.rank, self.data_format), self._axis_crops()):
            size = inputs.shape[axis]
            if size is not None and before + after >= size:
                raise ValueError(
                    "Values in `cropping` argument should be smaller than the corresponding spatial dimension of "
                    f"the input. Received: inputs.shape={tuple(inputs.shape)}, cropping={self.cropping}"
                )
            key[axis] = slice(before, -after if after else None)
        return ops.slice_by_index(inputs, tuple(key))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}


class Cropping1D(_Cropping):
    """Cuts steps off the start and end: cropping = int or (start, end)."""

    rank = 1

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any) -> None:
        Layer.__init__(self, **kwargs)
        self.data_format = "channels_last"
        self.cropping = standardize_tuple(cropping, 2, "cropping", allow_zero=True)
        self.input_spec = InputSpec(ndim=3)

    def _axis_crops(self) -> tuple:
        return (self.cropping,)

    def get_config(self) -> dict[str, Any]:
        return {**Layer.get_config(self), "cropping": self.cropping}


class Cropping2D(_Cropping):
    """Cuts rows and columns off: cropping = int, (rows, cols) or ((top, bottom), (left, right))."""

    rank = 2

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Cuts the three spatial axes: cropping = int, 3 ints or 3 (before, after) pairs."""

    rank = 3

    def __init__(self, cropping: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(cropping, data_format, **kwargs)
