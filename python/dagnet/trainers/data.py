"""Turning what users pass to fit/evaluate/predict into arrays aligned with the model's
inputs and outputs, by position or strictly by name."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import losses as losses_module
from .._typing import TensorLike


def is_batch_iterable(x: TensorLike) -> bool:
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
    raise ValueError(
        f"{what} expects data of shape {shape} (rank {len(shape)}), but received an array of shape {array.shape}."
    )


def _convert(value: TensorLike, dtype: str, shape: tuple, what: str) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype == object:
        raise TypeError(f"{what}: could not convert the data to a numeric array")
    if array.dtype.name != dtype:  # Keras converts each input to its Input's dtype
        array = array.astype(dtype)
    if array.dtype == np.bool_:  # a bool Input (an explicit mask) is float32 0/1 in the engine
        array = array.astype(np.float32)
    array = _fit_rank(array, shape, what)
    for axis, (want, got) in enumerate(zip(shape, array.shape)):
        if axis > 0 and want is not None and want != got:
            raise ValueError(f"{what}: expected shape={shape}, found shape={array.shape}")
    return array


def align(
    data: Any,
    names: list[str],
    specs: list[tuple],
    kind: str,
    struct_keys: list[str] | None = None,
    warned: set | None = None,
) -> list[np.ndarray]:
    """Arrays for each of `names` (with (shape, dtype) `specs`), from an array, list or dict."""
    if data is None:
        raise ValueError(f"No {kind} data: expected arrays for {names}, received None.")
    n = len(names)
    if isinstance(data, dict):
        keys = struct_keys or names
        missing = [k for k, name in zip(keys, names) if k not in data and name not in data]
        if missing:
            raise ValueError(
                f"Missing data for {kind} {missing}. Expected the keys {list(keys)}; received keys {list(data)}."
            )
        extra = [k for k in data if k not in keys and k not in names]
        if extra and (warned is None or kind not in warned):
            warnings.warn(
                f"Ignoring {kind} data for unknown keys {extra}; the model's {kind}s are {list(keys)}.", stacklevel=4
            )
            if warned is not None:
                warned.add(kind)
        values = [data[k] if k in data else data[name] for k, name in zip(keys, names)]
    elif isinstance(data, (list, tuple)):
        if n == 1 and not (len(data) == 1 and hasattr(data[0], "__len__")) and np.asarray(data[0]).ndim == 0:
            values = [data]
        elif len(data) != n:
            # A list of arrays is one array per input (Keras refuses a count that does not match);
            # a list of plain numbers or lists is one input's data.
            if n == 1 and not all(isinstance(v, np.ndarray) for v in data):
                values = [data]
            else:
                raise ValueError(f"The model has {n} {kind}s ({names}) but received a list of {len(data)} arrays.")
        else:
            values = list(data)
    else:
        if n != 1:
            raise ValueError(
                f"The model has {n} {kind}s ({names}); pass a list or a dict of arrays, not a single array."
            )
        values = [data]
    return [
        _convert(v, dtype, shape, f"{kind.capitalize()} '{name}'")
        for v, name, (shape, dtype) in zip(values, names, specs)
    ]


def check_cardinality(x: list, y: list | None, sample_weight: list | None = None) -> int:
    sizes_x = [len(a) for a in x]
    sizes_y = [len(a) for a in (y or [])]
    sizes_w = [len(a) for a in (sample_weight or []) if a is not None]
    if len(set(sizes_x + sizes_y + sizes_w)) > 1:
        message = (
            "Data cardinality is ambiguous. Make sure all arrays contain the same number of samples. "
            f"x sizes: {', '.join(map(str, sizes_x))}; y sizes: {', '.join(map(str, sizes_y))}"
        )
        if sizes_w:
            message += f"; sample_weight sizes: {', '.join(map(str, sizes_w))}"
        raise ValueError(message)
    return sizes_x[0] if sizes_x else (sizes_y[0] if sizes_y else 0)


def take(arrays: list[np.ndarray] | None, index: Any) -> Any:
    if arrays is None:
        return None
    if isinstance(index, slice):
        return [a[index] for a in arrays]
    return [np.take(a, index, axis=0) for a in arrays]


def take_weights(ws: list[np.ndarray | None] | None, index: Any) -> list[np.ndarray | None] | None:
    """`take` for a per-output list of sample weights, where an output may have none."""
    if ws is None:
        return None
    return [None if w is None else (w[index] if isinstance(index, slice) else np.take(w, index, axis=0)) for w in ws]


class ListData(list):
    """Data already aligned with the model's inputs/outputs (a validation split)."""


def list_data(value):
    return None if value is None else ListData(value)


def class_weight_to_sample_weights(y, class_weight):
    """Keras's conversion: the class of each sample is its (rounded) label, or the argmax of a
    one-hot target; classes missing from the dict weigh 1."""
    y = np.asarray(y)
    if y.ndim > 1:
        y = np.argmax(y, axis=-1) if y.shape[-1] != 1 else np.squeeze(y, axis=-1)
    if y.ndim != 1:
        raise ValueError(
            "`class_weight` needs one class per sample (targets of shape (samples,), (samples, 1) or "
            f"one-hot (samples, classes)); received targets of shape {np.shape(y)}"
        )
    labels = np.round(y).astype("int32")
    return np.array([class_weight.get(int(c), 1.0) for c in labels], dtype="float32")


# -- against a compiled model ------------------------------------------------------------
def unpack_x_y_sample_weight(data: Any) -> tuple:
    """Keras's unpacking of a batch: x, (x,), (x, y) or (x, y, sample_weight)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) in (1, 2, 3):
        return tuple(data) + (None,) * (3 - len(data))
    raise ValueError(
        f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, found: {data}"
    )


def align_x(model: Any, x: TensorLike, warned: set | None = None) -> list[np.ndarray]:
    """The model's inputs from `x`, in the flat input order the lowered graph is fed in."""
    graph = model._io_for(x)
    if hasattr(graph, "align"):  # a subclassed model: any structure, flattened as Keras does
        return graph.align(x)
    keys = list(graph._inputs_struct) if isinstance(graph._inputs_struct, dict) else None
    names = keys if keys else graph.input_names
    if keys:
        order = sorted(keys)  # the flat input order of a dict-built model
        specs = [(graph._inputs_struct[k].shape, graph._inputs_struct[k].dtype) for k in keys]
        by_key = dict(zip(keys, align(x, keys, specs, "input", warned=warned)))
        return [by_key[k] for k in order]
    return align(x, names, [(t.shape, t.dtype) for t in graph.inputs], "input", warned=warned)


def align_y(model: Any, y: TensorLike, warned: set | None = None) -> list[np.ndarray] | None:
    """The targets, one per output: shaped like the output (any batch size), or integer labels
    for a sparse categorical crossentropy."""
    if y is None:
        return None
    graph = model._graph_model()
    names = model._output_keys()
    specs = []
    for tensor, loss in zip(
        graph.outputs if not isinstance(graph._outputs_struct, dict) else [graph._outputs_struct[k] for k in names],
        model._compiled.losses,
    ):
        shape, dtype = tensor.shape, "float32"
        if isinstance(loss, losses_module.SparseCategoricalCrossentropy):
            shape, dtype = shape[:-1], "int64"
        elif hasattr(loss, "target_shape"):  # the composed losses: Circle's labels, CTC's sequences, ...
            shape = loss.target_shape(tuple(shape))
        specs.append(((None,) + tuple(shape[1:]), dtype))
    return align(y, names, specs, "target", warned=warned)


def align_batch(model: Any, batch: Any) -> tuple:
    """One batch of a generator (x, (x,), (x, y) or (x, y, sample_weight)), aligned with the model."""
    x, y, sample_weight = unpack_x_y_sample_weight(batch)
    bx, by = align_x(model, x), align_y(model, y)
    bw = align_weights(model, sample_weight, None, by)
    check_cardinality(bx, by, bw)
    return bx, by, bw


def align_weights(model: Any, sample_weight: Any, class_weight: Any, ys: Any) -> list[np.ndarray | None] | None:
    """Keras's sample weights, one float array (or None) per output, shaped like that
    output's per-sample losses; `class_weight` ({class: weight}) becomes sample weights
    from the targets of a single-output model."""
    if class_weight is not None:
        if sample_weight is not None:
            raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
        if ys is None:
            raise ValueError("`class_weight` needs targets `y`")
        if len(ys) != 1:
            raise ValueError("`class_weight` is only supported for Models with a single output.")
        if not isinstance(class_weight, dict):
            raise ValueError(
                f"`class_weight` must be a dict mapping class indices to weights. Received: class_weight={class_weight}"
            )
        sample_weight = class_weight_to_sample_weights(ys[0], class_weight)
    if sample_weight is None:
        return None
    if ys is None:
        raise ValueError("`sample_weight` needs targets `y`")
    names = model._output_keys()
    n = len(names)
    if isinstance(sample_weight, dict):
        unknown = [k for k in sample_weight if k not in names]
        if unknown:
            raise ValueError(
                f"Unknown entries in sample_weight dictionary: {unknown}. Only expected the following keys: {names}"
            )
        per_output = [sample_weight.get(k) for k in names]
    elif isinstance(sample_weight, (list, tuple)) and n > 1:
        if len(sample_weight) != n:
            raise ValueError(
                f"You should provide one `sample_weight` array per output in `y`: the model has "
                f"{n} outputs but received {len(sample_weight)} sample weight arrays."
            )
        per_output = list(sample_weight)
    else:
        if isinstance(sample_weight, (list, tuple)) and len(sample_weight) == 1 and np.ndim(sample_weight[0]) >= 1:
            sample_weight = sample_weight[0]
        array = np.asarray(sample_weight)
        if n > 1 and not (array.ndim == 1 or (array.ndim == 2 and array.shape[1] == 1)):
            raise ValueError(
                "For a model with multiple outputs, when providing a single `sample_weight` array, "
                "it should only have one scalar score per sample (i.e. shape `(num_samples,)`). If "
                "you want to use non-scalar sample weights, pass a `sample_weight` argument with "
                "one array per model output."
            )
        per_output = [array] * n
    graph = model._graph_model()
    outputs = [graph._outputs_struct[k] for k in names] if isinstance(graph._outputs_struct, dict) else graph.outputs
    result: list[np.ndarray | None] = []
    for w, out, y, loss in zip(per_output, outputs, ys, model._compiled.losses):
        if w is None or loss is None:
            result.append(None)
            continue
        rows = len(out.shape) - 1  # per-sample losses have y_pred.shape[:-1]
        w = np.asarray(w)
        if w.dtype == object or w.dtype.kind not in "biuf":
            raise ValueError(f"sample_weight must be numeric, got dtype {w.dtype}")
        if w.ndim == 0:
            raise ValueError("sample_weight must be an array with one weight per sample, not a scalar")
        y_rows = y.shape[:rows] if y.ndim >= rows else y.shape + (1,) * (rows - y.ndim)
        result.append(losses_module.rows_weights(w, y_rows, out.dtype))
    return result if any(w is not None for w in result) else None
