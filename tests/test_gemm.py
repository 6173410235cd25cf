"""The packed float32 GEMM against NumPy (float64) on awkward shapes, every transpose
combination, accumulation, the fused epilogue, and each ISA's micro-kernel (the ISA is
picked once per process, so each runs in a subprocess with DAGNET_CPU_ISA set)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from helpers import run_op

SIZES = [1, 2, 7, 13, 31, 33, 97]


def check_matmul(m, n, k, ta, tb, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
    (got,) = run_op("matmul", [a, b], {"transpose_a": ta, "transpose_b": tb})
    want = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b).astype(np.float64)
    tol = 2e-6 * np.sqrt(k) * max(1.0, np.abs(want).max())
    np.testing.assert_allclose(got, want, atol=tol, rtol=1e-5)


@pytest.mark.parametrize("ta,tb", [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_awkward_shapes(ta, tb):
    rng = np.random.default_rng(1)
    for _ in range(12):
        m, n, k = (int(rng.choice(SIZES)) for _ in range(3))
        check_matmul(m, n, k, ta, tb)


@pytest.mark.parametrize(
    "m,n,k",
    [(385, 65, 769), (200, 300, 1030), (1, 1000, 3), (1000, 1, 5), (32, 100, 4100), (3200, 128, 64), (129, 33, 257)],
)
def test_block_edges(m, n, k):
    for ta, tb in [(0, 0), (1, 1)]:
        check_matmul(m, n, k, ta, tb, seed=m + n + k)


def test_zero_depth_and_empty():
    (got,) = run_op("matmul", [np.zeros((3, 0), np.float32), np.zeros((0, 4), np.float32)])
    np.testing.assert_array_equal(got, np.zeros((3, 4)))
    (got,) = run_op("matmul", [np.zeros((0, 5), np.float32), np.ones((5, 4), np.float32)])
    assert got.shape == (0, 4)


@pytest.mark.parametrize("act", ["linear", "relu", "sigmoid", "tanh", "elu", "softmax"])
def test_dense_epilogue(act):
    from reference import dense

    rng = np.random.default_rng(2)
    for m, k, n in [(37, 19, 45), (300, 64, 129), (1, 1, 1), (61, 23, 10)]:  # n <= 16: one contiguous run
        x = rng.standard_normal((m, k)).astype(np.float32)
        w = rng.standard_normal((k, n)).astype(np.float32)
        b = rng.standard_normal(n).astype(np.float32)
        (got,) = run_op("dense", [x, w, b], {"activation": act})
        np.testing.assert_allclose(got, dense(x.astype(np.float64), w, b, act), rtol=1e-4, atol=1e-5)


def test_accumulating_gemms_in_conv_backward():
    # conv kernel gradients accumulate one GEMM per chunk of images.
    from dagnet.engine import Executor, Graph, gradients

    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 12, 12, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 5)).astype(np.float32)
    g = Graph()
    xi, wi = g.param("x", x), g.param("w", w)
    (y,) = g.node("conv2d", [xi, wi], {"padding": "same"})
    (s,) = g.node("reduce", [y], {"kind": "sum"})
    (dw,) = Executor(g, gradients(g, s, [wi])).run([])
    want = np.zeros_like(w, dtype=np.float64)
    xp = np.pad(x.astype(np.float64), ((0, 0), (1, 1), (1, 1), (0, 0)))
    for ky in range(3):
        for kx in range(3):
            want[ky, kx] = xp[:, ky : ky + 12, kx : kx + 12, :].sum(axis=(0, 1, 2))[:, None]
    np.testing.assert_allclose(dw, want, rtol=1e-4)


@pytest.mark.parametrize("isa", ["portable", "avx2", "avx512"])
def test_every_isa_kernel(isa):
    code = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, %r)
        import dagnet
        import test_gemm
        for ta, tb in [(0, 0), (1, 0), (0, 1), (1, 1)]:
            for m, n, k in [(1, 1, 1), (13, 31, 7), (97, 33, 300), (40, 70, 1100), (25, 40, 4500)]:
                test_gemm.check_matmul(m, n, k, ta, tb)
        print(dagnet.info()["cpu_isa"])
    """
        % os.path.dirname(__file__)
    )
    env = dict(os.environ, DAGNET_CPU_ISA=isa)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    detected = out.stdout.strip()
    assert detected in ("portable", "avx2+fma", "avx512")
