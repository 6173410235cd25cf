"""Small shape layers of Keras 3: RepeatVector, Permute, Identity, and Masking (which
derives a sequence mask from the data)."""

from __future__ import annotations

from typing import Any

from .. import ops
from .._typing import TensorLike
from .input_spec import InputSpec
from .layer import Layer


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features)."""

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        if n <= 0:
            raise ValueError(f"Argument `n` should be a positive integer. Received: n={n}")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs: TensorLike) -> Any:
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "n": self.n}


class Permute(Layer):
    """Permutes the non-batch axes: dims is a permutation of 1..rank-1."""

    def __init__(self, dims: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be "
                f"consecutive and start from 1. Received dims={dims}"
            )
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs: TensorLike) -> Any:
        return ops.transpose(inputs, (0,) + self.dims)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dims": self.dims}


class Identity(Layer):
    _keras_built_at_init = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: TensorLike) -> Any:
        return inputs


class Masking(Layer):
    """Masks timesteps whose features all equal `mask_value` (their outputs become 0, and
    downstream layers see the mask)."""

    _keras_built_at_init = True

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(mask_value, dict) and mask_value.get("config", None):
            mask_value = mask_value["config"].get("value", mask_value)  # a serialized scalar
        self.mask_value = mask_value
        self.supports_masking = True

    def _keep(self, inputs: TensorLike) -> Any:
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)

    def call(self, inputs: TensorLike) -> Any:
        return ops.where(self._keep(inputs), inputs, 0.0)

    def compute_mask(self, inputs: TensorLike, mask: TensorLike | None = None) -> Any:
        return ops.squeeze(self._keep(inputs), axis=-1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mask_value": self.mask_value}
