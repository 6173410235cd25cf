"""InputSpec: the rank (and fixed axes) a layer accepts, checked when it is called, so a
wrong-rank input fails with the layer's name instead of deep inside the engine."""

from __future__ import annotations

from typing import Any

from .. import _tree
from .._typing import TensorLike


class InputSpec:
    def __init__(
        self,
        dtype: Any = None,
        shape: Any = None,
        ndim: Any = None,
        max_ndim: Any = None,
        min_ndim: Any = None,
        axes: Any = None,
        allow_last_axis_squeeze: bool = False,
        name: str | None = None,
    ) -> None:
        self.dtype = dtype
        self.shape = shape
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        self.name = name

    def __repr__(self) -> str:
        parts = [
            f"{k}={v}"
            for k, v in [
                ("ndim", self.ndim),
                ("min_ndim", self.min_ndim),
                ("max_ndim", self.max_ndim),
                ("axes", self.axes or None),
            ]
            if v
        ]
        return f"InputSpec({', '.join(parts)})"


def check_input_spec(layer: Any, inputs: TensorLike) -> None:
    specs = layer.input_spec if isinstance(layer.input_spec, (list, tuple)) else [layer.input_spec]
    flat = _tree.flatten(inputs)
    for index, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None or not hasattr(x, "shape"):
            continue
        shape = x.shape
        where = f'Input {index} of layer "{layer.name}" is incompatible with the layer'
        if spec.ndim is not None and len(shape) != spec.ndim:
            raise ValueError(
                f"{where}: expected ndim={spec.ndim}, found ndim={len(shape)}. Full shape received: {shape}"
            )
        if spec.min_ndim is not None and len(shape) < spec.min_ndim:
            raise ValueError(
                f"{where}: expected min_ndim={spec.min_ndim}, found ndim={len(shape)}. Full shape received: {shape}"
            )
        if spec.max_ndim is not None and len(shape) > spec.max_ndim:
            raise ValueError(
                f"{where}: expected max_ndim={spec.max_ndim}, found ndim={len(shape)}. Full shape received: {shape}"
            )
        for axis, value in spec.axes.items():
            dim = shape[axis] if -len(shape) <= axis < len(shape) else None
            if value is not None and dim is None and getattr(getattr(x, "builder", None), "probe", False):
                # Finding an input's free axes (dagnet._free_dims): an axis the layer's
                # weights fix cannot be left unknown.
                raise ValueError(f"{where}: axis {axis} must be {value}, and is unknown here")
            if value is not None and dim is not None and dim != value:
                raise ValueError(
                    f"{where}: expected axis {axis} of input shape to have value {value}, "
                    f"but received input with shape {shape}"
                )
