"""dagnet-bench's command line: --help and --version exit 0, a bad command line (unknown
flag, a number that is not one or does not fit, an absurd thread count) exits 2 with the
usage, never an uncaught exception; a thread count the OS refuses exits 1 with the reason."""

import subprocess

import pytest
from test_native_runner import runner

import dagnet
from dagnet import layers


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    x = dagnet.Input(shape=(3,))
    path = tmp_path_factory.mktemp("bench") / "m.dgn"
    dagnet.Model(x, layers.Dense(2)(x)).export_native(path)
    return str(path)


def bench(*args, **kw):
    return subprocess.run([runner(), *args], capture_output=True, text=True, timeout=120, **kw)


def test_help_and_version():
    for flag in ("--help", "-h"):
        out = bench(flag)
        assert out.returncode == 0 and out.stdout.startswith("usage: dagnet-bench") and "--threads" in out.stdout
    out = bench("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"dagnet-bench {dagnet.__version__}"


@pytest.mark.parametrize(
    "args, reason",
    [
        (["--batch", "abc"], "--batch needs an integer, got 'abc'"),
        (["--batch", "99999999999999999999999"], "--batch must be between 1 and"),
        (["--batch", "0"], "--batch must be between 1 and"),
        (["--batch", "4x"], "--batch needs an integer"),
        (["--batch", ""], "--batch needs an integer"),
        (["--iterations", "-3"], "--iterations must be between 1 and"),
        (["--warmup", "1e3"], "--warmup needs an integer"),
        (["--length", "2147483649"], "--length must be between 1 and"),
        (["--threads", "x"], "--threads needs an integer, got 'x'"),
        (["--threads", "5000"], "--threads must be between 1 and 1024"),
        (["--threads", "0"], "--threads must be between 1 and 1024"),
        (["--mode", "fast"], "--mode must be predict, train or both"),
        (["--inputs", "in.bin"], "--inputs needs --outputs"),
        (["--frobnicate"], "unknown option --frobnicate"),
        (["--batch"], "missing value for --batch"),
        (["other.dgn"], "more than one model file"),
    ],
)
def test_bad_command_lines_exit_2_with_the_usage(model_file, args, reason):
    out = bench(model_file, *args)
    assert out.returncode == 2, out.stderr
    assert reason in out.stderr and "usage: dagnet-bench" in out.stderr
    assert "terminate called" not in out.stderr


def test_no_model_is_a_usage_error():
    out = bench()
    assert out.returncode == 2 and "no model file given" in out.stderr


def test_threads_the_os_cannot_start_exit_1(model_file):
    from test_thread_pool import UNDER_ASAN, needs_rlimit  # noqa: F401

    if UNDER_ASAN:
        pytest.skip("address space limits do not apply under AddressSanitizer")
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    out = bench(model_file, "--threads", "1000", "--iterations", "1", "--warmup", "0", preexec_fn=limit)
    assert out.returncode == 1 and "could not start thread" in out.stderr


def test_training_mode_feeds_targets_the_prediction_shape(tmp_path):
    # The training program declares its target (batch, ?): the bench sizes it from the
    # loss's prediction, (batch, 1), not from --length.
    x = dagnet.Input(shape=(8,))
    model = dagnet.Model(x, layers.Dense(1)(layers.Dense(16)(x)))
    model.compile("adam", "mse")
    path = tmp_path / "trained.dgn"
    model.export_native(path)
    out = bench(str(path), "--mode", "train", "--batch", "32", "--iterations", "2", "--warmup", "1")
    assert out.returncode == 0, out.stderr
    assert "train " in out.stdout and "samples/s" in out.stdout
