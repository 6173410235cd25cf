"""Where models run: ``dagnet.set_device``, ``Model(..., device=...)``, ``model.to(device)``.

The engine's kernels are CPU kernels; a CUDA device shows in ``dagnet.devices()`` only when
the CUDA backend was built and a GPU is present, and even then no op has a CUDA kernel yet,
so asking for one is an error that says so rather than a silent run on the CPU."""

from __future__ import annotations

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
    """The canonical name of `device` if models can run there; a clear error otherwise."""
    name = _normalize(device)
    if name == "cpu":
        return name
    if name not in devices():
        raise ValueError(
            f"Device {device!r} is not available: this dagnet build sees {devices()} (CUDA backend "
            f"{'built' if info()['cuda'] else 'not built'}); use 'cpu'."
        )
    raise RuntimeError(f"Device {device!r} is present, but dagnet's ops have no CUDA kernels yet; use 'cpu'.")


def set_device(device: str) -> None:
    """The default device for models made from now on."""
    global _current
    _current = check_device(device)


def get_device() -> str:
    return _current
