"""Reading saved files without letting them choose how much memory is allocated.

A zip member declares its inflated size and an HDF5 dataset its shape and dtype; neither needs
the bytes to be there (deflate inflates ~1000:1, and a dataset whose chunks were never written
reads as its fill value). So every size is checked before anything is inflated or allocated:
a `.keras` archive's members against fixed limits and, for the weights, against what the model
built from the config can hold; each HDF5 dataset against the shape of the variable it fills,
or for optimizer slots, against the shapes of the model's trainable weights."""

from __future__ import annotations

import zipfile
import zlib
from typing import Any

import numpy as np

from .file_format import h5py

MAX_CONFIG_BYTES = 64 * 2**20  # config.json / metadata.json: a config is kilobytes, a big one megabytes
MAX_ASSET_BYTES = 256 * 2**20  # all assets/ files the layers read (a million-token vocabulary is ~10 MB)
MAX_SLOTS_PER_WEIGHT = 3  # Adam(amsgrad=True) and RMSprop(centered=True, momentum>0) keep three
_HDF5_SLACK_BYTES = 16 * 2**20  # headers, groups and names of the weights file, beyond the values
_HDF5_BYTES_PER_VARIABLE = 64 * 2**10
_CHUNK_BYTES = 2**20


def read_member(archive: zipfile.ZipFile, name: str, limit: int, path: str) -> bytes:
    """The bytes of archive member `name`, refused before inflating if it declares more than `limit`;
    inflating stops at the declared size (a member whose stream goes on fails its CRC check)."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ValueError(f"{path!r} is not a valid .keras file: it lacks {name}") from None
    if info.file_size > limit:
        raise ValueError(
            f"{path!r}: the archive member {name} declares {info.file_size} bytes, more than the "
            f"{limit} a model of this size can need; the file is corrupt or crafted"
        )
    # In chunks: ZipFile.read() inflates all the compressed bytes at once and only then cuts to
    # the declared size, so a member that lies about its size would still inflate in full.
    chunks = []
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK_BYTES):
                chunks.append(chunk)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, zlib.error) as exc:
        raise ValueError(f"{path!r} is corrupt: {exc}") from exc
    return b"".join(chunks)


def declared_weights_budget(declared_bytes: int) -> int:
    """What the variables a config declares may take, given a weights file of `declared_bytes`:
    the file holds each value (HDF5 stores them uncompressed), so at most its size, plus slack for
    variables a file need not hold (RNG counters, ...)."""
    return int(declared_bytes) + _HDF5_SLACK_BYTES


def weights_file_limit(model: Any) -> int:
    """The most bytes a weights file for `model` can need: every variable, the optimizer's slots
    for each trainable one, and HDF5's own overhead."""
    variables = list(model.weights)
    total = sum(_nbytes(v.shape, np.dtype(v.dtype)) for v in variables)
    trainable = sum(_nbytes(v.shape, np.dtype(v.dtype)) for v in model.trainable_weights)
    return total + MAX_SLOTS_PER_WEIGHT * trainable + _HDF5_SLACK_BYTES + _HDF5_BYTES_PER_VARIABLE * len(variables)


def read_variable(dataset: Any, shape: tuple, where: str) -> np.ndarray:
    """The values of HDF5 `dataset` for a variable of `shape`, checked before reading."""
    _check_numeric(dataset, where)
    if tuple(dataset.shape) != tuple(shape):
        raise ValueError(f"{where}: the variable has shape {tuple(shape)} but the file holds shape {dataset.shape}")
    return np.asarray(dataset[()])


def read_optimizer_values(datasets: list, model: Any, where: str) -> list:
    """An optimizer's saved variables: a few scalars (iterations, learning rate, ...) and slots
    shaped like the model's trainable weights. Shapes are checked before anything is read, so a
    file can make dagnet allocate at most what the model's optimizer itself would."""
    shapes = {tuple(v.shape) for v in model.trainable_weights}
    # Adafactor's factored moments: a weight's shape without its last, or second last, axis.
    for shape in list(shapes):
        if len(shape) >= 2:
            shapes |= {shape[:-1], shape[:-2] + shape[-1:]}
    limit = MAX_SLOTS_PER_WEIGHT * len(model.trainable_weights) + 3
    if len(datasets) > limit:
        raise ValueError(f"{where}: {len(datasets)} optimizer variables, more than this model's optimizer can have")
    for i, dataset in enumerate(datasets):
        _check_numeric(dataset, f"{where}/{i}")
        if tuple(dataset.shape) not in shapes and int(np.prod(dataset.shape, dtype=np.float64)) > 1:
            raise ValueError(
                f"{where}/{i}: an optimizer variable of shape {dataset.shape}, which matches no trainable "
                "weight of the model (the file is corrupt or from another model)"
            )
    return [np.asarray(dataset[()]) for dataset in datasets]


def read_attribute(obj: Any, name: str, default: Any = None, limit: int = MAX_CONFIG_BYTES) -> Any:
    """HDF5 attribute `name` of `obj` (or `default`), its declared size checked first: h5py makes
    a zero-filled array of the declared shape before reading, whatever the file holds."""
    if name not in obj.attrs:
        return default
    attribute = obj.attrs.get_id(name)
    dtype = attribute.dtype
    count = np.prod(attribute.shape or (), dtype=np.float64)
    if dtype.subdtype is not None:
        count *= np.prod(dtype.subdtype[1], dtype=np.float64)
        dtype = dtype.subdtype[0]
    if count * dtype.itemsize > limit:
        raise ValueError(
            f"The attribute '{name}' declares shape {attribute.shape} of {attribute.dtype}, more than the {limit} "
            "bytes a Keras file's attribute needs; the file is corrupt or crafted"
        )
    return obj.attrs[name]


def _check_numeric(dataset: Any, where: str) -> None:
    if not isinstance(dataset, h5py().Dataset):
        raise ValueError(f"{where}: expected a dataset of values, found {type(dataset).__name__}")
    if dataset.dtype.kind not in "biuf":
        raise ValueError(f"{where}: the values have dtype {dataset.dtype}, not a numeric type")


def _nbytes(shape: tuple, dtype: np.dtype) -> int:
    return int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
