"""A `.keras` archive's assets (Keras 3): files a layer writes beside its weights, under
`assets/<its path in the weights tree>/`, such as an adapted lookup layer's vocabulary.txt.
A layer takes part with `_asset_files()` (name -> bytes to save) and reads them back in
its constructor: the model is rebuilt from its config (which calls the layers) before
anything else is read, so load_model first maps each layer's name to its files (building
the model once to learn the paths) and then rebuilds it with those files pending."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from .weights_h5 import saveable_tree

_PENDING: list[dict[str, dict[str, bytes]]] = []
_PROBING: list[bool] = []


def _walk(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    if node.obj is not None:
        yield path, node.obj
    for name, child in node.children.items():
        yield from _walk(child, f"{path}/{name}" if path else name)


def saved_assets(model: Any) -> dict[str, bytes]:
    """Archive member name -> content for every layer with asset files."""
    members = {}
    for path, obj in _walk(saveable_tree(model), ""):
        files = obj._asset_files() if hasattr(obj, "_asset_files") else {}
        for filename, content in files.items():
            members["/".join(p for p in ("assets", path, filename) if p)] = content
    return members


def assets_by_layer_name(model: Any, names: list[str], read: Callable[[str], bytes]) -> dict[str, dict[str, bytes]]:
    """Layer name -> {file name: content}, for the archive's assets/ members (`names`) that
    sit in a layer's own folder; `read` is called for those only, so members no layer owns
    are never inflated."""
    found: dict[str, dict[str, bytes]] = {}
    for path, obj in _walk(saveable_tree(model), ""):
        if not hasattr(obj, "_asset_files"):
            continue
        prefix = "/".join(p for p in ("assets", path) if p) + "/"
        files = {
            name[len(prefix) :]: read(name)
            for name in names
            if name.startswith(prefix) and "/" not in name[len(prefix) :]
        }
        if files:
            found[obj.name] = files
    return found


@contextlib.contextmanager
def probing() -> Iterator[None]:
    """The first build of a model being loaded: layers waiting for assets must not fail."""
    _PROBING.append(True)
    try:
        yield
    finally:
        _PROBING.pop()


def is_probing() -> bool:
    return bool(_PROBING)


@contextlib.contextmanager
def pending(assets: dict[str, dict[str, bytes]]) -> Iterator[None]:
    _PENDING.append(assets)
    try:
        yield
    finally:
        _PENDING.pop()


def pending_for(name: str) -> dict[str, bytes] | None:
    """The asset files waiting for the layer called `name`, if a model is being loaded."""
    return _PENDING[-1].get(name) if _PENDING else None
