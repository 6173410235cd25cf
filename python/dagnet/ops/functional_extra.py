"""keras.ops that apply a Python function over a tensor's leading slices: vectorized_map and
associative_scan. Both unroll (as ops.map and ops.scan do), so the mapped axis' length must be
known; each step is ordinary ops, so they run eagerly, symbolically and differentiably."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import _tree
from .layout_more import flip, unstack
from .order_stats import map as _map
from .shape_ops import stack

__all__ = ["vectorized_map", "associative_scan"]


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
