"""Reading the pickles inside Keras's dataset files without running code from them.

IMDB's and Reuters' ``.npz`` files hold object arrays (pickled lists of word indices) and
the CIFAR batches are pickled dicts of arrays. Unpickling may only rebuild NumPy arrays
and dtypes (and plain Python containers, which need no lookup); any other global a file
names is refused, so a tampered download cannot run code.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from typing import Any

import numpy as np

_ALLOWED_GLOBALS = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
    }
)


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that only resolves NumPy's array-reconstruction globals."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Refusing to deserialize `{module}.{name}` while loading a dataset: only "
            "NumPy arrays may be rebuilt. The file may be corrupted or malicious."
        )


def load_pickle(path: str, encoding: str = "ASCII") -> Any:
    """The object pickled in `path`, through the restricted unpickler."""
    with open(path, "rb") as f:
        return RestrictedUnpickler(f, encoding=encoding).load()


def _read_npy(buffer: io.BytesIO) -> np.ndarray:
    try:
        return np.lib.format.read_array(buffer, allow_pickle=False)
    except ValueError:  # an object array: its payload is a pickle after the .npy header
        buffer.seek(0)
        major, _ = np.lib.format.read_magic(buffer)
        if major == 1:
            np.lib.format.read_array_header_1_0(buffer)
        elif major in (2, 3):
            np.lib.format.read_array_header_2_0(buffer)
        else:
            raise ValueError(f"Unsupported `.npy` file version: {major}.") from None
        return RestrictedUnpickler(buffer).load()


def load_npz(path: str) -> dict[str, np.ndarray]:
    """Every array in an ``.npz`` file by name; object arrays through the restricted unpickler."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    arrays[member[: -len(".npy")]] = _read_npy(io.BytesIO(raw.read()))
    return arrays
