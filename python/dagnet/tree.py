"""keras.tree: utilities for nested structures (lists, tuples, namedtuples, dicts) with
Keras 3's conventions: dicts flatten in sorted key order and rebuild in their own order,
None is a leaf, a namedtuple is a structure of its fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._tree import flatten, is_nested, map_shape_structure, pack_sequence_as

__all__ = [
    "MAP_TO_NONE",
    "assert_same_paths",
    "assert_same_structure",
    "flatten",
    "flatten_with_path",
    "is_nested",
    "lists_to_tuples",
    "map_shape_structure",
    "map_structure",
    "map_structure_up_to",
    "pack_sequence_as",
    "traverse",
]


class _MapToNone:
    """What a `traverse` function returns to replace a sub-structure with None."""

    def __repr__(self) -> str:
        return "keras.tree.MAP_TO_NONE"


MAP_TO_NONE = _MapToNone()


def _children(structure: Any) -> list[tuple[Any, Any]]:
    """(key, child) pairs in flatten order."""
    if isinstance(structure, dict):
        return [(key, structure[key]) for key in sorted(structure)]
    return list(enumerate(structure))


def flatten_with_path(structure: Any) -> list[tuple[tuple, Any]]:
    """(path, leaf) pairs; a path is the tuple of keys and indices leading to the leaf."""
    if not is_nested(structure):
        return [((), structure)]
    return [((key, *path), leaf) for key, child in _children(structure) for path, leaf in flatten_with_path(child)]


def _kind(structure: Any) -> str:
    return type(structure).__name__


def _check_same(a: Any, b: Any, check_types: bool) -> None:
    if is_nested(a) != is_nested(b):
        raise ValueError("Structures don't have the same nested structure.")
    if not is_nested(a):
        return
    if check_types and type(a) is not type(b):
        raise ValueError(f"Expected an instance of {_kind(a)}, got {b!r}.")
    if isinstance(a, dict) != isinstance(b, dict):
        raise ValueError("Structures don't have the same nested structure.")
    if isinstance(a, dict) and sorted(a) != sorted(b):
        raise ValueError(f"Dictionary key mismatch; expected keys {sorted(a)}, got {sorted(b)}.")
    if len(a) != len(b):
        raise ValueError(f"{_kind(a)} arity mismatch; expected: {len(a)}, got: {len(b)}; {_kind(a)}: {b!r}.")
    for (_, x), (_, y) in zip(_children(a), _children(b)):
        _check_same(x, y, check_types)


def assert_same_structure(a: Any, b: Any, check_types: bool | None = None) -> None:
    """Raises ValueError unless `a` and `b` nest the same way (and, by default as Keras 3,
    with the same container types)."""
    _check_same(a, b, True if check_types is None else bool(check_types))


def assert_same_paths(a: Any, b: Any) -> None:
    """Raises ValueError unless `a` and `b` have the same leaf paths (container types free)."""
    paths_a = {path for path, _ in flatten_with_path(a)}
    paths_b = {path for path, _ in flatten_with_path(b)}
    if paths_a != paths_b:
        raise ValueError(
            f"`a` and `b` don't have the same paths. Paths only in a: {sorted(paths_a - paths_b, key=str)}; "
            f"only in b: {sorted(paths_b - paths_a, key=str)}."
        )


def map_structure(func: Callable[..., Any], *structures: Any, none_is_leaf: bool = True) -> Any:
    """`func` over the leaves of one or more structures of the same nesting, as the first."""
    if not structures:
        raise TypeError("map_structure() needs at least one structure.")
    first = structures[0]
    for other in structures[1:]:
        _check_same(first, other, check_types=False)
    if not none_is_leaf:
        return pack_sequence_as(
            first,
            [None if leaves[0] is None else func(*leaves) for leaves in zip(*(flatten(s) for s in structures))],
        )
    return pack_sequence_as(first, [func(*leaves) for leaves in zip(*(flatten(s) for s in structures))])


def map_structure_up_to(shallow_structure: Any, func: Callable[..., Any], *structures: Any) -> Any:
    """`func` on the sub-structures of `structures` at the leaves of `shallow_structure`."""

    def up_to(shallow: Any, values: tuple) -> Any:
        if not is_nested(shallow):
            return func(*values)
        for value in values:
            if not is_nested(value) or len(value) != len(shallow):
                raise ValueError(
                    f"The structure {value!r} does not nest like the shallow structure {shallow!r} it is mapped up to."
                )
        keys = [key for key, _ in _children(shallow)]
        mapped = {key: up_to(shallow[key], tuple(v[key] for v in values)) for key in keys}
        if isinstance(shallow, dict):
            return {key: mapped[key] for key in shallow}
        if isinstance(shallow, tuple) and hasattr(shallow, "_fields"):
            return type(shallow)(*[mapped[key] for key in keys])
        return type(shallow)(mapped[key] for key in keys)

    return up_to(shallow_structure, structures)


def lists_to_tuples(structure: Any) -> Any:
    """The structure with every list, at any depth, turned into a tuple."""
    if isinstance(structure, dict):
        return {key: lists_to_tuples(value) for key, value in structure.items()}
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*[lists_to_tuples(item) for item in structure])
    if isinstance(structure, (list, tuple)):
        return tuple(lists_to_tuples(item) for item in structure)
    return structure


def traverse(func: Callable[[Any], Any], structure: Any, top_down: bool = True) -> Any:
    """Applies `func` to every node, leaves and sub-structures alike. Top down, a node for
    which `func` returns None is descended into; any other value replaces the node
    (MAP_TO_NONE: with None). Bottom up, `func` sees each node after its children and
    None keeps the rebuilt node."""

    def rebuild(node: Any, children: list) -> Any:
        if isinstance(node, dict):
            by_key = dict(zip(sorted(node), children))
            return {key: by_key[key] for key in node}
        if isinstance(node, tuple) and hasattr(node, "_fields"):
            return type(node)(*children)
        return type(node)(children)

    def visit(node: Any) -> Any:
        if top_down:
            result = func(node)
            if result is MAP_TO_NONE:
                return None
            if result is not None:
                return result
            return rebuild(node, [visit(child) for _, child in _children(node)]) if is_nested(node) else node
        done = rebuild(node, [visit(child) for _, child in _children(node)]) if is_nested(node) else node
        result = func(done)
        if result is MAP_TO_NONE:
            return None
        return done if result is None else result

    return visit(structure)
