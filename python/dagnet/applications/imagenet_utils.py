"""``keras.applications.imagenet_utils``: ImageNet preprocessing, prediction decoding and the
input-shape rules every application shares.

The numbers (channel means and deviations, the class-index file and its hash) are Keras 3's,
so a model trained with Keras's preprocessing sees the same inputs here.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np

from .. import activations, backend, ops
from .._get_file import get_file

__all__ = ["decode_predictions", "preprocess_input"]

CLASS_INDEX: dict[str, list[str]] | None = None
CLASS_INDEX_PATH = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

_CAFFE_MEAN = [103.939, 116.779, 123.68]
_TORCH_MEAN = [0.485, 0.456, 0.406]
_TORCH_STD = [0.229, 0.224, 0.225]


def preprocess_input(x: Any, data_format: str | None = None, mode: str = "caffe") -> Any:
    """Preprocesses a batch of images with values in [0, 255].

    mode: "caffe" (RGB to BGR, then subtract the ImageNet channel means, no scaling),
    "tf" (scale to [-1, 1]) or "torch" (scale to [0, 1], then normalise each channel with the
    ImageNet mean and deviation). A float NumPy array is modified in place, as in Keras; a
    symbolic tensor gives a new symbolic tensor.
    """
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode}")
    if data_format is None:
        data_format = backend.image_data_format()
    elif data_format not in {"channels_first", "channels_last"}:
        raise ValueError(
            "Expected data_format to be one of `channels_first` or `channels_last`. "
            f"Received: data_format={data_format}"
        )
    if isinstance(x, np.ndarray):
        return _preprocess_numpy_input(x, data_format, mode)
    return _preprocess_tensor_input(x, data_format, mode)


def _channel_index(ndim: int, data_format: str, channel: int) -> tuple:
    if data_format == "channels_first":
        return (channel,) if ndim == 3 else (slice(None), channel)
    return (Ellipsis, channel)


def _preprocess_numpy_input(x: np.ndarray, data_format: str, mode: str) -> np.ndarray:
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(backend.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    std: list[float] | None
    if mode == "torch":
        x /= 255.0
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        # RGB -> BGR: a reversed view, so the subtraction below writes through to the caller's
        # array exactly as Keras's does.
        if data_format == "channels_first":
            x = x[::-1, ...] if x.ndim == 3 else x[:, ::-1, ...]
        else:
            x = x[..., ::-1]
        mean, std = _CAFFE_MEAN, None
    for c in range(3):
        index = _channel_index(x.ndim, data_format, c)
        x[index] -= mean[c]
        if std is not None:
            x[index] /= std[c]
    return x


def _preprocess_tensor_input(x: Any, data_format: str, mode: str) -> Any:
    ndim = len(x.shape)
    if mode == "tf":
        return x / 127.5 - 1.0
    std: list[float] | None
    if mode == "torch":
        x = x / 255.0
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        if data_format == "channels_first":
            if ndim == 3:
                x = ops.stack([x[i, ...] for i in (2, 1, 0)], axis=0)
            else:
                x = ops.stack([x[:, i, :] for i in (2, 1, 0)], axis=1)
        else:
            x = ops.stack([x[..., i] for i in (2, 1, 0)], axis=-1)
        mean, std = _CAFFE_MEAN, None
    dtype = str(getattr(x, "dtype", "float32"))
    if data_format == "channels_first":
        shape: tuple[int, ...] = (3, 1, 1) if ndim == 3 else (1, 3) + (1,) * (ndim - 2)
    else:
        shape = (1,) * (ndim - 1) + (3,)
    x = x + ops.convert_to_tensor(-np.array(mean).reshape(shape), dtype=dtype)
    if std is not None:
        std_shape = (-1, 1, 1) if data_format == "channels_first" else (3,)
        x = x / ops.convert_to_tensor(np.array(std).reshape(std_shape), dtype=dtype)
    return x


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple]]:
    """The `top` ImageNet classes of each row of `preds` (shape (samples, 1000)), as
    ``(class_name, class_description, score)`` tuples, best first.

    The class names come from Keras's ``imagenet_class_index.json``, downloaded once into
    ``~/.keras/models`` (an ``OSError`` naming that place when it cannot be downloaded)."""
    global CLASS_INDEX
    preds = np.asarray(preds)
    if len(preds.shape) != 2 or preds.shape[1] != 1000:
        raise ValueError(
            "`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape (samples, 1000)). "
            f"Received array with shape: {preds.shape}"
        )
    if CLASS_INDEX is None:
        fpath = get_file(
            "imagenet_class_index.json", CLASS_INDEX_PATH, cache_subdir="models", file_hash=CLASS_INDEX_HASH
        )
        with open(fpath) as f:
            CLASS_INDEX = json.load(f)
    assert CLASS_INDEX is not None
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(CLASS_INDEX[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda item: item[2], reverse=True)
        results.append(result)
    return results


def obtain_input_shape(
    input_shape: Any,
    default_size: int,
    min_size: int,
    data_format: str,
    require_flatten: bool,
    weights: Any = None,
) -> tuple:
    """The model's input shape: `input_shape` validated, or the default one (Keras's rules and
    messages)."""
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        if data_format == "channels_first":
            if input_shape[0] not in {1, 3}:
                warnings.warn(
                    "This model usually expects 1 or 3 input channels. However, it was passed an input_shape "
                    f"with {input_shape[0]} input channels.",
                    stacklevel=3,
                )
            default_shape: tuple = (input_shape[0], default_size, default_size)
        else:
            if input_shape[-1] not in {1, 3}:
                warnings.warn(
                    "This model usually expects 1 or 3 input channels. However, it was passed an input_shape "
                    f"with {input_shape[-1]} input channels.",
                    stacklevel=3,
                )
            default_shape = (default_size, default_size, input_shape[-1])
    elif data_format == "channels_first":
        default_shape = (3, default_size, default_size)
    else:
        default_shape = (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError(
                "When setting `include_top=True` and loading `imagenet` weights, "
                f"`input_shape` should be {default_shape}.  Received: input_shape={input_shape}"
            )
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        channels = input_shape[0] if data_format == "channels_first" else input_shape[-1]
        spatial = input_shape[1:] if data_format == "channels_first" else input_shape[:2]
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}`")
        if any(d is not None and d < min_size for d in spatial):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if data_format == "channels_first" else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(
            f"If `include_top` is True, you should specify a static `input_shape`. Received: input_shape={input_shape}"
        )
    return tuple(input_shape)


def correct_pad(inputs: Any, kernel_size: Any) -> tuple:
    """The ((top, bottom), (left, right)) zero padding that makes a strided 'valid' convolution
    match TensorFlow's 'same' one (so ported weights line up)."""
    img_dim = 2 if backend.image_data_format() == "channels_first" else 1
    input_size = inputs.shape[img_dim : img_dim + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if input_size[0] is None else (1 - input_size[0] % 2, 1 - input_size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation: Any, weights: Any) -> None:
    """Pretrained weights allow only a softmax or no classifier activation (as Keras)."""
    if weights is None:
        return
    activation = activations.get(classifier_activation)
    if activation not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError(
            "Only `None` and `softmax` activations are allowed for the `classifier_activation` argument when "
            "using pretrained weights, with `include_top=True`; Received: "
            f"classifier_activation={activation}"
        )
