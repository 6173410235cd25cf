"""A raw op called on symbolic tensors (``x * 2``, ``ops.exp(x)``) becomes a node of this
operation, as Keras 3 records raw operations. Models list them in ``operations`` but not
in ``layers``."""
from __future__ import annotations

from .layer import Layer


class OpLayer(Layer):
    _is_raw_operation = True

    def __init__(self, fn, name=None):
        super().__init__(name=name)
        self._fn = fn
        self.supports_masking = False

    def call(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["function"] = getattr(self._fn, "__name__", "op")
        return config

    @classmethod
    def from_config(cls, config):
        from .. import ops

        name = config.get("function")
        if not hasattr(ops, name or ""):
            raise ValueError(f"Unknown op '{name}' in a saved raw operation")
        return cls(getattr(ops, name), name=config.get("name"))
