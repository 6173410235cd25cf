"""Python operators on dagnet's tensors (symbolic KerasTensors, traced GraphTensors and
Variables): ``+ - * / @ **``, comparisons (``!=`` elementwise, ``==`` identity, as Keras's
KerasTensor), ``-x``, ``abs(x)``, ``round(x)`` and ``x[key]``. Each calls the keras.ops
function of the same meaning. The tensor classes sit below ``dagnet.ops`` in the import
graph, so the op modules register those functions here as they define them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_FUNCTIONS: dict[str, Callable[..., Any]] = {}


def register_operator_functions(**functions: Callable[..., Any]) -> None:
    """Called by the dagnet.ops modules with the functions they define (add=..., ...)."""
    _FUNCTIONS.update(functions)


def _call(name: str, *args: Any) -> Any:
    try:
        function = _FUNCTIONS[name]
    except KeyError:
        raise RuntimeError(
            f"The tensor operator needs dagnet.ops.{name}, which is not registered yet: "
            "import dagnet (not only its tensor modules) first."
        ) from None
    return function(*args)


class TensorOperators:
    """Mixed into the tensor classes."""

    __slots__ = ()
    __hash__ = object.__hash__  # tensors are dict keys by identity (`!=` is elementwise)

    def __add__(self, other: Any) -> Any:
        return _call("add", self, other)

    def __radd__(self, other: Any) -> Any:
        return _call("add", other, self)

    def __sub__(self, other: Any) -> Any:
        return _call("subtract", self, other)

    def __rsub__(self, other: Any) -> Any:
        return _call("subtract", other, self)

    def __mul__(self, other: Any) -> Any:
        return _call("multiply", self, other)

    def __rmul__(self, other: Any) -> Any:
        return _call("multiply", other, self)

    def __truediv__(self, other: Any) -> Any:
        return _call("true_divide", self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return _call("true_divide", other, self)

    def __matmul__(self, other: Any) -> Any:
        return _call("matmul", self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return _call("matmul", other, self)

    def __pow__(self, other: Any) -> Any:
        return _call("power", self, other)

    def __rpow__(self, other: Any) -> Any:
        return _call("power", other, self)

    def __lt__(self, other: Any) -> Any:
        return _call("less", self, other)

    def __le__(self, other: Any) -> Any:
        return _call("less_equal", self, other)

    def __gt__(self, other: Any) -> Any:
        return _call("greater", self, other)

    def __ge__(self, other: Any) -> Any:
        return _call("greater_equal", self, other)

    def __ne__(self, other: Any) -> Any:
        return _call("not_equal", self, other)

    def __neg__(self) -> Any:
        return _call("negative", self)

    def __abs__(self) -> Any:
        return _call("absolute", self)

    def __round__(self, ndigits: int | None = None) -> Any:
        return _call("round", self, ndigits or 0)

    def __getitem__(self, key: Any) -> Any:
        return _call("slice_by_index", self, key)
