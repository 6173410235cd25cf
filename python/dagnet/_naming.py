"""Keras's automatic names: snake_case of the class name, then _1, _2, ... per session."""

from __future__ import annotations

import collections
import re
from typing import Any

_counts: collections.Counter = collections.Counter()


def to_snake_case(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def uniquify(base: str) -> str:
    """'dense', then 'dense_1', 'dense_2', ... (the first use is bare, as in Keras 3)."""
    count = _counts[base]
    _counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def auto_name(obj_or_class_name: Any) -> str:
    name = obj_or_class_name if isinstance(obj_or_class_name, str) else type(obj_or_class_name).__name__
    return uniquify(to_snake_case(name))


def reset() -> None:
    """Forget every name handed out (keras.backend.clear_session)."""
    _counts.clear()
