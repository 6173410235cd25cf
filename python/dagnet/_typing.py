"""Type aliases of dagnet's public API."""

from __future__ import annotations

from typing import Any

# A tensor as dagnet's functions take it: a symbolic KerasTensor (building a model), a
# GraphTensor (while a layer is traced into a native graph), a Variable, a NumPy array or
# a Python number. One call path serves all of them, so the alias is Any; it says what
# the argument means where a bare Any would not.
TensorLike = Any
