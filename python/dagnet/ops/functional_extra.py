"""keras.ops that apply a Python function over a tensor's leading slices: vectorized_map,
vectorize and associative_scan. Both unroll (as ops.map and ops.scan do), so the mapped axis' length must be
known; each step is ordinary ops, so they run eagerly, symbolically and differentiably."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _tree
from .array_ops import broadcast_to
from .layout_more import flip, unstack
from .order_stats import map as _map
from .shape_ops import stack

__all__ = ["vectorized_map", "vectorize", "associative_scan"]


def vectorized_map(function: Callable[[Any], Any], elements: Any) -> Any:
    """function applied to each slice of elements along axis 0, the results stacked (ops.map)."""
    return _map(function, elements)


def associative_scan(f: Callable[[Any, Any], Any], elems: Any, reverse: bool = False, axis: int = 0) -> Any:
    """Inclusive scan with an associative f along `axis`: out[i] = f(out[i - 1], elems[i])
    (elems a tensor or a structure of tensors of one length; reverse scans from the end)."""
    flat = _tree.flatten(elems)
    if not flat:
        raise ValueError("associative_scan: elems is empty")
    if reverse:
        flat = [flip(x, axis) for x in flat]
    columns = [unstack(x, None, axis) for x in flat]
    lengths = {len(c) for c in columns}
    if len(lengths) != 1:
        raise ValueError(f"associative_scan: every element of elems needs the same length along axis {axis}")
    carry = _tree.pack_sequence_as(elems, [c[0] for c in columns])
    outs = [carry]
    for i in range(1, len(columns[0])):
        carry = f(carry, _tree.pack_sequence_as(elems, [c[i] for c in columns]))
        outs.append(carry)
    stacked = [stack([_tree.flatten(o)[k] for o in outs], axis) for k in range(len(flat))]
    if reverse:
        stacked = [flip(x, axis) for x in stacked]
    return _tree.pack_sequence_as(elems, stacked)


def _core_dims(signature: str) -> tuple[list[list[str]], list[list[str]]]:
    """The core dimensions of a NumPy gufunc signature '(m,n),(n)->(m)'."""
    match = re.fullmatch(r"\s*(.*?)\s*->\s*(.*?)\s*", signature)
    if match is None:
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r}")

    def groups(side: str) -> list[list[str]]:
        return [[d for d in g.replace(" ", "").split(",") if d] for g in re.findall(r"\(([^()]*)\)", side)]

    return groups(match.group(1)), groups(match.group(2))


def vectorize(pyfunc: Callable[..., Any], *, excluded: Any = None, signature: str | None = None) -> Callable[..., Any]:
    """pyfunc lifted over its positional tensor arguments, NumPy's vectorize: the arguments'
    leading (loop) axes broadcast together and pyfunc sees one slice of each at a time (its
    core dimensions, from `signature`, or scalars); results are stacked back. Unrolled over the
    loop axes (their sizes must be known); positions or names in `excluded` pass unchanged."""
    skip = set(excluded or ())
    inputs_core = _core_dims(signature)[0] if signature is not None else None

    @functools.wraps(pyfunc)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        dynamic = [i for i in range(len(args)) if i not in skip]
        cores = inputs_core if inputs_core is not None else [[] for _ in dynamic]
        if len(cores) != len(dynamic):
            raise TypeError(f"vectorize: the signature names {len(cores)} inputs, got {len(dynamic)} arguments")
        tensors = [args[i] for i in dynamic]
        shapes = [tuple(np.shape(t)) if not hasattr(t, "shape") else tuple(t.shape) for t in tensors]
        loops = [s[: len(s) - len(c)] for s, c in zip(shapes, cores)]
        if any(d is None for shape in loops for d in shape):
            raise ValueError(f"vectorize: the loop axes must have known sizes, got shapes {shapes}")
        loop = tuple(np.broadcast_shapes(*loops)) if loops else ()
        tensors = [
            t if loop_shape == loop else broadcast_to(t, loop + shape[len(loop_shape) :])
            for t, shape, loop_shape in zip(tensors, shapes, loops)
        ]

        def call(*slices: Any) -> Any:
            full = list(args)
            for i, value in zip(dynamic, slices):
                full[i] = value
            return pyfunc(*full, **kwargs)

        fn: Callable[..., Any] = call
        for _ in loop:
            fn = functools.partial(lambda f, *xs: _map(lambda row: f(*row), tuple(xs)), fn)
        return fn(*tensors)

    return wrapped
