"""Keras 3's `keras.config`: global switches (here: the one for unsafe deserialization)."""

from .serialization.safe_mode import enable_unsafe_deserialization

__all__ = ["enable_unsafe_deserialization"]
