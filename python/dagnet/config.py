"""Keras 3's `keras.config`: global switches (unsafe deserialization), and dagnet's TF32
switch for CUDA GEMMs."""

from . import _engine
from .serialization.safe_mode import enable_unsafe_deserialization


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


__all__ = ["enable_tf32", "enable_unsafe_deserialization", "is_tf32_enabled"]
