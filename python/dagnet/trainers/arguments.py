"""The checks fit / evaluate / predict make on their scalar arguments before touching the data.

Keras 3 lets several bad values through silently (validation_split=2.0 trains on nothing,
-0.5 skips validation, batch_size=0 or steps_per_epoch=0 mean "default", epochs=-1 returns an
empty history, validation_freq=-1 validates every epoch) or fails deep inside its backend
(batch_size=-1: "Invalid value in tensor used for shape: -10"; batch_size=1.5: a TensorFlow
dtype error; validation_freq=0: ZeroDivisionError). dagnet refuses each one up front, naming the
argument, with TypeError for a wrong type and ValueError for a wrong value, in Keras's phrasing
where Keras has one."""

from __future__ import annotations

import numbers
from typing import Any


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def positive_int_or_none(name: str, value: Any) -> None:
    """`value` is None or an integer >= 1 (batch sizes, step counts)."""
    if value is None:
        return
    if not _is_int(value):
        raise TypeError(f"Expected `{name}` to be a positive integer or None. Received: {name}={value!r}")
    if value < 1:
        raise ValueError(f"Expected `{name}` to be a positive integer or None. Received: {name}={value}")


def non_negative_int(name: str, value: Any) -> None:
    if not _is_int(value):
        raise TypeError(f"Expected `{name}` to be a non-negative integer. Received: {name}={value!r}")
    if value < 0:
        raise ValueError(f"Expected `{name}` to be a non-negative integer. Received: {name}={value}")


def check_fit(
    batch_size: Any,
    epochs: Any,
    validation_split: Any,
    initial_epoch: Any,
    steps_per_epoch: Any,
    validation_steps: Any,
    validation_batch_size: Any,
    validation_freq: Any,
) -> None:
    positive_int_or_none("batch_size", batch_size)
    non_negative_int("epochs", epochs)
    non_negative_int("initial_epoch", initial_epoch)
    positive_int_or_none("steps_per_epoch", steps_per_epoch)
    positive_int_or_none("validation_steps", validation_steps)
    positive_int_or_none("validation_batch_size", validation_batch_size)
    if not isinstance(validation_split, numbers.Real) or isinstance(validation_split, bool):
        raise TypeError(f"`validation_split` must be a number between 0 and 1, received: {validation_split!r}")
    if not 0.0 <= float(validation_split) < 1.0:
        # keras.utils.image_dataset_from_directory's wording for the same argument.
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    _check_validation_freq(validation_freq)


def _check_validation_freq(validation_freq: Any) -> None:
    """An epoch interval >= 1, or a container of the (1-based) epochs to validate after."""
    if _is_int(validation_freq):
        if validation_freq < 1:
            raise ValueError(
                f"`validation_freq` must be a positive integer (validate every N epochs) or a list of epochs. "
                f"Received: validation_freq={validation_freq}"
            )
        return
    if isinstance(validation_freq, list):
        if not all(_is_int(epoch) for epoch in validation_freq):
            raise ValueError(
                f"`validation_freq` lists the epochs to validate after, as integers. Received: "
                f"validation_freq={validation_freq}"
            )
        return
    raise ValueError(
        "Expected `validation_freq` to be a list or int. Received: "
        f"validation_freq={validation_freq} of the type {type(validation_freq)}."
    )


def check_evaluate_or_predict(batch_size: Any, steps: Any) -> None:
    positive_int_or_none("batch_size", batch_size)
    positive_int_or_none("steps", steps)
