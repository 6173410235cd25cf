"""``keras.utils`` image helpers: NumPy arrays to and from PIL images, image files.

Pillow is optional (the ``image`` extra); each function says so when it is missing."""

from __future__ import annotations

import io
import pathlib
import warnings
from typing import Any

import numpy as np

_RESAMPLING = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _pil_image(function: str) -> Any:
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(
            f"Could not import PIL.Image. The use of `{function}` requires PIL: pip install pillow"
        ) from error
    return Image


def _data_format(data_format: str | None) -> str:
    data_format = "channels_last" if data_format is None else str(data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f'The `data_format` argument must be one of {{"channels_first", "channels_last"}}. '
            f"Received: data_format={data_format}"
        )
    return data_format


def array_to_img(x: Any, data_format: str | None = None, scale: bool = True, dtype: Any = None) -> Any:
    """A PIL image from a rank-3 array (height, width, channels): 1 channel is grayscale
    ("L", or "I" when values exceed 255), 3 RGB, 4 RGBA. ``scale`` maps [min, max] to [0, 255]."""
    data_format = _data_format(data_format)
    image = _pil_image("array_to_img")
    x = np.array(x, dtype="float32" if dtype is None else dtype)
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x /= peak
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def img_to_array(img: Any, data_format: str | None = None, dtype: Any = None) -> np.ndarray:
    """A rank-3 array from a PIL image (a grayscale image gets a channel axis of 1)."""
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype="float32" if dtype is None else dtype)
    if x.ndim == 2:
        x = x[None] if data_format == "channels_first" else x[:, :, None]
    elif x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def save_img(
    path: Any, x: Any, data_format: str | None = None, file_format: str | None = None, scale: bool = True, **kwargs: Any
) -> None:
    """Writes an array as an image file; the format comes from the file name unless given."""
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(
    path: Any,
    color_mode: str = "rgb",
    target_size: tuple[int, int] | None = None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
) -> Any:
    """A PIL image read from a path or a BytesIO, converted to ``color_mode`` ("grayscale",
    "rgb", "rgba") and resized to ``target_size`` (height, width) if given; with
    ``keep_aspect_ratio`` the largest centred crop of the target's aspect ratio is resized."""
    image = _pil_image("load_img")
    if isinstance(path, io.BytesIO):
        img = image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        with open(path, "rb") as f:
            img = image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode in ("rgb", "rgba"):
        if img.mode != color_mode.upper():
            img = img.convert(color_mode.upper())
    else:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if target_size is None:
        return img
    target = (int(target_size[1]), int(target_size[0]))  # PIL sizes are (width, height)
    if img.size == target:
        return img
    if interpolation not in _RESAMPLING:
        raise ValueError(
            f"Invalid interpolation method {interpolation} specified. Supported methods are {', '.join(_RESAMPLING)}"
        )
    resample = getattr(getattr(image, "Resampling", image), interpolation.upper())
    if not keep_aspect_ratio:
        return img.resize(target, resample)
    width, height = img.size
    crop_height = min(height, (width * target[1]) // target[0])
    crop_width = min(width, (height * target[0]) // target[1])
    left, top = (width - crop_width) // 2, (height - crop_height) // 2
    return img.resize(target, resample, box=(left, top, left + crop_width, top + crop_height))
