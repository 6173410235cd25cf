"""engine.kernel_devices: which device types have a kernel for an op."""

import pytest

from dagnet import _engine
from dagnet.engine import kernel_devices, op_names


def test_every_op_has_a_cpu_kernel():
    for op in op_names():
        devices = kernel_devices(op)
        assert devices[0] == "cpu", (op, devices)
        assert set(devices) <= {"cpu", "cuda"}, (op, devices)


def test_cuda_kernels_exactly_in_a_cuda_build():
    # pad and dense have CUDA kernels; a build without CUDA registers none at all.
    cuda = bool(_engine.info()["cuda"])
    assert ("cuda" in kernel_devices("pad")) == cuda
    assert ("cuda" in kernel_devices("dense")) == cuda
    if not cuda:
        assert all(kernel_devices(op) == ["cpu"] for op in op_names())


def test_unknown_op_is_a_clear_error():
    with pytest.raises(ValueError, match="no_such_op"):
        kernel_devices("no_such_op")
