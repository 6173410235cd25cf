"""Regularization layers of Keras 3 beyond Dropout: GaussianNoise, GaussianDropout,
SpatialDropout1D/2D/3D and ActivityRegularization. The noise layers act only in training
and draw from the engine's counter-based RNG (a seed per layer, a counter the native step
advances), so each step gets fresh noise and runs are reproducible with a seed."""

from __future__ import annotations

import math
from typing import Any

from .. import backend, regularizers
from .._typing import TensorLike
from .core import Dropout
from .input_spec import InputSpec
from .layer import Layer
from .seeded_layer import SeededLayer


class _NoiseLayer(SeededLayer):
    """A layer drawing normal noise in training from its seed and native draw counter."""

    _keras_built_at_init = True
    seed: int | None = None

    def _noise(self, like: TensorLike, mean: float, stddev: float) -> Any:
        b = like.builder
        (counter,) = b.node("rng_draw", [b.param(self._rng_state)])
        (noise,) = b.node("random_normal", [counter, like], {"mean": mean, "stddev": stddev, "seed": self._seed})
        return noise


class GaussianNoise(_NoiseLayer):
    """inputs + N(0, stddev) noise in training; identity otherwise."""

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= stddev <= 1:
            raise ValueError(
                "Invalid value received for argument `stddev`. Expected a float value between 0 and 1. "
                f"Received: stddev={stddev}"
            )
        self.stddev = stddev
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs: TensorLike, training: bool | None = False) -> Any:
        if training and self.stddev > 0:
            return inputs + self._noise(inputs, 0.0, float(self.stddev))
        return inputs

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_NoiseLayer):
    """inputs * N(1, sqrt(rate / (1 - rate))) noise in training; identity otherwise."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(
                "Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                f"Received: rate={rate}"
            )
        self.rate = rate
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs: TensorLike, training: bool | None = False) -> Any:
        if training and self.rate > 0:
            return inputs * self._noise(inputs, 1.0, math.sqrt(self.rate / (1.0 - self.rate)))
        return inputs

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: one keep decision per (sample, channel)."""

    _rank = 0

    def __init__(self, rate: float, seed: int | None = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _noise_shape_for(self, shape: tuple) -> tuple:
        spatial = (1,) * self._rank
        if getattr(self, "data_format", "channels_last") == "channels_first":
            return (shape[0], shape[1]) + spatial
        return (shape[0],) + spatial + (shape[-1],)

    def call(self, inputs: TensorLike, training: bool | None = False) -> Any:
        self.noise_shape = self._noise_shape_for(tuple(inputs.shape))
        return super().call(inputs, training=training)

    def get_config(self) -> dict[str, Any]:
        # Keras 3 writes exactly these keys for the spatial dropouts (no `trainable`, no noise_shape).
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


class SpatialDropout1D(_SpatialDropout):
    _rank = 1


class SpatialDropout2D(_SpatialDropout):
    _rank = 2

    def __init__(
        self,
        rate: float,
        data_format: str | None = None,
        seed: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = backend.standardize_data_format(data_format)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


class SpatialDropout3D(SpatialDropout2D):
    _rank = 3


class ActivityRegularization(Layer):
    """Identity that adds l1 * sum(|x|) + l2 * sum(x^2) (over the batch size) to the loss."""

    _keras_built_at_init = True

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2

    def call(self, inputs: TensorLike) -> Any:
        return inputs

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
