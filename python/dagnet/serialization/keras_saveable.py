"""KerasSaveable: the base of the objects a config names by class (layers, models and Keras's
raw operations), and the registry that finds dagnet's own such classes by name.

``serialize_keras_object`` writes a KerasSaveable as a {"module", "class_name", "config",
"registered_name"} entry whose module and registered name the object gives;
``deserialize_keras_object`` finds a class by the name in the entry. Each dagnet class
registers itself when it is defined (``__init_subclass__``), so the serialization code
sits below the layers and models in the import graph and never imports them."""

from __future__ import annotations

from typing import Any, ClassVar

_BUILTIN: dict[str, dict[str, type[Any]]] = {"layers": {}, "operations": {}}


class KerasSaveable:
    # The table a config's class name is looked up in: 'layers' (layers and models) or
    # 'operations' (Keras 3's raw operation classes, named by module keras.src.ops.*).
    _config_table: ClassVar[str] = "layers"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("dagnet."):  # user classes go through custom_objects / registration
            _BUILTIN[cls._config_table][cls.__name__] = cls

    def get_config(self) -> dict:
        raise NotImplementedError

    def _config_module_and_name(self) -> tuple[str | None, str | None]:
        """The entry's "module" and "registered_name"."""
        raise NotImplementedError

    def _config_extras(self) -> bool:
        """Whether the entry carries the build and compile configs (raw operations do not)."""
        return True


def builtin_class(table: str, name: str) -> type[Any] | None:
    """dagnet's class that a config names `name` in `table`, or None."""
    return _BUILTIN[table].get(name)


def builtin_names(table: str) -> list[str]:
    return sorted(_BUILTIN[table])


def alias(name: str, cls: type) -> type:
    """`cls` also answers to `name` (Keras's aliases: Convolution2D, MaxPool2D, ...); returns cls."""
    _BUILTIN[cls._config_table][name] = cls  # type: ignore[attr-defined]
    return cls
