"""Turning what users pass to fit/evaluate/predict into arrays aligned with the model's
inputs and outputs, by position or strictly by name."""
from __future__ import annotations

import warnings

import numpy as np


def is_batch_iterable(x) -> bool:
    """A generator, iterator or Sequence-like object yielding (x, y) batches."""
    if x is None or isinstance(x, (np.ndarray, list, tuple, dict, str, bytes)) or np.isscalar(x):
        return False
    return hasattr(x, "__next__") or hasattr(x, "__iter__") or (hasattr(x, "__getitem__") and hasattr(x, "__len__"))


def _fit_rank(array: np.ndarray, shape: tuple, what: str) -> np.ndarray:
    """Keras's rank standardisation: add or drop a trailing axis of size 1."""
    if array.ndim == len(shape):
        return array
    if array.ndim == len(shape) - 1 and shape[-1] == 1:
        return array[..., None]
    if array.ndim == len(shape) + 1 and array.shape[-1] == 1:
        return array[..., 0]
    raise ValueError(f"{what} expects data of shape {shape} (rank {len(shape)}), but received an array of shape "
                     f"{array.shape}.")


def _convert(value, dtype: str, shape: tuple, what: str) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype == object:
        raise TypeError(f"{what}: could not convert the data to a numeric array")
    if array.dtype.name != dtype:  # Keras converts each input to its Input's dtype
        array = array.astype(dtype)
    array = _fit_rank(array, shape, what)
    for axis, (want, got) in enumerate(zip(shape, array.shape)):
        if axis > 0 and want is not None and want != got:
            raise ValueError(f"{what}: expected shape={shape}, found shape={array.shape}")
    return array


def align(data, names: list[str], specs: list[tuple], kind: str, struct_keys: list[str] | None = None,
          warned: set | None = None) -> list[np.ndarray] | None:
    """Arrays for each of `names` (with (shape, dtype) `specs`), from an array, list or dict."""
    if data is None:
        return None
    n = len(names)
    if isinstance(data, dict):
        keys = struct_keys or names
        missing = [k for k, name in zip(keys, names) if k not in data and name not in data]
        if missing:
            raise ValueError(f"Missing data for {kind} {missing}. Expected the keys {list(keys)}; received keys "
                             f"{list(data)}.")
        extra = [k for k in data if k not in keys and k not in names]
        if extra and (warned is None or kind not in warned):
            warnings.warn(f"Ignoring {kind} data for unknown keys {extra}; the model's {kind}s are {list(keys)}.",
                          stacklevel=4)
            if warned is not None:
                warned.add(kind)
        values = [data[k] if k in data else data[name] for k, name in zip(keys, names)]
    elif isinstance(data, (list, tuple)):
        if n == 1 and not (len(data) == 1 and hasattr(data[0], "__len__")) and np.asarray(data[0]).ndim == 0:
            values = [data]
        elif len(data) != n:
            if n == 1:
                values = [data]
            else:
                raise ValueError(f"The model has {n} {kind}s ({names}) but received a list of {len(data)} arrays.")
        else:
            values = list(data)
    else:
        if n != 1:
            raise ValueError(f"The model has {n} {kind}s ({names}); pass a list or a dict of arrays, not a single "
                             "array.")
        values = [data]
    return [_convert(v, dtype, shape, f"{kind.capitalize()} '{name}'") for v, name, (shape, dtype) in
            zip(values, names, specs)]


def check_cardinality(x: list, y: list | None, sample_weight: list | None = None) -> int:
    sizes_x = [len(a) for a in x]
    sizes_y = [len(a) for a in (y or [])]
    sizes_w = [len(a) for a in (sample_weight or []) if a is not None]
    if len(set(sizes_x + sizes_y + sizes_w)) > 1:
        message = ("Data cardinality is ambiguous. Make sure all arrays contain the same number of samples. "
                   f"x sizes: {', '.join(map(str, sizes_x))}; y sizes: {', '.join(map(str, sizes_y))}")
        if sizes_w:
            message += f"; sample_weight sizes: {', '.join(map(str, sizes_w))}"
        raise ValueError(message)
    return sizes_x[0] if sizes_x else (sizes_y[0] if sizes_y else 0)


def take(arrays, index):
    if arrays is None:
        return None
    if isinstance(index, slice):
        return [a[index] for a in arrays]
    return [np.take(a, index, axis=0) for a in arrays]
