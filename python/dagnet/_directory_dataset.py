"""keras.utils.image_dataset_from_directory, text_dataset_from_directory and split_dataset,
returning dagnet's Dataset (_dataset.py) where Keras returns a tf.data.Dataset. The file
listing, label encodings, splits and seeded shuffling follow Keras 3's dataset_utils; images
are decoded and resized with Pillow (the resampling filters are Pillow's, not tf.image's)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from . import backend
from ._dataset import Dataset
from ._image_utils import _pil_image

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
TEXT_FORMATS = (".txt",)
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")
# tf.image's resize methods as Pillow filters (gaussian and mitchellcubic have none: bicubic is the nearest kind).
_PIL_FILTER = {
    "bilinear": "BILINEAR",
    "nearest": "NEAREST",
    "bicubic": "BICUBIC",
    "area": "BOX",
    "lanczos3": "LANCZOS",
    "lanczos5": "LANCZOS",
    "gaussian": "BICUBIC",
    "mitchellcubic": "BICUBIC",
}


# -- listing (Keras's dataset_utils.index_directory) ---------------------------------------------
def _valid_files(directory: str, follow_links: bool, formats: tuple) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    visited: set[str] = set()
    walked = []
    for root, dirs, files in os.walk(directory, followlinks=follow_links):
        # Following links, a link back to an ancestor would list the same files again at
        # every depth: each real folder is walked once.
        real = os.path.realpath(root)
        if real in visited:
            dirs[:] = []
            continue
        visited.add(real)
        walked.append((root, files))
    for root, files in sorted(walked, key=lambda w: w[0]):
        found.extend((root, f) for f in sorted(files) if f.lower().endswith(formats))
    return found


def index_directory(
    directory: str,
    labels: Any,
    formats: tuple,
    class_names: Any = None,
    shuffle: bool = True,
    seed: int | None = None,
    follow_links: bool = False,
    verbose: bool = True,
) -> tuple[list[str], Any, Any]:
    """(file paths, integer labels or None, class names or None), shuffled with `seed` or sorted."""
    if not os.path.isdir(directory):
        raise ValueError(f"The directory {directory!r} does not exist or is not a directory.")
    if labels == "inferred":
        subdirs = [
            d
            for d in sorted(os.listdir(directory))
            if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")
        ]
        if class_names is not None:
            if not set(class_names).issubset(set(subdirs)):
                raise ValueError(
                    "The `class_names` passed did not match the names of the subdirectories of the target "
                    f"directory. Expected: {subdirs} (or a subset of it), but received: class_names={class_names}"
                )
            subdirs = list(class_names)  # Keep provided order.
    else:
        subdirs = [""]
        if class_names is not None:
            if labels is None:
                raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be specified.")
            raise ValueError(
                "When argument `labels` is specified, argument `class_names` cannot be specified (the "
                "`class_names` will be the sorted list of labels)."
            )
    names: Any = subdirs
    filenames: list[str] = []
    label_list: list[int] = []
    for index, subdir in enumerate(subdirs):
        path = os.path.join(directory, subdir)
        for root, fname in _valid_files(path, follow_links, formats):
            filenames.append(os.path.join(subdir, os.path.relpath(os.path.join(root, fname), path)))
            label_list.append(index)
    out_labels: Any
    if labels == "inferred":
        out_labels = np.array(label_list, dtype="int32")
    elif labels is None:
        out_labels, names = None, None
    else:
        if len(labels) != len(filenames):
            raise ValueError(
                "Expected the lengths of `labels` to match the number of files in the target directory. "
                f"len(labels) is {len(labels)} while we found {len(filenames)} files in directory {directory}."
            )
        out_labels = np.asarray(labels)
        names = [str(label) for label in sorted(set(labels))]
    if verbose:
        if out_labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to {len(names)} classes.")
    paths = [os.path.join(directory, f) for f in filenames]
    if shuffle:  # Keras: one seeded permutation of the paths and, by the same seed, of the labels
        if seed is None:
            seed = np.random.randint(10**6)
        np.random.RandomState(seed).shuffle(paths)
        if out_labels is not None:
            np.random.RandomState(seed).shuffle(out_labels)
    return paths, out_labels, names


def check_validation_split_arg(validation_split: Any, subset: Any, shuffle: bool, seed: Any) -> None:
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide a `seed` argument, to make sure "
            "that there is no overlap between the training and validation subset."
        )


def training_or_validation_split(samples: list, labels: Any, validation_split: Any, subset: Any) -> tuple:
    """The last int(validation_split * n) samples validate, the others train (as Keras)."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - num_val} files for training.")
        return samples[: len(samples) - num_val], None if labels is None else labels[: len(samples) - num_val]
    if subset == "validation":
        print(f"Using {num_val} files for validation.")
        return samples[len(samples) - num_val :], None if labels is None else labels[len(samples) - num_val :]
    raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')


def _check_labels_arguments(labels: Any, label_mode: Any, class_names: Any, what: str) -> None:
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                f"`labels` argument should be a list/tuple of integer labels, of the same size as the number of {what} "
                "files in the target directory. If you wish to infer the labels from the subdirectory names in the "
                'target directory, pass `labels="inferred"`. If you wish to get a dataset that only contains '
                f"{'images' if what == 'image' else 'text samples'} (no labels), pass `labels=None`. "
                f"Received: labels={labels}"
            )
        if class_names:
            raise ValueError(
                f'You can only pass `class_names` if `labels="inferred"`. Received: labels={labels}, and '
                f"class_names={class_names}"
            )
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError(
            '`label_mode` argument must be one of "int", "categorical", "binary", or None. '
            f"Received: label_mode={label_mode}"
        )


def _encode_labels(labels: np.ndarray, label_mode: str, num_classes: int) -> np.ndarray:
    """Keras's label encodings: int32 indices, float32 one-hot rows, float32 (n, 1) for binary."""
    labels = np.asarray(labels).astype("int64")
    if label_mode == "binary":
        return labels.astype("float32").reshape(-1, 1)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels]
    return labels.astype("int32")


def _make_dataset(
    paths: list[str],
    labels: Any,
    label_mode: Any,
    num_classes: int,
    load: Any,
    batch_size: Any,
    shuffle: bool,
    seed: Any,
    buffer_size: int,
    class_names: Any,
) -> Dataset:
    """Samples (content, label) read lazily, shuffled per epoch with `seed`, then batched."""
    encoded = None if label_mode is None else _encode_labels(labels, label_mode, num_classes)

    def samples() -> Any:
        for i, path in enumerate(paths):
            yield load(path) if encoded is None else (load(path), encoded[i])

    dataset = Dataset(samples, len(paths))
    if shuffle:
        dataset = dataset.shuffle(buffer_size, seed=seed)
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    dataset.class_names = class_names  # type: ignore[attr-defined]
    dataset.file_paths = paths  # type: ignore[attr-defined]
    return dataset


def _from_directory(
    directory: str,
    labels: Any,
    label_mode: Any,
    class_names: Any,
    batch_size: Any,
    shuffle: bool,
    seed: Any,
    validation_split: Any,
    subset: Any,
    follow_links: bool,
    verbose: bool,
    formats: tuple,
    load: Any,
    what: str,
) -> Any:
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0
    ):
        raise ValueError(f"Batch size must be greater than zero (or None). Received: batch_size={batch_size!r}")
    if seed is None:
        seed = np.random.randint(10**6)
    paths, labels, class_names = index_directory(
        directory, labels, formats, class_names, shuffle=shuffle, seed=seed, follow_links=follow_links, verbose=verbose
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
            f"Received: class_names={class_names}"
        )
    num_classes = len(class_names) if class_names else 0
    buffer_size = batch_size * 8 if batch_size is not None else 1024
    noun = "images" if what == "image" else "text files"

    def build(subset_name: Any, train: bool) -> Dataset:
        subset_paths, subset_labels = training_or_validation_split(paths, labels, validation_split, subset_name)
        if not subset_paths:
            kind = f"{subset_name} " if subset == "both" else ""
            formats_note = f" Allowed formats: {formats}" if what == "image" else ""
            raise ValueError(f"No {kind}{noun} found in directory {directory}.{formats_note}")
        return _make_dataset(
            subset_paths,
            subset_labels,
            label_mode,
            num_classes,
            load,
            batch_size,
            shuffle and train,
            seed,
            buffer_size,
            class_names,
        )

    if subset == "both":
        return [build("training", True), build("validation", False)]
    return build(subset, True)


# -- images --------------------------------------------------------------------------------------
def _image_loader(
    image_size: tuple[int, int], color_mode: str, interpolation: str, crop: bool, pad: bool, data_format: str
) -> Any:
    image = _pil_image("image_dataset_from_directory")
    resample = getattr(getattr(image, "Resampling", image), _PIL_FILTER[interpolation])
    mode = {"rgb": "RGB", "rgba": "RGBA", "grayscale": "L"}[color_mode]
    target_h, target_w = int(image_size[0]), int(image_size[1])

    def load(path: str) -> np.ndarray:
        with image.open(path) as img:
            array = np.asarray(img.convert(mode), dtype="float32")
        if array.ndim == 2:
            array = array[..., None]
        height, width = array.shape[:2]
        if crop:  # Keras's smart_resize: the largest centred box of the target's aspect ratio
            crop_h = max(min(height, int(width * target_h / target_w)), 1)
            crop_w = max(min(width, int(height * target_w / target_h)), 1)
            top, left = int((height - crop_h) / 2), int((width - crop_w) / 2)
            array = array[top : top + crop_h, left : left + crop_w]
        elif pad:  # zeros around the image up to the target's aspect ratio
            pad_h = max(height, int(width * target_h / target_w))
            pad_w = max(width, int(height * target_w / target_h))
            top, left = (pad_h - height) // 2, (pad_w - width) // 2
            padded = np.zeros((pad_h, pad_w, array.shape[2]), dtype="float32")
            padded[top : top + height, left : left + width] = array
            array = padded
        if array.shape[:2] != (target_h, target_w):  # resize each channel in float, as tf.image does
            array = np.stack(
                [
                    np.asarray(image.fromarray(array[..., c], mode="F").resize((target_w, target_h), resample))
                    for c in range(array.shape[2])
                ],
                axis=-1,
            )
        return np.moveaxis(array, -1, 0) if data_format == "channels_first" else array

    return load


def image_dataset_from_directory(
    directory: str,
    labels: Any = "inferred",
    label_mode: Any = "int",
    class_names: Any = None,
    color_mode: str = "rgb",
    batch_size: int | None = 32,
    image_size: Any = (256, 256),
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    interpolation: str = "bilinear",
    follow_links: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    data_format: str | None = None,
    format: str = "tf",
    verbose: bool = True,
) -> Any:
    """Keras 3's image_dataset_from_directory: batches (float32 images (batch, height, width,
    channels), labels) from one subdirectory per class (a list of two datasets for subset="both")."""
    _check_labels_arguments(labels, label_mode, class_names, "image")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}
    if color_mode not in channels:
        raise ValueError(
            f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. Received: color_mode={color_mode}'
        )
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or not len(image_size) == 2:
        raise ValueError(
            f"Invalid `image_size` value. Expected a tuple of 2 integers. Received: image_size={image_size}"
        )
    interpolation = interpolation.lower()
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            f"Argument `interpolation` should be one of {_INTERPOLATIONS}. Received: interpolation={interpolation}"
        )
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            "Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be set to `True`. Received: "
            f"crop_to_aspect_ratio={crop_to_aspect_ratio}, pad_to_aspect_ratio={pad_to_aspect_ratio}"
        )
    load = _image_loader(
        tuple(image_size),
        color_mode,
        interpolation,
        crop_to_aspect_ratio,
        pad_to_aspect_ratio,
        backend.standardize_data_format(data_format),
    )
    return _from_directory(
        directory,
        labels,
        label_mode,
        class_names,
        batch_size,
        shuffle,
        seed,
        validation_split,
        subset,
        follow_links,
        verbose,
        IMAGE_FORMATS,
        load,
        "image",
    )


# -- text ----------------------------------------------------------------------------------------
def text_dataset_from_directory(
    directory: str,
    labels: Any = "inferred",
    label_mode: Any = "int",
    class_names: Any = None,
    batch_size: int | None = 32,
    max_length: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    follow_links: bool = False,
    format: str = "tf",
    verbose: bool = True,
) -> Any:
    """Keras 3's text_dataset_from_directory: batches (NumPy str arrays, labels) of the .txt
    files, one subdirectory per class; `max_length` keeps the first bytes of each file, as
    tf.strings.substr does (a character cut in two is dropped)."""
    _check_labels_arguments(labels, label_mode, class_names, "text")
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    if labels is None or label_mode is None:
        labels, label_mode = None, None

    def load(path: str) -> np.ndarray:
        with open(path, "rb") as f:
            raw = f.read()
        if max_length is not None:
            raw = raw[:max_length]
        return np.asarray(raw.decode("utf-8", errors="ignore"))

    return _from_directory(
        directory,
        labels,
        label_mode,
        class_names,
        batch_size,
        shuffle,
        seed,
        validation_split,
        subset,
        follow_links,
        verbose,
        TEXT_FORMATS,
        load,
        "text",
    )
