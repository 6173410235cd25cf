"""keras.ops.adaptive_average_pool / adaptive_max_pool (Keras 3.15): pool each spatial axis
of length L into n bins, bin i covering [floor(i * L / n), ceil((i + 1) * L / n)) as in Keras
and PyTorch (bins may overlap; n > L repeats inputs). A rectangle's mean (max) is the mean
(max) over one axis of the means (maxes) over the others, so each spatial axis is pooled in
turn: a slice and a reduction per bin, concatenated. These are existing native ops with
their gradients and CPU / CUDA kernels. Spatial sizes must be known, as in Keras."""

from __future__ import annotations

from typing import Any

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, op
from .conv_ops import _data_format as conv_data_format
from .math import max as reduce_max, mean as reduce_mean
from .shape_ops import concatenate, slice_by_index

__all__ = ["adaptive_average_pool", "adaptive_max_pool"]


def adaptive_bins(length: int, output_size: int) -> list[tuple[int, int]]:
    """[(start, end)] of each output position along an axis of `length` inputs."""
    return [(i * length // output_size, -(-(i + 1) * length // output_size)) for i in range(output_size)]


def pool_axes(x: TensorLike, output_size: Any, data_format: str | None, mode: str, where: str) -> Any:
    """Average ('average') or max ('max') adaptive pooling of the traced (batch, *spatial, C)
    or (batch, C, *spatial) `x` to output_size (an int for every spatial axis, or one per axis)."""
    shape = tuple(x.shape)
    rank = len(shape) - 2
    if rank not in (1, 2, 3):
        raise ValueError(f"{where}: expects a 3D, 4D or 5D input (batch, spatial..., channels), got shape {shape}")
    sizes = (output_size,) * rank if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != rank or not all(isinstance(s, int) and s > 0 for s in sizes):
        raise ValueError(f"{where}: output_size {output_size} needs {rank} positive integers for input shape {shape}")
    if data_format is None:  # the configured default, as Keras
        data_format = conv_data_format(None)
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"{where}: data_format must be 'channels_first' or 'channels_last', got {data_format!r}")
    first = 2 if data_format == "channels_first" else 1
    reduce = reduce_mean if mode == "average" else reduce_max
    for axis, n in zip(range(first, first + rank), sizes):
        length = shape[axis]
        if length is None:
            raise ValueError(f"{where}: adaptive pooling needs the spatial sizes when built; input shape {shape}")
        if length == n:
            continue
        pieces = []
        for start, end in adaptive_bins(length, n):
            window = slice_by_index(x, (slice(None),) * axis + (slice(start, end),))
            pieces.append(reduce(window, axis=axis, keepdims=True))
        x = pieces[0] if len(pieces) == 1 else concatenate(pieces, axis=axis)
    return x


@op
def adaptive_average_pool(
    builder: GraphBuilder, inputs: TensorLike, output_size: Any, data_format: str | None = None
) -> Any:
    """Adaptive average pooling of a 3D, 4D or 5D input to `output_size` along its spatial axes."""
    (x,) = as_values(builder, inputs)
    return pool_axes(x, output_size, data_format, "average", "adaptive_average_pool")


@op
def adaptive_max_pool(
    builder: GraphBuilder, inputs: TensorLike, output_size: Any, data_format: str | None = None
) -> Any:
    """Adaptive max pooling of a 3D, 4D or 5D input to `output_size` along its spatial axes."""
    (x,) = as_values(builder, inputs)
    return pool_axes(x, output_size, data_format, "max", "adaptive_max_pool")
