"""Median time of one float32 conv2d forward (bias + relu) and one conv2d_grad_input node,
3x3 stride 1 'same', per shape, and the rate in direct-convolution GFLOP/s.

    python benchmarks/models/conv_ops.py [--threads 1] [--cpu-time] [--shapes 16x32x128x128,8x16x64x64]

A shape is batch x size x channels x filters (square images). `--cpu-time` times the
process's CPU time instead of the wall clock (steadier on a shared machine at one thread).
Used to measure Winograd F(2x2,3x3) against the direct path (benchmarks/NOTES.md).
"""

import argparse
import statistics
import time

import numpy as np

from dagnet.engine import Executor, Graph, set_num_threads


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--cpu-time", action="store_true")
    p.add_argument("--shapes", default="16x32x128x128,8x16x64x64")
    p.add_argument("--reps", type=int, default=7)
    args = p.parse_args(argv)
    set_num_threads(args.threads)
    clock = time.process_time if args.cpu_time else time.perf_counter
    rng = np.random.default_rng(0)
    for shape in args.shapes.split(","):
        n, h, c, f = (int(v) for v in shape.split("x"))
        x = rng.standard_normal((n, h, h, c)).astype(np.float32)
        w = (rng.standard_normal((3, 3, c, f)) * 0.05).astype(np.float32)
        b = rng.standard_normal(f).astype(np.float32)
        dy = rng.standard_normal((n, h, h, f)).astype(np.float32)
        flops = 2 * n * h * h * 9 * c * f
        cells = []
        for op, inputs, attrs in [
            ("conv2d", [x, w, b], {"padding": "same", "activation": "relu"}),
            ("conv2d_grad_input", [dy, w, x], {"padding": "same"}),
        ]:
            g = Graph()
            ids = [g.param(f"p{i}", a) for i, a in enumerate(inputs)]
            executor = Executor(g, g.node(op, ids, attrs))
            for _ in range(2):
                executor.run([])
            times = []
            for _ in range(args.reps):
                start = clock()
                executor.run([])
                times.append(clock() - start)
            ms = statistics.median(times) * 1e3
            cells.append(f"{op} {ms:.2f} ms {flops / ms / 1e6:.0f} GFLOP/s")
        print(f"{shape}: " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
