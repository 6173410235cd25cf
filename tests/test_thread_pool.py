"""The engine's thread pool: absurd thread counts are refused, a thread the OS will not
start is an error (never a deadlock) and leaves the pool as it was, and replacing the pool
joins the old one's threads."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from dagnet import _engine
from dagnet.engine import Executor, Graph

# Address space limits cannot starve thread creation under AddressSanitizer, which
# reserves terabytes of shadow memory up front.
UNDER_ASAN = "asan" in os.environ.get("LD_PRELOAD", "")
needs_rlimit = pytest.mark.skipif(
    UNDER_ASAN or not sys.platform.startswith("linux"),
    reason="needs RLIMIT_AS to starve thread creation (Linux, no ASan)",
)


def live_threads():
    return len(os.listdir("/proc/self/task"))


def run_python(code, env=None, address_space=None, timeout=60):
    """Runs `code` in a fresh interpreter, optionally with an address-space limit."""

    def limit():
        if address_space:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=dict(os.environ, **(env or {})),
        preexec_fn=limit,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("count", [0, -1, 5000, 2**31 - 1])
def test_absurd_thread_counts_are_refused(count):
    before = _engine.num_threads()
    with pytest.raises(ValueError, match="between 1 and 1024"):
        _engine.set_num_threads(count)
    assert _engine.num_threads() == before


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
def test_replacing_the_pool_joins_the_old_threads():
    before = _engine.num_threads()
    baseline = live_threads()
    try:
        for i in range(200):
            _engine.set_num_threads(3 + i % 2)
        # At most the new pool's workers more than before (the old pools' are joined).
        assert live_threads() <= baseline + 3
        x = np.ones((4096, 64), np.float32)
        g = Graph()
        (y,) = g.node("unary", [g.input("x", [-1, 64])], {"kind": "exp"})
        np.testing.assert_allclose(Executor(g, [y]).run([x])[0], np.e, rtol=1e-6)
    finally:
        _engine.set_num_threads(before)


@needs_rlimit
def test_thread_creation_failure_is_an_error_and_keeps_the_pool():
    code = """
        import resource
        import numpy as np
        from dagnet import _engine
        from dagnet.engine import Executor, Graph
        _engine.set_num_threads(2)
        used = int(open("/proc/self/status").read().split("VmSize:")[1].split()[0]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (used + (48 << 20), resource.RLIM_INFINITY))
        try:
            _engine.set_num_threads(1000)
        except RuntimeError as e:
            print("error:", e)
        print("threads:", _engine.num_threads())
        g = Graph()
        (y,) = g.node("scale", [g.input("x", [-1])], {"factor": 2.0})
        print("result:", Executor(g, [y]).run([np.arange(3, dtype=np.float32)])[0])
    """
    out = run_python(code)
    assert out.returncode == 0, out.stderr
    assert "error: could not start thread" in out.stdout and "ask for fewer threads" in out.stdout
    assert "threads: 2" in out.stdout and "result: [0. 2. 4.]" in out.stdout


@pytest.mark.parametrize("value", ["abc", "0", "-2", "5000", "3x", "99999999999999999999"])
def test_a_bad_DAGNET_NUM_THREADS_is_refused_clearly(value):
    out = run_python("import dagnet", env={"DAGNET_NUM_THREADS": value})
    assert out.returncode != 0
    assert "DAGNET_NUM_THREADS" in out.stderr and "ValueError" in out.stderr


@needs_rlimit
def test_DAGNET_NUM_THREADS_the_os_cannot_start_is_an_error():
    out = run_python("import dagnet", env={"DAGNET_NUM_THREADS": "1000"}, address_space=1 << 30)
    assert out.returncode != 0
    assert "RuntimeError: could not start thread" in out.stderr
