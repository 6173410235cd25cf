"""The public API carries type hints, and the package says so (py.typed).

What counts as public API: every function in the public namespace (``__all__``, else the
names without a leading underscore) of dagnet and of dagnet.layers, models, ops, losses,
metrics, optimizers (and optimizers.schedules), callbacks, saving, activations,
regularizers, initializers, constraints and utils; and every method of a class found
there or on one of its dagnet base classes (public names, plus ``__init__`` and ``__call__``),
properties included. Each parameter but ``self`` / ``cls`` has an annotation, and so
does the return value (not required of ``__init__``). An op's annotations are those of
the lowering function it is made from (its run-time signature stays keras.ops's, without
annotations). mypy (configured in pyproject.toml) checks that the annotations hold."""

import importlib
import inspect
import os

import dagnet

NAMESPACES = [
    "dagnet",
    "dagnet.layers",
    "dagnet.models",
    "dagnet.ops",
    "dagnet.losses",
    "dagnet.metrics",
    "dagnet.optimizers",
    "dagnet.optimizers.schedules",
    "dagnet.callbacks",
    "dagnet.saving",
    "dagnet.activations",
    "dagnet.regularizers",
    "dagnet.initializers",
    "dagnet.constraints",
    "dagnet.utils",
]


def _public_callables():
    seen = set()
    for namespace in NAMESPACES:
        module = importlib.import_module(namespace)
        names = getattr(module, "__all__", [n for n in dir(module) if not n.startswith("_")])
        for name in names:
            obj = getattr(module, name, None)
            if inspect.isclass(obj) and obj.__module__.startswith("dagnet"):
                for cls in obj.__mro__:  # with what dagnet base classes give it (Model: the Trainer)
                    if not cls.__module__.startswith("dagnet"):
                        continue
                    for attr, value in vars(cls).items():
                        if attr.startswith("_") and attr not in ("__init__", "__call__"):
                            continue
                        if isinstance(value, property):
                            value = value.fget
                        elif isinstance(value, (classmethod, staticmethod)):
                            value = value.__func__
                        if inspect.isfunction(value) and id(value) not in seen:
                            seen.add(id(value))
                            yield f"{cls.__module__}.{cls.__qualname__}.{attr}", value
            elif callable(obj) and not inspect.isclass(obj) and not inspect.ismodule(obj):
                fn = getattr(obj, "_lower", obj)  # an op: its lowering function
                if getattr(fn, "__module__", "").startswith("dagnet") and id(fn) not in seen:
                    seen.add(id(fn))
                    yield f"{namespace}.{name}", fn


def _missing(fn):
    signature = inspect.signature(fn)
    missing = [
        p.name
        for p in signature.parameters.values()
        if p.annotation is inspect.Parameter.empty and p.name not in ("self", "cls")
    ]
    if signature.return_annotation is inspect.Signature.empty and fn.__name__ != "__init__":
        missing.append("return")
    return missing


def test_the_public_api_is_annotated():
    found = dict(_public_callables())
    assert len(found) > 400
    assert "dagnet.ops.log_softmax" in found and "dagnet.trainers.trainer.Trainer.fit" in found
    untyped = {name: missing for name, fn in found.items() if (missing := _missing(fn))}
    assert not untyped, "public functions without type hints:\n" + "\n".join(
        f"{name}: {', '.join(missing)}" for name, missing in sorted(untyped.items())
    )


def test_the_package_ships_a_py_typed_marker():
    assert os.path.isfile(os.path.join(os.path.dirname(dagnet.__file__), "py.typed"))
