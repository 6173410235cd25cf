"""Data-parallel scaling of the seed models (benchmarks/models/): one process vs two under
``mpirun -np 2``, one engine thread per process, the same global batch.

    python benchmarks/bench_data_parallel.py [--models mlp,inception] [--steps 20]

For each model, three numbers from the two-process job, all timed in that job:
  - the data-parallel step (train_on_batch of the global batch: each process its half,
    gradients allreduced in buckets inside the native step),
  - the same model's step on a half batch with no distribution (what each process computes),
  - a blocking MPI allreduce of all the gradients (float32, the parameter count): the
    communication one step needs if nothing overlapped it.
"overhead" is the data-parallel step minus the half-batch step: the communication the step
actually waited for; "hidden" is 1 - overhead / allreduce (clamped to [0, 1]): the share of
the allreduce that ran while the backward pass went on. From the one-process run: the
global-batch step; "speedup" is its time over the two-process step, "efficiency" speedup / 2.
The CPU columns (process CPU time per step, all threads) are less sensitive to a busy
machine than the wall times: the two-process step's CPU beyond the half-batch step's is
what data parallelism costs each process in work (packing, reduction, MPI's polling).
Timings are medians over `--steps` after 3 warm-up steps; the one- and two-process runs are
separate jobs, so compare them only from the same invocation on an otherwise quiet machine.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "models"))

# All eight seed models (about 4 minutes on a quiet 2-core machine at the default steps).
DEFAULT_MODELS = "mlp,inception,dual_inception,text_qa,siamese_lstm,conv1d_multi,resnet_block,headline"


def timed(fn, steps, warmup=3):
    """(median wall ms per call, mean CPU ms per call of this whole process, every thread:
    the communication thread's polling included) after `warmup` calls."""
    for _ in range(warmup):
        fn()
    samples = []
    cpu_start = time.process_time()
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1e3, (time.process_time() - cpu_start) / steps * 1e3


def measure_model(name, steps):
    """The timings of one seed model in this process (see the module docstring)."""
    from keras_api import BUILDERS
    from specs import SPECS, make_data

    import dagnet
    from dagnet import distribution
    from dagnet.distribution import _process_group

    batch, processes = SPECS[name].batch, distribution.num_processes()
    x, y = make_data(name, batch)
    dagnet.utils.set_random_seed(0)
    model = BUILDERS[name](dagnet)
    result = {"model": name, "batch": batch, "processes": processes}
    if processes == 1:
        result["step_ms"], result["step_cpu_ms"] = timed(lambda: model.train_on_batch(x, y), steps)
        return result
    distribution.set_distribution(distribution.DataParallel())
    result["step_ms"], result["step_cpu_ms"] = timed(lambda: model.train_on_batch(x, y), steps)
    distribution.set_distribution(None)
    local = [a[: batch // processes] for a in x], [a[: batch // processes] for a in y]
    result["half_batch_ms"], result["half_batch_cpu_ms"] = timed(lambda: model.train_on_batch(*local), steps)
    tensor = dagnet._engine.Tensor.from_numpy(np.ones(model.count_params(), np.float32))
    result["allreduce_ms"] = timed(lambda: _process_group._native.allreduce_sum(tensor), steps)[0]
    return result


def worker(models, steps):
    """One process of the job (or the whole one-process run): process 0 prints a JSON line
    per model."""
    from dagnet import distribution

    if any(int(os.environ.get(v, "1")) > 1 for v in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE")):
        distribution.initialize()
    for name in models:
        result = measure_model(name, steps)
        if distribution.process_id() == 0:
            print("RESULT " + json.dumps(result), flush=True)


def run_job(command, env):
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return {r["model"]: r for r in (json.loads(line[7:]) for line in done.stdout.splitlines() if line[:7] == "RESULT ")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=DEFAULT_MODELS)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    models = args.models.split(",")
    if args.worker:
        return worker(models, args.steps)
    mpirun = shutil.which("mpirun") or shutil.which("mpiexec")
    if mpirun is None:
        raise SystemExit("no mpirun on PATH: install an MPI (apt-get install openmpi-bin)")
    env = dict(os.environ, DAGNET_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    me = [sys.executable, os.path.abspath(__file__), "--worker", "--models", args.models, "--steps", str(args.steps)]
    version = subprocess.run([mpirun, "--version"], capture_output=True, text=True).stdout
    flags = ["--oversubscribe"] if "Open MPI" in version else []
    one = run_job(me, env)
    two = run_job([mpirun, *flags, "-np", "2", *me], env)
    print(
        "| model | global batch | 1 proc ms | 2 proc ms | speedup | efficiency "
        "| half-batch ms | allreduce ms | overhead ms | hidden | CPU ms: 1 proc, 2 proc, half |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in models:
        a, b = one[name], two[name]
        speedup = a["step_ms"] / b["step_ms"]
        overhead = b["step_ms"] - b["half_batch_ms"]
        hidden = min(1.0, max(0.0, 1 - overhead / b["allreduce_ms"]))
        print(
            f"| {name} | {a['batch']} | {a['step_ms']:.2f} | {b['step_ms']:.2f} | {speedup:.2f} | {speedup / 2:.2f} "
            f"| {b['half_batch_ms']:.2f} | {b['allreduce_ms']:.2f} | {overhead:.2f} | {hidden:.2f} "
            f"| {a['step_cpu_ms']:.2f}, {b['step_cpu_ms']:.2f}, {b['half_batch_cpu_ms']:.2f} |"
        )


if __name__ == "__main__":
    main()
