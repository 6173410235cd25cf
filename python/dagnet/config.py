"""Keras 3's `keras.config`: the global settings scripts read and set (floatx, epsilon, image
data format, the debugging caps on epochs and steps, interactive logging, unsafe
deserialization), and dagnet's TF32 switch for CUDA GEMMs.

The caps start from the environment as in Keras: KERAS_MAX_EPOCHS and
KERAS_MAX_STEPS_PER_EPOCH (integers) limit every fit / evaluate / predict of the process,
so a published script can be smoke-run unchanged."""

from __future__ import annotations

import os

from . import _engine
from ._progbar import disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled
from .backend import (
    backend,
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from .serialization.safe_mode import enable_unsafe_deserialization


def _cap_from_environment(name: str) -> int | None:
    value = os.environ.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"The environment variable {name} must be an integer, got {value!r}") from None


_max_epochs = _cap_from_environment("KERAS_MAX_EPOCHS")
_max_steps_per_epoch = _cap_from_environment("KERAS_MAX_STEPS_PER_EPOCH")


def _check_cap(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} expects an integer or None, got {value!r}")
    return value


def set_max_epochs(max_epochs: int | None) -> None:
    """Limits the epochs of every later `fit` to `max_epochs` (None: no limit); a debugging
    switch (also the KERAS_MAX_EPOCHS environment variable)."""
    global _max_epochs
    _max_epochs = _check_cap("set_max_epochs", max_epochs)


def max_epochs() -> int | None:
    """The limit set_max_epochs / KERAS_MAX_EPOCHS put on fit's epochs, or None."""
    return _max_epochs


def set_max_steps_per_epoch(max_steps_per_epoch: int | None) -> None:
    """Limits the steps of every later fit / evaluate / predict epoch (None: no limit); a
    debugging switch (also the KERAS_MAX_STEPS_PER_EPOCH environment variable)."""
    global _max_steps_per_epoch
    _max_steps_per_epoch = _check_cap("set_max_steps_per_epoch", max_steps_per_epoch)


def max_steps_per_epoch() -> int | None:
    """The limit set_max_steps_per_epoch / KERAS_MAX_STEPS_PER_EPOCH put on steps, or None."""
    return _max_steps_per_epoch


# Keras keeps these as global switches; dagnet records them so scripts that set and read
# them behave the same. Tracebacks are never filtered (dagnet's frames are few), and
# attention picks its kernel by device, so neither switch changes what runs.
_traceback_filtering = True
_flash_attention: bool | None = None


def enable_traceback_filtering() -> None:
    """Records that traceback filtering is on (Keras's default)."""
    global _traceback_filtering
    _traceback_filtering = True


def disable_traceback_filtering() -> None:
    """Records that traceback filtering is off."""
    global _traceback_filtering
    _traceback_filtering = False


def is_traceback_filtering_enabled() -> bool:
    """The traceback-filtering switch (True unless disabled)."""
    return _traceback_filtering


def enable_flash_attention() -> None:
    """Lets attention layers choose flash attention where available (Keras: the switch back
    to automatic, None)."""
    global _flash_attention
    _flash_attention = None


def disable_flash_attention() -> None:
    """Records that flash attention is off."""
    global _flash_attention
    _flash_attention = False


def is_flash_attention_enabled() -> bool | None:
    """None (automatic) unless disable_flash_attention was called (False), as in Keras."""
    return _flash_attention


def is_nnx_enabled() -> bool:
    """Flax NNX integration (a JAX-backend feature): never on in dagnet."""
    return False


def enable_tf32(enabled: bool = True) -> None:
    """Lets float32 GEMMs on CUDA devices (Dense, convolutions, LSTMs, attention) use TF32
    tensor cores: several times faster on Ampere and Hopper GPUs, with a relative error
    around 1e-3 instead of float32's 1e-7 (what `tf.config.experimental.
    enable_tensor_float_32_execution` and `torch.backends.cuda.matmul.allow_tf32` switch).
    Off by default, so results on a GPU match the CPU's. No effect on the CPU."""
    if not isinstance(enabled, bool):
        raise TypeError(f"enable_tf32 expects True or False, got {enabled!r}")
    _engine.set_allow_tf32(enabled)


def is_tf32_enabled() -> bool:
    """Whether float32 GEMMs on CUDA devices may use TF32 (see enable_tf32)."""
    return bool(_engine.allow_tf32())


__all__ = [
    "backend",
    "disable_flash_attention",
    "disable_interactive_logging",
    "disable_traceback_filtering",
    "enable_flash_attention",
    "enable_interactive_logging",
    "enable_tf32",
    "enable_traceback_filtering",
    "enable_unsafe_deserialization",
    "epsilon",
    "floatx",
    "image_data_format",
    "is_flash_attention_enabled",
    "is_interactive_logging_enabled",
    "is_nnx_enabled",
    "is_tf32_enabled",
    "is_traceback_filtering_enabled",
    "max_epochs",
    "max_steps_per_epoch",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_max_epochs",
    "set_max_steps_per_epoch",
]
