"""The .dgn program reader and the tensor-file reader trust no count or size in a file:
each is checked against the bytes left before anything is allocated, so a few crafted
bytes give a clear error, not a multi-gigabyte allocation (tests/fuzz fuzzes both)."""

import resource
import struct
import subprocess

import pytest
from test_native_runner import runner

from dagnet import _engine


def u32(n):
    return struct.pack("<I", n)


def text(s):
    return u32(len(s)) + s.encode()


def shape(dims):
    return u32(len(dims)) + b"".join(struct.pack("<q", d) for d in dims)


def program_file(values, tail=b""):
    """One program named 'predict' holding `values` (already encoded), no nodes."""
    return b"DAGNETP3" + u32(1) + text("predict") + u32(len(values)) + b"".join(values) + u32(0) + tail


def param(name, dims, data=b""):
    return bytes([1]) + text(name) + bytes([0]) + shape(dims) + struct.pack("<i", -1) + data


def read_programs(tmp_path, data):
    path = tmp_path / "crafted.dgn"
    path.write_bytes(data)
    return _engine.read_program_names(str(path))


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize(
    "data",
    [
        b"DAGNETP3" + u32(1) + text("p") + u32(0xFFFFFF),  # 16M values in 20 bytes
        b"DAGNETP3" + u32(1) + text("p") + u32(0) + u32(0xFFFFFF),  # 16M nodes
        b"DAGNETP3" + u32(16),  # 16 programs, no bytes
        b"DAGNETP3" + u32(1) + u32(1 << 20),  # a 1 MiB name
        program_file([param("w", [1 << 30, 1 << 10])]),  # a 4 TiB parameter
        program_file([param("w", [1 << 20, 1 << 20, 1 << 23])]),  # 2**63 elements
        program_file([param("w", [2, 3], b"\0" * 23)]),  # one byte short
    ],
)
def test_counts_and_sizes_beyond_the_file_are_errors(tmp_path, data):
    before = peak_rss_mb()
    with pytest.raises(ValueError, match="truncated or corrupt|too many elements"):
        read_programs(tmp_path, data)
    assert peak_rss_mb() - before < 64  # nothing large was allocated on the file's word


def test_negative_dims_and_a_bad_loss_id_are_errors(tmp_path):
    with pytest.raises(ValueError, match="corrupt"):
        read_programs(tmp_path, program_file([param("w", [-5, 2])]))
    good = param("w", [2], b"\0" * 8)
    fetches_loss_params = u32(0) + struct.pack("<i", 7) + u32(0)
    optimizer = text("sgd") + u32(0) + u32(0) + u32(0)  # no fields (defaults), constraints, state updates
    with pytest.raises(ValueError, match="loss value id 7"):
        read_programs(tmp_path, program_file([good], fetches_loss_params + optimizer))
    ok = u32(0) + struct.pack("<i", -1) + u32(0) + optimizer
    assert read_programs(tmp_path, program_file([good], ok)) == ["predict"]
    with pytest.raises(ValueError, match="corrupt program: node id 3"):  # a state update naming no node
        read_programs(tmp_path, program_file([good], ok[:-4] + u32(1) + struct.pack("<i", 3)))


def test_optimizer_fields_constraints_and_state_updates_beyond_the_file_are_errors(tmp_path):
    good = param("w", [2], b"\0" * 8)
    head = u32(0) + struct.pack("<i", -1) + u32(0) + text("sgd")
    for tail in (u32(1000), u32(0) + u32(0xFFFFFF), u32(0) + u32(0) + u32(0xFFFFFF)):
        with pytest.raises(ValueError, match="truncated or corrupt"):
            read_programs(tmp_path, program_file([good], head + tail))


@pytest.mark.parametrize(
    "data",
    [
        b"DAGNETT1" + u32(4096),
        b"DAGNETT1" + u32(1) + bytes([0]) + shape([1 << 31, 1 << 31]),
        b"DAGNETT1" + u32(1) + bytes([3]) + shape([3]) + b"\0" * 23,
        b"DAGNETT1" + u32(1) + bytes([9]) + shape([1]),
        b"DAGNETT1" + u32(1) + bytes([0]) + u32(65),
    ],
)
def test_tensor_files_are_checked_before_allocating(tmp_path, data):
    path = tmp_path / "t.bin"
    path.write_bytes(data)
    with pytest.raises(ValueError, match="truncated or corrupt|corrupt"):
        _engine.read_tensors(str(path))


def test_the_runner_reports_a_crafted_inputs_file(tmp_path):
    import dagnet
    from dagnet import layers

    x = dagnet.Input(shape=(3,))
    dagnet.Model(x, layers.Dense(2)(x)).export_native(tmp_path / "m.dgn")
    bad = tmp_path / "in.bin"
    bad.write_bytes(b"DAGNETT1" + u32(1) + bytes([0]) + shape([1 << 40, 3]))
    out = subprocess.run(
        [runner(), str(tmp_path / "m.dgn"), "--inputs", str(bad), "--outputs", str(tmp_path / "out.bin")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1 and "truncated or corrupt" in out.stderr
