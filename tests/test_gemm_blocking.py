"""GEMM block sizes from the CPU's cache sizes: the sizes dagnet.info() reports are sane,
and caches a CI machine does not have (tiny, huge, unknown; injected with
DAGNET_CPU_CACHES, read once per process, hence the subprocesses) still give valid blocks
and correct, thread-count-independent products on every ISA's kernel."""

import os
import platform
import subprocess
import sys
import textwrap

import pytest

import dagnet

KIB, GIB = 1024, 1024**3


def test_reported_cache_sizes_are_sane():
    caches = dagnet.info()["caches"]
    assert set(caches) == {"l1d", "l2", "l3", "l1d_ways"}
    assert all(isinstance(v, int) and v >= 0 for v in caches.values())
    if platform.machine() in ("x86_64", "AMD64"):  # CPUID always reports L1d and L2 there
        assert 4 * KIB <= caches["l1d"] <= caches["l2"]
    if caches["l3"]:
        assert caches["l2"] <= caches["l3"]


def test_blocking_follows_the_caches():
    info = dagnet.info()
    c, b = info["caches"], info["gemm_blocking"]
    if c["l1d"] and 256 < b["kc"] < 1024:  # inside the clamps: A's and B's micro-panels share L1d
        assert b["kc"] * (b["mr"] + b["nr"]) * 4 <= c["l1d"]
        assert b["kc"] * b["nr"] * 4 >= c["l1d"] // 4
    if c["l2"]:
        assert b["mc"] * b["kc"] * 4 <= max(c["l2"] // 4, b["mr"] * b["kc"] * 4)


CHILD = textwrap.dedent(
    """
    import hashlib, json, sys
    import numpy as np
    sys.path.insert(0, %r)
    import dagnet
    import test_gemm
    from helpers import run_op
    for ta, tb in [(0, 0), (1, 1)]:
        for m, n, k in [(13, 31, 7), (500, 70, 450), (97, 40, 1100), (400, 200, 64)]:
            test_gemm.check_matmul(m, n, k, ta, tb)
    rng = np.random.default_rng(5)
    a = rng.standard_normal((700, 300)).astype(np.float32)
    b = rng.standard_normal((300, 90)).astype(np.float32)
    (c,) = run_op("matmul", [a, b])
    info = dagnet.info()
    print(json.dumps([info["caches"], info["gemm_blocking"], hashlib.sha1(c.tobytes()).hexdigest()]))
    """
    % os.path.dirname(__file__)
)


def run_child(isa, caches, threads):
    env = dict(os.environ, DAGNET_CPU_ISA=isa, DAGNET_CPU_CACHES=caches, DAGNET_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    import json

    return json.loads(out.stdout)


@pytest.mark.parametrize("isa", ["portable", "avx2", "avx512"])
@pytest.mark.parametrize("caches", ["1,2,3,1", f"{GIB},{GIB},{GIB},64", "0,0,0,0", "32768,262144,0,8"])
def test_odd_caches_give_valid_blocks_and_correct_products(isa, caches):
    reported, blocks, digest = run_child(isa, caches, threads=2)
    assert [reported[key] for key in ("l1d", "l2", "l3", "l1d_ways")] == [int(v) for v in caches.split(",")]
    mr, nr, kc, mc, nc = (blocks[key] for key in ("mr", "nr", "kc", "mc", "nc"))
    assert 256 <= kc <= 1024 and kc % 8 == 0
    assert mc >= mr and mc % mr == 0 and nc >= nr and nc % nr == 0
    if caches == "0,0,0,0":  # nothing reported: the fixed blocking used before
        assert (kc, mc, nc) == (256, 16 * mr, 4096)
    elif caches == "1,2,3,1":  # tiny: the smallest blocks the clamps allow
        assert (kc, mc, nc) == (256, mr, nr)
    # Blocks split rows between threads but never a dot product: one thread, same bits.
    assert run_child(isa, caches, threads=1)[2] == digest
