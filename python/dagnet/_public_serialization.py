"""keras.losses / keras.metrics serialize() and deserialize(), shared by dagnet.losses and
dagnet.metrics. It writes what serialization_lib writes for these objects (Keras 3's dict; for
a function, the dict of class_name 'function' naming it) but lives apart from it:
serialization_lib imports losses and metrics, so they cannot import it back without a cycle."""

from __future__ import annotations

from typing import Any

from .serialization.object_registration import get_registered_object, registered_name_of


def serialize(obj: Any, public_module: str) -> Any:
    if obj is None:
        return None
    if not isinstance(obj, type) and hasattr(type(obj), "get_config"):
        registered = registered_name_of(obj)
        return {
            "module": public_module if not registered else type(obj).__module__,
            "class_name": type(obj).__name__,
            "config": obj.get_config(),
            "registered_name": registered,
        }
    if callable(obj):
        name = registered_name_of(obj) or getattr(obj, "__name__", None)
        if name is None or name == "<lambda>":
            return name or repr(obj)
        # Keras 3 writes a function (keras.metrics.categorical_accuracy, a user's) this way
        return {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}
    raise TypeError(f"Cannot serialize {obj!r} of type {type(obj)}")


def deserialize(config: Any, public: dict[str, Any], what: str, custom_objects: dict[str, Any] | None) -> Any:
    """`public`: the module's public names (its __all__) and their objects."""
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects) or public.get(config)
        if found is None:
            raise ValueError(f"Could not interpret {what} identifier: {config}")
        return found
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"Could not interpret {what} identifier: {config}")
    name = config["class_name"]
    if name == "function" and isinstance(config.get("config"), str):
        return deserialize(config["config"], public, what, custom_objects)
    cls = get_registered_object(config.get("registered_name") or name, custom_objects) or public.get(name)
    if not isinstance(cls, type):
        raise ValueError(f"Could not locate {what} class '{name}'. Full object config: {config}")
    inner = config.get("config") or {}
    return cls.from_config(dict(inner)) if hasattr(cls, "from_config") else cls(**inner)
