"""Keras 3's auto-config: a layer or model class that does not write get_config is
configured by the arguments its constructor was given, when every one is a plain value
(str, number, bool, None), so `from_config` can call the constructor with them again."""

from __future__ import annotations

import inspect
from typing import Any

from .. import _tree

_AUTO_CONFIG_TYPES = (str, int, float, bool, type(None))
_POSITIONAL_ARGS_ERROR = "positional only or variadic positional arguments"
_GET_CONFIG_EXAMPLE = """
    class CustomLayer(keras.layers.Layer):
        def __init__(self, arg1, arg2, **kwargs):
            super().__init__(**kwargs)
            self.arg1 = arg1
            self.arg2 = arg2

        def get_config(self):
            config = super().get_config()
            config.update({"arg1": self.arg1, "arg2": self.arg2})
            return config"""


def constructor_config(cls: type, args: tuple, kwargs: dict) -> dict | str | None:
    """Keras 3's Operation.__new__: the constructor's arguments (defaults included, `name`
    left out) when every value is a str, number, bool or None; None when some are not, or
    the positional-arguments error when the signature cannot be replayed by keyword."""
    try:
        signature = inspect.signature(cls.__init__)  # type: ignore[misc]  # the class's own constructor
        bound = signature.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None
    params = list(signature.parameters.values())
    if any(p.kind is inspect.Parameter.POSITIONAL_ONLY for p in params[1:]):
        return _POSITIONAL_ARGS_ERROR
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments.pop(params[0].name)
    for p in params[1:]:
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            arguments.update(arguments.pop(p.name, {}))
        elif p.kind is inspect.Parameter.VAR_POSITIONAL and arguments.pop(p.name, ()):
            return _POSITIONAL_ARGS_ERROR
    arguments.pop("name", None)
    if not all(isinstance(v, _AUTO_CONFIG_TYPES) for v in _tree.flatten(list(arguments.values()))):
        return None
    return arguments


def with_constructor_config(layer: Any, config: dict) -> dict:
    """Keras 3's Operation.get_config for a class without get_config: its auto-config, with
    `name` only when the constructor takes it (by name or **kwargs)."""
    auto = layer.__dict__.get("_auto_config")
    if not isinstance(auto, dict):
        what = (
            _POSITIONAL_ARGS_ERROR + " to `__init__()`, which is not supported by the automatic config generation"
            if auto == _POSITIONAL_ARGS_ERROR
            else "non-serializable argument values in `__init__()`"
        )
        raise NotImplementedError(
            f"Object {type(layer).__name__} was created by passing {what}, and therefore the object "
            f"must override `get_config()` in order to be serializable. Please implement `get_config()`."
            f"\n\nExample:\n{_GET_CONFIG_EXAMPLE}"
        )
    config = {**config, **auto}
    params = inspect.signature(type(layer).__init__).parameters
    takes_kwargs = "kwargs" in params and params["kwargs"].kind is inspect.Parameter.VAR_KEYWORD
    if "name" not in params and not takes_kwargs:
        config.pop("name", None)  # it could not be passed back to __init__
    return config
