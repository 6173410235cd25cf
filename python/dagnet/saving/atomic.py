"""Atomic file writes: write beside the target, then rename over it, so an interrupted
save never destroys the previous file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Any


@contextlib.contextmanager
def atomic_path(path: str) -> Any:
    """Yields a temporary path in the target's directory; renamed onto `path` on success."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".dagnet-", suffix=os.path.basename(path), dir=directory)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
