"""Keras 3's `keras.name_scope`: a context manager whose name prefixes the path of every
weight created inside it ('outer/dense/kernel' for a Dense built in `name_scope("outer")`),
nesting as Keras's does."""

from __future__ import annotations

from typing import Any

from .layers import layer as _layer


class name_scope:  # noqa: N801 (Keras's public name)
    """Opens `name` as a scope for the weight paths of layers built inside it.

    deduplicate: a scope of the same name and the same (non-None) caller as the innermost
    open one is not opened twice (Keras's default). override_parent: the scopes around it are replaced by this path
    ('a/b') while it is open. caller: the object opening it (recorded as the scope's owner)."""

    def __init__(
        self, name: str, caller: Any = None, deduplicate: bool = True, override_parent: str | None = None
    ) -> None:
        if not isinstance(name, str) or "/" in name:
            raise ValueError(
                f"Argument `name` must be a string and cannot contain character `/`. Received: name={name}"
            )
        if override_parent is not None and not isinstance(override_parent, str):
            raise ValueError(f"Argument `override_parent` must be a string path or None. Received: {override_parent!r}")
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = override_parent
        self._saved: list | None = None
        self._pushed = False

    def __enter__(self) -> name_scope:
        scopes = _layer._NAME_SCOPES
        if self.override_parent is not None:
            self._saved = list(scopes)
            scopes[:] = [(part, part) for part in self.override_parent.split("/") if part]
        same = bool(scopes) and self.caller is not None and scopes[-1][0] == self.name and scopes[-1][1] is self.caller
        self._pushed = not (self.deduplicate and same)
        if self._pushed:
            scopes.append((self.name, self.caller if self.caller is not None else self.name))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        scopes = _layer._NAME_SCOPES
        if self._pushed:
            scopes.pop()
        if self._saved is not None:
            scopes[:] = self._saved
            self._saved = None


__all__ = ["name_scope"]
