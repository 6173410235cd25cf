"""ONNX converters of the native ops, one small function each, found by op name in
``CONVERTERS`` (see registry.py for how a new op adds one)."""

from . import elementwise, linear, recurrent, shape, spatial  # noqa: F401  (they register on import)
from .registry import CONVERTERS, Converter, convert_node, converter

__all__ = ["CONVERTERS", "Converter", "convert_node", "converter"]
