"""Engine core: build info, tensors and NumPy views, threads."""

import os

import numpy as np
import pytest

import dagnet
from dagnet import _engine
from dagnet.engine import Executor, Graph, Tensor


def test_info_reports_build():
    info = dagnet.info()
    assert info["version"] == dagnet.__version__
    # pip builds Release; tools/sanitize.sh runs this suite on its RelWithDebInfo build.
    assert info["build_type"] == os.environ.get("DAGNET_EXPECT_BUILD_TYPE", "Release")
    assert info["cpu_isa"] in ("avx512", "avx2+fma", "portable")
    assert isinstance(info["cuda"], bool)
    assert info["threads"] >= 1
    assert info["devices"][0] == "cpu" and dagnet.devices()[0] == "cpu"


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_tensor_round_trip_and_zero_copy_view(dtype):
    a = np.arange(24, dtype=dtype).reshape(2, 3, 4)
    t = Tensor.from_numpy(a)
    assert t.shape == (2, 3, 4) and t.dtype == np.dtype(dtype).name
    view = np.asarray(t)
    np.testing.assert_array_equal(view, a)
    view[0, 0, 0] = 42  # writes through: the view shares the tensor's memory
    assert np.asarray(t)[0, 0, 0] == 42
    assert t.numpy()[0, 0, 0] == 42
    assert a[0, 0, 0] == 0  # from_numpy copied


def test_engine_memory_is_64_byte_aligned():
    for n in (1, 3, 17, 1000):
        t = Tensor.from_numpy(np.zeros(n, np.float32))
        assert np.asarray(t).ctypes.data % 64 == 0


def test_tensor_rejects_unsupported_dtype():
    with pytest.raises(TypeError, match="unsupported dtype"):
        Tensor.from_numpy(np.zeros(3, np.complex64))


def test_parameter_views_are_live():
    g = Graph()
    x = g.input("x", [-1, 2])
    w = g.param("w", np.eye(2, dtype=np.float32))
    (y,) = g.node("matmul", [x, w])
    ex = Executor(g, [y])
    np.testing.assert_array_equal(ex.run([np.ones((1, 2), np.float32)])[0], [[1, 1]])
    np.asarray(g.param_tensor(w))[:] = 2 * np.eye(2)
    np.testing.assert_array_equal(ex.run([np.ones((1, 2), np.float32)])[0], [[2, 2]])


def test_results_own_their_memory():
    g = Graph()
    x = g.input("x", [-1, 3])
    (y,) = g.node("scale", [x], {"factor": 2.0})
    ex = Executor(g, [y])
    first = ex.run([np.ones((2, 3), np.float32)])[0]
    second = ex.run([np.full((2, 3), 5, np.float32)])[0]
    np.testing.assert_array_equal(first, 2 * np.ones((2, 3)))  # not overwritten by the second run
    np.testing.assert_array_equal(second, 10 * np.ones((2, 3)))


def test_thread_count_can_change_and_results_agree():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 70)).astype(np.float32)
    w = rng.standard_normal((70, 50)).astype(np.float32)
    g = Graph()
    xi = g.input("x", [-1, 70])
    wi = g.param("w", w)
    (y,) = g.node("dense", [xi, wi], {"activation": "tanh"})
    ex = Executor(g, [y])
    before = _engine.num_threads()
    try:
        _engine.set_num_threads(1)
        one = ex.run([x])[0]
        _engine.set_num_threads(3)
        assert _engine.num_threads() == 3
        three = ex.run([x])[0]
    finally:
        _engine.set_num_threads(before)
    np.testing.assert_array_equal(one, three)
    with pytest.raises(ValueError):
        _engine.set_num_threads(0)


def test_num_threads_env_var(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, DAGNET_NUM_THREADS="3")
    out = subprocess.run(
        [sys.executable, "-c", "import dagnet; print(dagnet.info()['threads'])"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "3"
