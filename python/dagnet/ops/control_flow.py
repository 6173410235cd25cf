"""Control flow and tensor introspection of keras.ops: cond, while_loop, fori_loop, scan,
is_tensor, dtype.

dagnet's graphs have no loop or branch nodes, so on symbolic tensors (a functional model,
a traced layer) control flow is expressed by what the graph can hold: `cond` computes both
branches and selects with `where` (same values as Keras; both branches run), `fori_loop`
and `scan` unroll when their trip count is a Python int. `while_loop` needs its condition's
value at each step, so it runs only on concrete values: on symbolic ones it raises a
TypeError naming the op."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _tree
from .._tracing import GraphTensor
from ..keras_tensor import KerasTensor
from ..variables import Variable
from .layout_more import unstack
from .math import where
from .shape_ops import stack

__all__ = ["cond", "while_loop", "fori_loop", "scan", "is_tensor", "dtype"]


def _symbolic(x: Any) -> bool:
    return any(isinstance(v, (KerasTensor, GraphTensor)) for v in _tree.flatten(x))


def cond(pred: Any, true_fn: Callable[[], Any], false_fn: Callable[[], Any]) -> Any:
    """true_fn() if pred else false_fn(); a symbolic pred selects between both results."""
    if not _symbolic(pred):
        return true_fn() if bool(np.asarray(pred)) else false_fn()
    on_true, on_false = true_fn(), false_fn()
    if _tree.flatten(on_true) and len(_tree.flatten(on_true)) != len(_tree.flatten(on_false)):
        raise ValueError("cond: true_fn and false_fn must return the same structure")
    picked = [where(pred, a, b) for a, b in zip(_tree.flatten(on_true), _tree.flatten(on_false))]
    return _tree.pack_sequence_as(on_true, picked)


def while_loop(
    cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any, maximum_iterations: Any = None
) -> Any:
    """Runs body while cond holds (at most `maximum_iterations` times); concrete values only."""
    if _symbolic(loop_vars):
        raise TypeError(
            "while_loop: a dagnet graph has no loop nodes, so while_loop runs only on concrete "
            "values (NumPy arrays), not on symbolic tensors; use fori_loop or scan with a fixed trip count"
        )
    single = not isinstance(loop_vars, (list, tuple))
    state = (loop_vars,) if single else tuple(loop_vars)
    steps = 0
    while (maximum_iterations is None or steps < int(maximum_iterations)) and bool(np.asarray(cond(*state))):
        out = body(*state)
        state = (out,) if single else tuple(out)
        steps += 1
    return state[0] if single else type(loop_vars)(state) if isinstance(loop_vars, list) else state


def fori_loop(lower: int, upper: int, body_fun: Callable[[int, Any], Any], init_val: Any) -> Any:
    """body_fun(i, val) for i in range(lower, upper), unrolled (bounds must be Python ints)."""
    if _symbolic((lower, upper)):
        raise TypeError("fori_loop: the bounds must be Python ints (a symbolic trip count cannot be unrolled)")
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def scan(
    f: Callable[[Any, Any], Any], init: Any, xs: Any = None, length: Any = None, reverse: bool = False, unroll: Any = 1
) -> Any:
    """(carry, stacked ys) of carry, y = f(carry, x) over xs' leading axis, unrolled."""
    if xs is None:
        if length is None:
            raise ValueError("scan: give xs or length")
        slices = [None] * int(length)
    else:
        flat = _tree.flatten(xs)
        columns = [unstack(x, None, 0) for x in flat]
        slices = [_tree.pack_sequence_as(xs, [c[i] for c in columns]) for i in range(len(columns[0]))]
    order = range(len(slices) - 1, -1, -1) if reverse else range(len(slices))
    carry, ys = init, [None] * len(slices)
    for i in order:
        carry, ys[i] = f(carry, slices[i])
    if not slices or _tree.flatten(ys[0]) == [] and ys[0] is None:
        return carry, None
    first = ys[0]
    stacked = [stack([_tree.flatten(y)[k] for y in ys], 0) for k in range(len(_tree.flatten(first)))]
    return carry, _tree.pack_sequence_as(first, stacked)


def is_tensor(x: Any) -> bool:
    """True for dagnet's tensors (symbolic, traced, variables); False for NumPy arrays."""
    return isinstance(x, (KerasTensor, GraphTensor, Variable))


def dtype(x: Any) -> str:
    """x's dtype as Keras's standard string ('float32', 'int32', ...)."""
    if isinstance(x, (KerasTensor, GraphTensor, Variable)):
        return str(x.dtype)
    return np.asarray(x).dtype.name
