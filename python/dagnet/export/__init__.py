"""``Model.export``: inference artifacts, in Keras 3's spelling.

``format="onnx"`` writes an ONNX model (onnx_export.py; needs ``pip install
"dagnet[onnx]"``); ``format="dgn"`` writes dagnet's native program file, as
``model.export_native``. Keras's other formats need TensorFlow, OpenVINO or PyTorch and
are refused by name."""

from __future__ import annotations

import os
from typing import Any

from ..saving.native_export import export_native
from .onnx_export import DEFAULT_OPSET, build_onnx_model, export_onnx

KERAS_FORMATS = ("tf_saved_model", "onnx", "openvino", "litert", "torch")
FORMATS = KERAS_FORMATS + ("dgn",)
_NEEDS = {"tf_saved_model": "TensorFlow", "litert": "TensorFlow Lite", "openvino": "OpenVINO", "torch": "PyTorch"}

__all__ = ["export_model", "export_onnx", "build_onnx_model", "DEFAULT_OPSET", "FORMATS"]


def export_model(
    model: Any,
    filepath: str | os.PathLike[str],
    format: str = "tf_saved_model",
    verbose: bool | None = None,
    input_signature: Any = None,
    **kwargs: Any,
) -> None:
    """Dispatches ``model.export`` by format (see the module docstring)."""
    if format not in FORMATS:
        raise ValueError(f"Unrecognized format={format}. Supported formats are: {list(FORMATS)}.")
    if format == "onnx":
        unknown = set(kwargs) - {"opset_version"}
        if unknown:
            raise ValueError(f"export(format='onnx') got unexpected keyword arguments: {sorted(unknown)}")
        export_onnx(model, filepath, verbose, input_signature=input_signature, **kwargs)
    elif format == "dgn":
        if input_signature is not None or kwargs:
            raise ValueError("export(format='dgn') takes no input_signature or other options")
        export_native(model, filepath)
        if verbose:
            print(f"Saved artifact at '{os.fspath(filepath)}'.")
    else:
        raise ValueError(
            f"export(format='{format}') needs {_NEEDS[format]}, which dagnet does not use: use format='onnx' "
            "(any ONNX runtime) or format='dgn' (dagnet's native runner)."
        )
