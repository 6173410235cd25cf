"""serialize_keras_object / deserialize_keras_object in Keras 3's format:
{"module", "class_name", "config", "registered_name"} for layers, models, initializers,
regularizers; strings for built-in activations; "__keras_tensor__" entries for the
symbolic tensors in a functional model's nodes."""

from __future__ import annotations

import inspect
import types
from typing import Any

import numpy as np

from .. import activations, constraints, initializers, losses, metrics, ops, optimizers, random, regularizers
from ..keras_tensor import KerasTensor
from ..optimizers import schedules
from .keras_saveable import KerasSaveable, builtin_class, builtin_names
from .lambda_bytecode import func_load
from .object_registration import get_registered_object, registered_name_of
from .safe_mode import LAMBDA_REFUSED, in_safe_mode, safe_mode_scope

# Keys recent Keras versions write that dagnet's layers do not use (they describe
# quantisation / LoRA state the engine does not have).
_IGNORED_CONFIG_KEYS = {"quantization_config", "lora_rank", "lora_alpha", "lora_enabled"}


def dtype_policy(dtype: str) -> dict:
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype}, "registered_name": None}


def serialize_keras_object(obj: Any) -> Any:
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    # Non-tensor operands of raw ops (slicing keys, constants), as Keras 3 writes them.
    if isinstance(obj, slice):
        return {
            "class_name": "__slice__",
            "config": {
                "start": serialize_keras_object(obj.start),
                "stop": serialize_keras_object(obj.stop),
                "step": serialize_keras_object(obj.step),
            },
        }
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if type(obj).__module__ == np.__name__:
        if isinstance(obj, np.ndarray) and obj.ndim > 0:
            return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
        return obj.item()
    if isinstance(obj, KerasTensor):
        op, node, tensor = obj._keras_history
        return {
            "class_name": "__keras_tensor__",
            "config": {"shape": list(obj.shape), "dtype": obj.dtype, "keras_history": [op.name, node, tensor]},
        }
    if isinstance(obj, KerasSaveable):  # a layer, model or raw operation
        module, registered = obj._config_module_and_name()
        entry = {
            "module": module,
            "class_name": type(obj).__name__,
            "config": obj.get_config(),
            "registered_name": registered,
        }
        if obj._config_extras():
            _add_build_and_compile_config(obj, entry)
        return entry
    if isinstance(obj, initializers.Initializer):
        return initializers.serialize(obj)
    if isinstance(obj, regularizers.Regularizer):
        return regularizers.serialize(obj)
    module = _public_module(obj)
    if module is not None and hasattr(obj, "get_config"):  # losses, metrics, optimizers, constraints
        registered = registered_name_of(obj)
        return {
            "module": module if not registered else type(obj).__module__,
            "class_name": type(obj).__name__,
            "config": serialize_keras_object(obj.get_config()),
            "registered_name": registered,
        }
    if callable(obj):
        name = activations.serialize(obj)
        return registered_name_of(obj) or name
    raise TypeError(f"Cannot serialize {obj!r} of type {type(obj)}")


def _add_build_and_compile_config(obj: Any, entry: Any) -> None:
    """As Keras 3's get_build_and_compile_config: what get_build_config / get_compile_config
    return, when not None."""
    build_config = obj.get_build_config() if hasattr(obj, "get_build_config") else None
    if build_config is not None:
        entry["build_config"] = serialize_keras_object(build_config)
    compile_config = obj.get_compile_config() if hasattr(obj, "get_compile_config") else None
    if compile_config is not None:
        entry["compile_config"] = serialize_keras_object(compile_config)


_PUBLIC_MODULES = {
    "losses": "keras.losses",
    "metrics": "keras.metrics",
    "optimizers": "keras.optimizers",
    "constraints": "keras.constraints",
    "random": "keras.random",  # SeedGenerator
}


def _public_module(obj):
    """Keras's public module for an object of dagnet.losses / metrics / optimizers / constraints."""
    if isinstance(obj, type) or not hasattr(type(obj), "get_config"):
        return None
    for name, module in (
        ("losses", losses),
        ("metrics", metrics),
        ("optimizers", optimizers),
        ("constraints", constraints),
        ("random", random),
    ):
        for cls in type(obj).__mro__:
            # (dagnet.random is a package: SeedGenerator lives in one of its modules)
            if cls.__module__ == module.__name__ or (module is random and cls.__module__.startswith("dagnet.random.")):
                return _PUBLIC_MODULES[name]
    return None


def _listify(x):
    if isinstance(x, (list, tuple)):
        return [_listify(v) for v in x]
    return x


def deserialize_keras_object(
    config: Any, custom_objects: dict[str, Any] | None = None, safe_mode: bool = True, **kwargs: Any
) -> Any:
    """A layer, model, initializer or regularizer from its config (or a nested structure).

    `safe_mode` (Keras 3): refuse the Python lambdas a config may carry as bytecode. A safe-mode
    state already set (by a loading function's scope or `dagnet.config.enable_unsafe_deserialization()`)
    takes precedence, as in Keras."""
    if kwargs:
        raise TypeError(f"deserialize_keras_object() got unexpected keyword arguments {sorted(kwargs)}")
    state = in_safe_mode()
    safe_mode = bool(state if state is not None else safe_mode)
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    if isinstance(config, list):
        return [deserialize_keras_object(x, custom_objects, safe_mode) for x in config]
    if not isinstance(config, dict):
        raise TypeError(f"Cannot deserialize {config!r}")
    if "class_name" not in config:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode) for k, v in config.items()}
    class_name = config["class_name"]
    if not isinstance(class_name, str):
        raise TypeError(f"A config's class_name must be a string, got {class_name!r}")
    if class_name == "__keras_tensor__":
        raise ValueError("symbolic tensors are resolved by the functional model, not deserialised alone")
    with safe_mode_scope(safe_mode):  # what each from_config below sees (Keras's SafeModeScope)
        try:
            return _from_entry(config, class_name, custom_objects, safe_mode)
        except (KeyError, AttributeError) as exc:
            # A config read from a file may lack entries or hold the wrong kinds of values: say
            # which object's config it was rather than surface the lookup that tripped on it.
            raise ValueError(
                f"Invalid config for '{class_name}': a required entry is missing or malformed ({type(exc).__name__}: "
                f"{exc})"
            ) from exc


def _from_entry(config: dict, class_name: str, custom_objects: dict[str, Any] | None, safe_mode: bool) -> Any:
    if class_name == "__lambda__":
        if safe_mode:
            raise ValueError(LAMBDA_REFUSED)
        inner = config.get("config") or {}
        return func_load(inner.get("value", inner.get("code")), globs={"ops": ops, **(custom_objects or {})})
    special = _special_value(config)
    if special is not _NOT_SPECIAL:
        return special
    inner = config.get("config", {})
    module = config.get("module") or ""
    if not isinstance(module, str):
        raise TypeError(f"A config's module must be a string, got {module!r}")
    return _instantiate(config, class_name, inner, module, custom_objects)


def _instantiate(config: dict, class_name: str, inner: Any, module: str, custom_objects: dict[str, Any] | None) -> Any:
    cls = get_registered_object(config.get("registered_name") or class_name, custom_objects) or get_registered_object(
        class_name, custom_objects
    )
    if module.startswith("keras.src.ops") and (cls is None or not _is_operation_class(cls)):
        return _raw_operation(class_name, inner)
    if cls is None and "initializers" in module:
        return initializers.get(config)
    if cls is None and "regularizers" in module:
        return regularizers.get(config)
    if cls is None and module.endswith("optimizers.schedules"):
        return schedules.deserialize(config)
    if (
        cls is None
        and module.startswith("keras")
        and module.split(".")[-1] in ("losses", "metrics", "optimizers", "constraints", "random")
    ):
        table = {
            "losses": losses,
            "metrics": metrics,
            "optimizers": optimizers,
            "constraints": constraints,
            "random": random,
        }
        source = table[module.split(".")[-1]]
        cls = public_class(source, class_name)
        if cls is None:
            raise ValueError(
                f"Could not locate class '{class_name}' in dagnet.{module.split('.')[-1]}. Full object config: {config}"
            )
        inner = {k: deserialize_keras_object(v, custom_objects) for k, v in inner.items()}
        return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)
    if cls is None:
        cls = builtin_class("layers", class_name)
    if cls is None:
        raise ValueError(
            f"Could not locate class '{class_name}'. Make sure custom classes are decorated with "
            "`@dagnet.saving.register_keras_serializable()` or passed in `custom_objects`. "
            f"Full object config: {config}"
        )
    if hasattr(cls, "from_config"):
        instance = cls.from_config(dict(inner), **_custom_kwarg(cls, custom_objects))
    else:
        instance = cls(**inner)
    # As Keras 3: build from the build config when still unbuilt, compile from the compile config.
    build_config = config.get("build_config")
    if build_config and hasattr(instance, "build_from_config") and not getattr(instance, "built", True):
        instance.build_from_config(build_config)
    compile_config = config.get("compile_config")
    if compile_config and hasattr(instance, "compile_from_config"):
        instance.compile_from_config(compile_config)
    return instance


def public_class(module: Any, name: str) -> type | None:
    """The public class `name` that `module` defines, or None: a config names classes, never
    functions, modules or private attributes (Keras resolves names through its export table)."""
    value = vars(module).get(name) if name.isidentifier() and not name.startswith("_") else None
    return value if isinstance(value, type) and value.__module__.startswith("dagnet.") else None


def public_function(module: Any, name: str) -> Any:
    """The public function `name` that `module` offers (a dagnet.ops function), or None."""
    exported = getattr(module, "__all__", None)
    named = isinstance(name, str) and name.isidentifier() and not name.startswith("_")
    value = vars(module).get(name) if named and (exported is None or name in exported) else None
    ok = callable(value) and not isinstance(value, (type, types.ModuleType))
    return value if ok and getattr(value, "__module__", "").startswith("dagnet.") else None


_NOT_SPECIAL = object()


def _special_value(config: dict) -> Any:
    """The values Keras 3 writes as {"class_name": "__slice__" / "__ellipsis__" / "__numpy__" /
    "__tensor__" / "__bytes__", ...} (raw ops' operands), or _NOT_SPECIAL."""
    class_name, inner = config.get("class_name"), config.get("config") or {}
    if class_name == "__slice__":
        return slice(*(deserialize_keras_object(inner.get(k)) for k in ("start", "stop", "step")))
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name in ("__numpy__", "__tensor__"):
        return np.array(inner["value"], dtype=_numeric_dtype(inner.get("dtype")))
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    return _NOT_SPECIAL


def _numeric_dtype(name: Any) -> np.dtype:
    """A numeric or boolean dtype named by a config: never an object, string or void type, whose
    size a config could make arbitrary (Keras writes only standardized numeric dtypes here)."""
    try:
        dtype = np.dtype(name)
    except TypeError as exc:
        raise ValueError(f"Invalid dtype in a saved array: {name!r}") from exc
    if dtype.kind not in "biufc":
        raise ValueError(f"A saved array must have a numeric dtype, got {name!r}")
    return dtype


def _is_operation_class(cls: Any) -> bool:
    return isinstance(cls, type) and bool(getattr(cls, "_is_raw_operation", False))


def _raw_operation(class_name: str, config: dict) -> Any:
    """A Keras 3 raw op (ops.numpy.Multiply, ops.numpy.Sum, ops.numpy.GetItem, ...) with its
    constructor arguments (axis, keepdims, newshape, ...)."""
    cls = builtin_class("operations", class_name)
    if cls is None or class_name == "Operation":
        supported = [name for name in builtin_names("operations") if name != "Operation"]
        raise ValueError(
            f"The saved model uses the Keras op '{class_name}', which dagnet does not support "
            f"(supported: {', '.join(supported)})"
        )
    return cls.from_config(dict(config))


def _custom_kwarg(cls: Any, custom_objects: dict[str, Any] | None) -> dict[str, Any]:
    try:
        params = inspect.signature(cls.from_config).parameters
    except (TypeError, ValueError):
        return {}
    return {"custom_objects": custom_objects} if "custom_objects" in params else {}


def clean_layer_config(cls: type, config: dict) -> dict:
    """Drops keys Keras writes that dagnet's layers do not take."""
    return {k: v for k, v in config.items() if k not in _IGNORED_CONFIG_KEYS}
