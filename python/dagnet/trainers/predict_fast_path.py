"""predict_on_batch's shortcut for the data it saw last: a batch of NumPy arrays that
`data.align_x` would pass through unchanged (same dtype, rank and fixed dims as the
model's inputs) goes straight to the lowered graph that batch's signature selected.
At batch 1 the Python around the native call costs more than the model (an MLP's
predict is ~1 us of kernels), so this check replaces align_x + the signature lookup."""

from __future__ import annotations

from typing import Any

import numpy as np

# Its key in the model's `_runners`, so whatever drops the lowered graphs (compile,
# a device move) drops the shortcut with them.
KEY = ("predict_fast_path", None)


class PredictFastPath:
    def __init__(self, runner: Any, graph_key: Any, arrays: list[np.ndarray], inputs: list[Any]):
        self.runner = runner
        self.graph_key = graph_key
        self.single = len(arrays) == 1
        # Per input: the exact dtype and the dims that are fixed (None: any), axis 0 free.
        self.specs = [(a.dtype, tuple(None if d is None else int(d) for d in t.shape)) for a, t in zip(arrays, inputs)]
        self.order = [i for kind, i in runner.feed_order]

    def arrays_for(self, x: Any) -> list[np.ndarray] | None:
        """The engine's feeds for `x`, or None when x needs the general path."""
        if isinstance(x, np.ndarray):
            if not self.single:
                return None
            arrays = [x]
        elif isinstance(x, (list, tuple)) and len(x) == len(self.specs):
            arrays = list(x)
        else:
            return None
        for a, (dtype, shape) in zip(arrays, self.specs):
            if type(a) is not np.ndarray or a.dtype != dtype or a.ndim != len(shape) or a.ndim == 0:
                return None
            for want, got in zip(shape[1:], a.shape[1:]):
                if want is not None and want != got:
                    return None
        return [arrays[i] for i in self.order]


def remember(model: Any, runner: Any, arrays: list[np.ndarray]) -> None:
    """Keeps the shortcut for a functional model's plain arrays (not a subclassed model's
    traced signature, whose inputs have other structures; not a bool input, which the
    general path converts)."""
    io = model._graph_model()
    inputs = getattr(io, "inputs", None)
    if not hasattr(io, "_outputs_struct") or isinstance(io._inputs_struct, dict) or inputs is None:
        return
    if len(inputs) != len(arrays):
        return
    if any(a.dtype == np.bool_ or a.dtype.name != t.dtype for a, t in zip(arrays, inputs)):
        return
    if any(kind != "x" for kind, _ in runner.feed_order):
        return
    model._runners[KEY] = PredictFastPath(runner, model._graph_identity(), arrays, inputs)
