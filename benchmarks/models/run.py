"""The model-level benchmark: the eight seed models on dagnet and its peers, one process per
(model, framework), the same thread count, data, loss and optimizer everywhere.

    python benchmarks/models/run.py                      # everything installed, 2 threads
    python benchmarks/models/run.py --models inception,resnet_block --frameworks dagnet,torch
    python benchmarks/models/run.py --quick              # smoke run: 2 steps, batch <= 4
    python benchmarks/models/run.py --table results/x.json   # re-print a saved run's tables

Peers: `pip install torch==2.13.0 keras jax tensorflow-cpu`; one that is not installed
shows as '-' (its import error is listed under the tables). Measures per model: train
step, predict at the model's batch and at batch 1 (median, p10-p90 ms), and training
memory; see measure.py for how. Results go to --json (default results/latest.json).
Exit status 1 when a dagnet run failed.
"""

import argparse
import contextlib
import datetime
import json
import os
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from frameworks import FRAMEWORKS, make_runner, setup_threads  # noqa: E402 (after the sys.path entry)
from measure import Settings, measure  # noqa: E402 (after the sys.path entry)
from report import tables  # noqa: E402 (after the sys.path entry)
from specs import SPECS, make_data  # noqa: E402 (after the sys.path entry)

QUICK_BATCH = 4


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default=",".join(SPECS), help="comma-separated, default all eight")
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS), help="comma-separated, default all five")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=20, help="at least this many timed calls per measure")
    p.add_argument("--warmup", type=int, default=3, help="untimed calls before timing (include compilation)")
    p.add_argument("--min-seconds", type=float, default=1.0, help="time a measure for at least this long")
    p.add_argument("--max-batch", type=int, default=None, help="cap every model's batch (default: none)")
    p.add_argument("--quick", action="store_true", help=f"smoke run: 1 warm-up, 2 steps, batch <= {QUICK_BATCH}")
    p.add_argument(
        "--nice",
        type=int,
        default=0,
        help="niceness of this run (its session's autogroup and each "
        "measuring process); negative (root only) gives it priority over other sessions' jobs",
    )
    p.add_argument("--timeout", type=float, default=900, help="seconds per (model, framework) process")
    p.add_argument("--json", default=os.path.join(HERE, "results", "latest.json"), help="where to save results")
    p.add_argument("--table", metavar="JSON", help="print the tables of a saved run and exit")
    p.add_argument("--worker", metavar="FRAMEWORK", help=argparse.SUPPRESS)  # internal: one measurement
    p.add_argument("--model", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.warmup, args.steps, args.min_seconds = 1, 2, 0.0
        args.max_batch = min(args.max_batch or QUICK_BATCH, QUICK_BATCH)
    for name in args.models.split(","):
        if name not in SPECS:
            p.error(f"unknown model {name!r}; known: {', '.join(SPECS)}")
    for name in args.frameworks.split(","):
        if name not in FRAMEWORKS:
            p.error(f"unknown framework {name!r}; known: {', '.join(FRAMEWORKS)}")
    return args


def batch_of(model, args):
    return min(SPECS[model].batch, args.max_batch or SPECS[model].batch)


def worker(args):
    """Measures one model on one framework in this process and writes the result to --out."""
    if args.nice:
        os.nice(args.nice)
    setup_threads(args.worker, args.threads)
    inputs, targets = make_data(args.model, batch_of(args.model, args))
    try:
        runner = make_runner(args.worker, args.model, inputs, targets, args.threads)
    except ImportError as e:
        result = {"error": f"not installed ({e})"}
    else:
        result = measure(runner, inputs, Settings(args.warmup, args.steps, args.min_seconds))
        result.update(params=runner.params, notes=runner.notes)
    with open(args.out, "w") as f:
        json.dump(result, f)


def run_worker(framework, model, args):
    """One (model, framework) measurement in a fresh process; an error entry if it fails."""
    out = f"{args.json}.{model}.{framework}.part"
    options = {
        "--threads": args.threads,
        "--steps": args.steps,
        "--warmup": args.warmup,
        "--min-seconds": args.min_seconds,
        "--nice": args.nice,
        "--max-batch": args.max_batch,
    }
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", framework, "--model", model, "--out", out]
    cmd += [str(v) for option, value in options.items() if value is not None for v in (option, value)]
    try:
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.timeout:.0f} s"}
    if proc.returncode != 0 or not os.path.exists(out):
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raised = [line for line in lines if line[:1].isalpha() and ("Error" in line or "Exception" in line)]
        summary = (raised or lines or ["no output"])[-1]
        return {"error": f"exit {proc.returncode}: {summary}", "log": lines[-30:]}
    with open(out) as f:
        result = json.load(f)
    os.remove(out)
    return result


def machine():
    info = {}
    try:
        out = subprocess.run(["lscpu"], check=False, capture_output=True, text=True).stdout
        info = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    except OSError:
        pass
    flags = set(info.get("Flags", "").split())
    isa = [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile") if f in flags]
    model = info.get("Model name", "unknown CPU").strip()
    return f"{model}, {os.cpu_count()} CPUs, {'/'.join(isa) or 'no AVX2'}"


def main(argv=None):
    args = parse_args(argv)
    if args.table:
        with open(args.table) as f:
            print(tables(json.load(f)))
        return 0
    if args.worker:
        worker(args)
        return 0
    models, frameworks = args.models.split(","), args.frameworks.split(",")
    settings = (
        f"warm-up {args.warmup}, >= {args.steps} steps and >= {args.min_seconds:g} s per measure"
        + (", quick" if args.quick else "")
        + (f", nice {args.nice}" if args.nice else "")
    )
    run = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "threads": args.threads,
        "settings": settings,
        "batches": {m: batch_of(m, args) for m in models},
        "results": {},
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with session_niceness(args.nice):
        measure_all(run, models, frameworks, args)
    print(tables(run))
    print(f"saved {args.json}", file=sys.stderr)
    failed = [m for m in models if "error" in run["results"][m].get("dagnet", {})]
    return 1 if failed else 0


@contextlib.contextmanager
def session_niceness(nice):
    """With the kernel's autogroup scheduling (sched_autogroup_enabled), a process's nice value
    only ranks it within its session; the session's autogroup nice ranks it against other
    sessions (other users' builds). Sets that for the run and restores it after."""
    path = "/proc/self/autogroup"
    if not nice or not os.path.exists(path):
        yield
        return
    with open(path) as f:
        previous = f.read().split("nice")[-1].strip()
    with open(path, "w") as f:
        f.write(str(nice))
    try:
        yield
    finally:
        with open(path, "w") as f:
            f.write(previous)


def measure_all(run, models, frameworks, args):
    start = time.perf_counter()
    for model in models:  # model-major: a model's frameworks run back to back, under similar load
        run["results"][model] = {}
        for framework in frameworks:
            t0 = time.perf_counter()
            try:
                result = run_worker(framework, model, args)
            except Exception:  # noqa: BLE001 (a harness failure is recorded, the other runs go on)
                result = {"error": traceback.format_exc().strip().splitlines()[-1]}
            run["results"][model][framework] = result
            status = result.get("error") or f"train {result['train']['median']:.2f} ms"
            print(
                f"[{time.perf_counter() - start:6.0f} s] {model:15s} {framework:14s} {status} "
                f"({time.perf_counter() - t0:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
            with open(args.json, "w") as f:
                json.dump(run, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
