"""Registering custom classes and functions so configs can name them (Keras's
`saving.register_keras_serializable` and `custom_objects`)."""

from __future__ import annotations

import contextlib
from typing import Any

_REGISTERED: dict = {}
_SCOPES: list = []


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Any:
    """Class/function decorator: registers `obj` under '<package>>name'."""

    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        if registered in _REGISTERED:
            raise ValueError(f"{registered} has already been registered to {_REGISTERED[registered]}")
        _REGISTERED[registered] = obj
        obj._registered_name = registered
        return obj

    return decorator


def registered_name_of(obj: Any) -> str | None:
    """The name `obj`'s own class was registered under (a subclass does not inherit it)."""
    cls = obj if isinstance(obj, type) else type(obj)
    name = getattr(cls, "_registered_name", None)
    return name if name is not None and _REGISTERED.get(name) is cls else None


@contextlib.contextmanager
def custom_object_scope(custom_objects: dict) -> Any:
    _SCOPES.append(dict(custom_objects or {}))
    try:
        yield
    finally:
        _SCOPES.pop()


def get_registered_object(name: str, custom_objects: dict | None = None) -> Any:
    """Looks a name up in `custom_objects`, the active scopes, then the registry."""
    for table in [custom_objects or {}] + _SCOPES[::-1]:
        if name in table:
            return table[name]
    if name in _REGISTERED:
        return _REGISTERED[name]
    return None


CustomObjectScope = custom_object_scope


def get_registered_name(obj: Any) -> str:
    """The name `obj` is registered under ('package>name'), else its __name__ (Keras 3)."""
    return registered_name_of(obj) or str(getattr(obj, "__name__", type(obj).__name__))


def get_custom_objects() -> dict:
    """The global registry of custom objects (Keras 3: a live dict, by registered name)."""
    return _REGISTERED
