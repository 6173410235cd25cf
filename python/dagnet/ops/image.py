"""``keras.ops.image``: resize and affine_transform, with the TensorFlow kernels' numerics
Keras 3 gets on its default backend (half-pixel centres; antialiasing as scale_and_translate
does it; fill modes as ImageProjectiveTransformV3). Each is one native op (``resize``,
``affine_transform``) with CPU and CUDA kernels and a gradient with respect to the images."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, emit, lowering, op
from .shape_ops import cast, expand_dims, reshape, slice_by_index, squeeze, transpose

__all__ = ["resize", "affine_transform", "extract_patches"]

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")
AFFINE_TRANSFORM_INTERPOLATIONS = ("nearest", "bilinear")
AFFINE_TRANSFORM_FILL_MODES = ("constant", "nearest", "wrap", "reflect")


def _data_format(data_format: Any) -> str:
    """None is the default image data format; the native op checks the rest."""
    return "channels_last" if data_format is None else str(data_format).lower()


def _float_images(builder: GraphBuilder, images: TensorLike) -> Any:
    (x,) = as_values(builder, images)
    return x if x.dtype in ("float32", "float64") else lowering(cast)(builder, x, "float32")


def _check_images_rank(images: TensorLike) -> None:
    if len(images.shape) not in (3, 4):
        raise ValueError(
            "Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
            f"Received input with shape: images.shape={tuple(images.shape)}"
        )


def resize_attrs(
    size: Any,
    interpolation: str,
    antialias: bool,
    crop_to_aspect_ratio: bool,
    pad_to_aspect_ratio: bool,
    fill_mode: str,
    fill_value: float,
    data_format: str,
) -> dict[str, Any]:
    """The native resize op's attributes, after Keras 3's argument checks."""
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers. Received: size={size}")
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError(f"`size` must have positive height and width. Received: size={size}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            "Invalid value for argument `interpolation`. Expected of one "
            f"{RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation}"
        )
    if fill_mode != "constant":
        raise ValueError(
            f"Invalid value for argument `fill_mode`. Only `'constant'` is supported. Received: fill_mode={fill_mode}"
        )
    fit = "crop_to_aspect" if crop_to_aspect_ratio else "pad_to_aspect" if pad_to_aspect_ratio else "stretch"
    return {
        "size": [int(size[0]), int(size[1])],
        "interpolation": interpolation,
        "antialias": int(bool(antialias)),
        "fit": fit,
        "fill_value": float(fill_value),
        "data_format": data_format,
    }


def on_batch(builder: GraphBuilder, images: Any, fn: Any) -> Any:
    """fn on a batch of images; a single image (rank 3) goes through as a batch of one."""
    if len(images.shape) == 4:
        return fn(images)
    batched = lowering(expand_dims)(builder, images, 0)
    return lowering(squeeze)(builder, fn(batched), 0)


@op
def resize(
    builder: GraphBuilder,
    images: TensorLike,
    size: Any,
    interpolation: str = "bilinear",
    antialias: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    data_format: str | None = None,
) -> Any:
    """Resizes images (rank 3, or rank 4 batches) to `size` (height, width), as Keras 3's
    ops.image.resize on TensorFlow; integer images come out as float32."""
    x = _float_images(builder, images)
    _check_images_rank(x)
    attrs = resize_attrs(
        size,
        interpolation,
        antialias,
        crop_to_aspect_ratio,
        pad_to_aspect_ratio,
        fill_mode,
        fill_value,
        _data_format(data_format),
    )
    return on_batch(builder, x, lambda batch: emit(builder, "resize", [batch], attrs))


@op
def affine_transform(
    builder: GraphBuilder,
    images: TensorLike,
    transform: TensorLike,
    interpolation: str = "bilinear",
    fill_mode: str = "constant",
    fill_value: float = 0,
    data_format: str | None = None,
) -> Any:
    """Samples each image at its projective transform of the output grid: `transform` is
    [a0, a1, a2, b0, b1, b2, c0, c1] (or one row per image), output pixel (x, y) reading the
    input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1."""
    if interpolation not in AFFINE_TRANSFORM_INTERPOLATIONS:
        raise ValueError(
            "Invalid value for argument `interpolation`. Expected of one "
            f"{AFFINE_TRANSFORM_INTERPOLATIONS}. Received: interpolation={interpolation}"
        )
    if fill_mode not in AFFINE_TRANSFORM_FILL_MODES:
        raise ValueError(
            "Invalid value for argument `fill_mode`. Expected of one "
            f"{AFFINE_TRANSFORM_FILL_MODES}. Received: fill_mode={fill_mode}"
        )
    x = _float_images(builder, images)
    _check_images_rank(x)
    (t,) = as_values(builder, transform)
    if len(t.shape) not in (1, 2):
        raise ValueError(
            "Invalid transform rank: expected rank 1 (single transform) or rank 2 (batch of transforms). "
            f"Received input with shape: transform.shape={tuple(t.shape)}"
        )
    if t.dtype != x.dtype:
        t = lowering(cast)(builder, t, x.dtype)
    if len(t.shape) == 1:
        t = lowering(expand_dims)(builder, t, 0)
    attrs = {
        "interpolation": interpolation,
        "fill_mode": fill_mode,
        "fill_value": float(fill_value),
        "data_format": _data_format(data_format),
    }
    return on_batch(builder, x, lambda batch: emit(builder, "affine_transform", [batch, t], attrs))


def _patch_window(size: Any, strides: Any, dilation_rate: Any, rank: int) -> tuple[list, list, list]:
    def as_list(value: Any, name: str) -> list:
        values = [value] * rank if isinstance(value, int) and not isinstance(value, bool) else list(value)
        if len(values) != rank or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values):
            raise ValueError(f"Invalid `{name}` argument: expected {rank} positive integers. Received: {name}={value}")
        return values

    patch = as_list(size, "size")
    return patch, as_list(strides if strides else size, "strides"), as_list(dilation_rate, "dilation_rate")


@op
def extract_patches(
    builder: GraphBuilder,
    images: TensorLike,
    size: Any,
    strides: Any = None,
    dilation_rate: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
) -> Any:
    """Patches of `size` (2 ints for images, 3 for volumes) taken every `strides` (default:
    `size`) as the last (channels_last) or second (channels_first) axis, each patch flattened
    in (row, column, channel) order, as Keras 3 computes it. Non-overlapping "valid" patches
    are a reshape and a transpose; any other window is a convolution with a one-hot kernel
    (Keras's own formulation), so both have gradients."""
    rank = 3 if not isinstance(size, int) and len(size) == 3 else 2
    if not isinstance(size, int) and len(size) not in (2, 3):
        raise TypeError(f"Invalid `size` argument. Expected an int or a tuple of length 2. Received: size={size}")
    patch, stride, dilation = _patch_window(size, strides, dilation_rate, rank)
    if padding not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same'. Received: padding={padding}")
    if any(s > 1 for s in stride) and any(d > 1 for d in dilation):
        raise ValueError(
            f"`dilation_rate > 1` is not supported with `strides > 1`. Received strides={stride}, "
            f"dilation_rate={dilation}"
        )
    data_format = _data_format(data_format)
    x = _float_images(builder, images)
    if len(x.shape) not in (rank + 1, rank + 2):
        raise ValueError(
            f"extract_patches with a size of {rank} values needs images of rank {rank + 1} or {rank + 2} "
            f"(batched). Received: images.shape={tuple(x.shape)}"
        )
    unbatched = len(x.shape) == rank + 1
    if unbatched:
        x = lowering(expand_dims)(builder, x, 0)
    first = data_format == "channels_first"
    spatial = list(x.shape[2:] if first else x.shape[1:-1])
    channels = int(x.shape[1] if first else x.shape[-1])
    tiles = padding == "valid" and stride == patch and all(d == 1 for d in dilation) and None not in spatial
    if tiles:
        out = _tile_patches(builder, x, patch, spatial, channels, first)
    else:
        depth = int(np.prod(patch)) * channels
        kernel = np.eye(depth, dtype=x.dtype).reshape(*patch, channels, depth)
        attrs: dict[str, Any] = {"strides": stride, "dilation": dilation, "padding": padding}
        attrs |= {"data_format": data_format, "activation": "linear", "groups": 1}
        out = emit(builder, f"conv{rank}d", [x, builder.constant(kernel)], attrs)
    return lowering(squeeze)(builder, out, 0) if unbatched else out


def _tile_patches(builder: GraphBuilder, x: Any, patch: list, spatial: list, channels: int, first: bool) -> Any:
    """Non-overlapping patches: crop to whole tiles, split each spatial axis into (tiles,
    within), move the within-axes beside the channels, and merge them."""
    counts = [int(s) // p for s, p in zip(spatial, patch)]
    crop = tuple(slice(0, n * p) for n, p in zip(counts, patch))
    if any(n * p != s for n, p, s in zip(counts, patch, spatial)):
        x = lowering(slice_by_index)(builder, x, (slice(None), slice(None), *crop) if first else (slice(None), *crop))
    rank = len(patch)
    split = [v for n, p in zip(counts, patch) for v in (n, p)]
    tile_axes = [1 + 2 * k for k in range(rank)]  # in (batch, n1, p1, n2, p2, ..., C)
    within_axes = [2 + 2 * k for k in range(rank)]
    depth = int(np.prod(patch)) * channels
    if first:  # (batch, C, n1, p1, ...) -> (batch, p1, p2, .., C, n1, n2, ..)
        x = lowering(reshape)(builder, x, [-1, channels, *split])
        perm = [0, *[a + 1 for a in within_axes], 1, *[a + 1 for a in tile_axes]]
        x = lowering(transpose)(builder, x, perm)
        return lowering(reshape)(builder, x, [-1, depth, *counts])
    x = lowering(reshape)(builder, x, [-1, *split, channels])
    perm = [0, *tile_axes, *within_axes, 2 * rank + 1]
    x = lowering(transpose)(builder, x, perm)
    return lowering(reshape)(builder, x, [-1, *counts, depth])
