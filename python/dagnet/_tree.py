"""Flatten and rebuild nested structures (tensor, list, tuple, dict) the way Keras does:
dicts flatten in sorted key order, lists and tuples in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._typing import TensorLike


def is_nested(x: TensorLike) -> bool:
    return isinstance(x, (list, tuple, dict))


def flatten(structure: Any) -> list:
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_sequence_as(structure: Any, flat: list) -> Any:
    """Rebuild `structure` with the leaves of `flat`, in flatten order."""
    leaves = iter(flat)

    def build(s):
        if isinstance(s, dict):
            values = {key: build(s[key]) for key in sorted(s)}
            return {key: values[key] for key in s}
        if isinstance(s, tuple) and hasattr(s, "_fields"):
            return type(s)(*[build(item) for item in s])
        if isinstance(s, (list, tuple)):
            return type(s)(build(item) for item in s)
        return next(leaves)

    return build(structure)


def map_structure(fn: Callable[[Any], Any], structure: Any) -> Any:
    return pack_sequence_as(structure, [fn(leaf) for leaf in flatten(structure)])


def is_shape(x: Any) -> bool:
    """A shape: a tuple or list of ints and Nones (a leaf for the *_shape_structure functions)."""
    return isinstance(x, (list, tuple)) and all(d is None or isinstance(d, int) for d in x)


def map_shape_structure(fn: Callable[[Any], Any], structure: Any) -> Any:
    """Keras's map_shape_structure: `fn` on each shape of a structure of shapes."""
    if is_shape(structure):
        return fn(tuple(structure))
    if isinstance(structure, dict):
        return {key: map_shape_structure(fn, value) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_shape_structure(fn, item) for item in structure)
    raise ValueError(f"Not a shape or a structure of shapes: {structure!r}")


def flatten_shapes(structure: Any) -> list[tuple]:
    """The shapes of a structure of shapes."""
    found: list[tuple] = []
    map_shape_structure(found.append, structure)
    return found
