"""Where models run: ``dagnet.devices()``, ``dagnet.set_device``, ``with dagnet.device(...)``,
``Model(..., device=...)`` and ``model.to(device)``.

A model's weights live on its device (``Variable._tensor`` is a device tensor there) and its
training, evaluation and prediction graphs run there, so a training step moves nothing but
the batch in and the fetched logs out; NumPy is met only at the boundary (``get_weights``,
``predict`` results, saving), which copies. An op without a kernel for the device fails when
its graph is planned, naming the op and the device, never running silently on the CPU."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from ._info import devices, info

_current = "cpu"


def _normalize(device: str) -> str:
    name = str(device).strip().lower()
    if name.startswith("/device:"):  # TensorFlow spelling: /device:GPU:0
        name = name[len("/device:") :]
    kind, _, index = name.partition(":")
    if kind == "gpu":
        kind = "cuda"
    if kind not in ("cpu", "cuda") or (index and not index.isdigit()):
        raise ValueError(f"Unknown device {device!r}: use 'cpu', 'cuda' or 'cuda:<index>'")
    if kind == "cpu":
        return "cpu"
    return f"cuda:{int(index or 0)}"


def check_device(device: str) -> str:
    """The canonical name of `device` ('cpu' or 'cuda:<index>') if this build and machine
    have it; a ValueError naming the devices seen otherwise."""
    name = _normalize(device)
    if name == "cpu":
        return name
    seen = devices()
    if name not in seen:
        why = "no GPU or driver found" if info()["cuda"] else "the CUDA backend was not built"
        raise ValueError(f"Device {device!r} is not available: this dagnet build sees {seen} ({why}); use 'cpu'.")
    return name


def set_device(device: str) -> None:
    """The default device for models made from now on."""
    global _current
    _current = check_device(device)


def get_device() -> str:
    return _current


@contextlib.contextmanager
def device(name: str) -> Iterator[str]:
    """``with dagnet.device('cuda'):`` models made inside default to `name`; the previous
    default comes back on exit (contexts nest)."""
    global _current
    previous = _current
    _current = check_device(name)
    try:
        yield _current
    finally:
        _current = previous


def place(variables: Iterable[Any], device: str) -> None:
    """Moves each variable's tensor to `device` (a copy; the old memory is freed when no
    graph uses it). Graphs bound to the old tensors must be rebuilt by the caller."""
    for variable in variables:
        variable._move_to(device)


def tensor_device(tensor: Any) -> str:
    return "cpu" if tensor.device == "cpu" else _normalize(tensor.device)
