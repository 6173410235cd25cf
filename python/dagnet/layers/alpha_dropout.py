"""AlphaDropout (Keras 3): dropout for SELU networks. In training a dropped unit is set to
SELU's negative saturation value alpha' = -alpha * scale, then the result is rescaled by the
affine a * x + b that keeps the inputs' mean and variance. The keep mask comes from the
native dropout op (its second output, 0 or 1), so the layer draws from its seed and step
counter exactly as Dropout does, on every device."""

from __future__ import annotations

from typing import Any

from .. import ops
from .._typing import TensorLike
from .core import Dropout

# SELU's constants, as Keras writes them.
_ALPHA = 1.6732632423543772848170429916717
_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Dropout):
    """Alpha dropout in training (a fresh mask every step, from the layer's seed); identity otherwise."""

    def call(self, inputs: TensorLike, training: bool | None = False) -> Any:
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            # Keras's affine factor ((1 - rate) * ...) ** -0.5 has no value at rate 1.
            raise ValueError(
                f'Layer "{self.name}" (AlphaDropout): rate=1 drops every unit and leaves no finite '
                "rescaling in training; use a rate below 1"
            )
        keep = self._keep_mask(inputs)
        alpha_p = -_ALPHA * _SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        # inputs * keep + alpha_p * (1 - keep), then a * x + b: one affine per mask value.
        x = inputs * keep + (1.0 - keep) * alpha_p
        return x * a + b

    def _keep_mask(self, inputs: TensorLike) -> Any:
        """0/1 of noise_shape (None: the input's shape), broadcastable against the input."""
        b = inputs.builder
        reference = inputs
        if self.noise_shape is not None:
            shape, noise_shape = tuple(inputs.shape), tuple(self.noise_shape)
            if len(noise_shape) != len(shape):
                raise ValueError(
                    f'Layer "{self.name}" (AlphaDropout): noise_shape {tuple(self.noise_shape)} does not match '
                    f"the rank of the input shape {shape}"
                )
            for axis, (dim, size) in enumerate(zip(noise_shape, shape)):
                if dim is None or dim == size:
                    continue
                if dim != 1:
                    raise ValueError(
                        f'Layer "{self.name}" (AlphaDropout): noise_shape {tuple(self.noise_shape)} is '
                        f"incompatible with the input shape {shape} (each entry must be None, 1 or the "
                        "input's size)"
                    )
                reference = ops.max(reference, axis=axis, keepdims=True)
        _, keep = b.node(
            "dropout", [ops.ones_like(reference), b.param(self._rng_state)], {"rate": self.rate, "seed": self._seed}
        )
        return keep
