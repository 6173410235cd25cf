"""ONNX converters of the native ops, one small function each, found by op name in
``CONVERTERS`` (see registry.py for how a new op adds one)."""

from . import (  # noqa: F401  (they register on import)
    attention,
    conv_variants,
    elementwise,
    image,
    linear,
    normalization,
    recurrent,
    shape,
    spatial,
)
from .registry import CONVERTERS, Converter, convert_node, converter
from .unsupported import NOT_EXPORTED

__all__ = ["CONVERTERS", "NOT_EXPORTED", "Converter", "convert_node", "converter"]
