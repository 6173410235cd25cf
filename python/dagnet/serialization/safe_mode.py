"""Safe mode (Keras 3's `safe_mode`): loading a config never rebuilds a Python function from the
bytecode it carries unless the caller opts in with `safe_mode=False` or
`dagnet.config.enable_unsafe_deserialization()`.

The state is Keras's: unset (None) until a deserialization scope or the global switch sets it;
`deserialize_keras_object` lets a set state override its own `safe_mode` argument, and each
class's `from_config` runs inside a scope carrying the effective value, so a Lambda nested
anywhere in a model sees it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

_SAFE_MODE: bool | None = None

# Keras 3's wording (keras.src.saving.serialization_lib and layers.core.lambda_layer).
_OPT_IN = (
    "This carries a potential risk of arbitrary code execution and thus it is disallowed by default. "
    "If you trust the source of the artifact, you can override this error by passing `safe_mode=False` "
    "to the loading function, or calling `dagnet.config.enable_unsafe_deserialization()."
)
LAMBDA_REFUSED = f"Requested the deserialization of a Python lambda. {_OPT_IN}"
LAMBDA_LAYER_REFUSED = (
    f"Requested the deserialization of a `Lambda` layer whose `function` is a Python lambda. {_OPT_IN}"
)


def in_safe_mode() -> bool | None:
    """The safe-mode state in force: True, False, or None when nothing set it."""
    return _SAFE_MODE


def enable_unsafe_deserialization() -> None:
    """Disables safe mode globally, allowing the deserialization of lambdas (Keras 3)."""
    global _SAFE_MODE
    _SAFE_MODE = False


@contextlib.contextmanager
def safe_mode_scope(safe_mode: bool | None = True) -> Iterator[None]:
    """Runs the body with the safe-mode state set to `safe_mode` (Keras's SafeModeScope)."""
    global _SAFE_MODE
    previous = _SAFE_MODE
    _SAFE_MODE = safe_mode
    try:
        yield
    finally:
        _SAFE_MODE = previous


def effective_safe_mode(safe_mode: bool | None) -> bool:
    """What a `from_config(..., safe_mode=None)` enforces: the argument when given, else the state
    in force; unset means safe (Keras's Lambda fails closed outside any scope)."""
    value = safe_mode if safe_mode is not None else _SAFE_MODE
    return value is not False
