"""float32 GEMM GFLOP/s: dagnet's packed GEMM (a one-node matmul graph) vs NumPy's
OpenBLAS `a @ b`, in the same process, 1 and 2 threads (each thread count in its own
subprocess so both libraries start with it). Prints both figures and the ratio.

    python benchmarks/bench_gemm.py [--repeats 7]
"""

import argparse
import json
import os
import subprocess
import sys

SHAPES = [(512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048), (3200, 128, 64), (128, 500, 48), (32, 100, 10240)]

WORKER = r"""
import json, sys, time
import numpy as np
from dagnet.engine import Executor, Graph
repeats = int(sys.argv[1])
def best(fn):
    # Each library's idle threads spin for a while after a call (OpenBLAS for ~0.1 s), and
    # on two cores a spinning peer halves the other's speed: let them settle first.
    time.sleep(0.3)
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < repeats or time.perf_counter() - start < 0.2:
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return min(times)
rows = []
for m, n, k in json.loads(sys.argv[2]):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    g = Graph(); x = g.input("a", [m, k]); w = g.param("b", b); y, = g.node("matmul", [x, w])
    ex = Executor(g, [y])
    # alternate the two so both see the same machine state
    d = o = float("inf")
    for _ in range(2):
        d = min(d, best(lambda: ex.run([a])))
        o = min(o, best(lambda: a @ b))
    rows.append([m, n, k, 2 * m * n * k / d / 1e9, 2 * m * n * k / o / 1e9])
print(json.dumps(rows))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    import numpy

    import dagnet

    print(f"dagnet {dagnet.__version__} ({dagnet.info()['cpu_isa']}), numpy {numpy.__version__} (OpenBLAS)")
    print(f"{'threads':>7} {'M x N x K':>18} {'dagnet GF/s':>12} {'numpy GF/s':>11} {'ratio':>7}")
    for threads in (1, 2):
        env = dict(
            os.environ, DAGNET_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads)
        )
        out = subprocess.run(
            [sys.executable, "-c", WORKER, str(args.repeats), json.dumps(SHAPES)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        for m, n, k, ours, theirs in json.loads(out.stdout):
            print(f"{threads:>7} {f'{m} x {n} x {k}':>18} {ours:12.1f} {theirs:11.1f} {ours / theirs:6.2f}x")


if __name__ == "__main__":
    main()
