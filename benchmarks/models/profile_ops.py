"""Where a dagnet training step spends its time, op by op, and how it changes with the
thread count, the batch and the executor's branch parallelism.

    python benchmarks/models/profile_ops.py ops [--models inception,resnet_block] [--threads 2]
    python benchmarks/models/profile_ops.py compare [--models inception,dual_inception]

`ops`: the native op profile (dagnet.engine.set_op_profiling) of `--steps` training
steps: per op, calls and milliseconds per step, and for the convolution ops the
direct-convolution GFLOP per step and GFLOP/s. The op times are each kernel's own wall
time: in a wave whose nodes run concurrently (one thread each) they overlap, so their
sum can exceed the step.

`compare`: the median step of every (model, batch, threads, waves) variant, run
round-robin in one process so load drift hits them alike. `serial` waves rebuild the
model's trainer with parallel_branches=False (every node then runs alone, with all
threads); an experiment switch, not a dagnet API.
"""
import argparse
import functools
import itertools
import math
import os
import statistics
import sys
import time
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from frameworks import setup_threads
from specs import SPECS, make_data

CONV_MODELS = ["inception", "dual_inception", "resnet_block", "conv1d_multi"]


def build(name, batch, serial_waves=False):
    """A compiled dagnet model, its data and a function running one training step."""
    import dagnet
    from dagnet.models import training
    from keras_api import BUILDERS

    original = training.Trainer
    if serial_waves:
        training.Trainer = functools.partial(original, parallel_branches=False)
    try:
        model = BUILDERS[name](dagnet)
        inputs, targets = make_data(name, batch)
        y = targets if len(targets) > 1 else targets[0]
        model.train_on_batch(inputs, y)  # the trainer is made here, under the patch
    finally:
        training.Trainer = original
    return model, inputs, lambda: model.train_on_batch(inputs, y)


def _needs_input_grad(node):
    """Whether a layer call's input depends on a trainable weight (else autodiff skips d input)."""
    stack = list(node.parent_nodes)
    while stack:
        parent = stack.pop()
        if parent.operation.trainable_weights and not hasattr(parent.operation, "layers"):
            return True
        stack.extend(parent.parent_nodes)
    return False


def conv_flops(model, inputs):
    """Direct-convolution FLOPs per training step, by native op: forward, d kernel, and d
    input where the input depends on a weight. Shapes with an unknown length are read
    from a probe run on `inputs`."""
    import dagnet

    batch = inputs[0].shape[0]
    totals = defaultdict(float)

    def visit(m, calls):
        probe_shapes = {}
        for layer in m.layers:
            if hasattr(layer, "layers"):
                visit(layer, calls * len(layer._inbound_nodes))
                continue
            if not (hasattr(layer, "kernel_size") and hasattr(layer, "filters")):
                continue
            rank = len(layer.kernel_size)
            for node in layer._inbound_nodes:
                out = node.outputs[0].shape
                if any(d is None for d in out[1:]):
                    if node not in probe_shapes:
                        probe = dagnet.Model(m.inputs, node.outputs[0])
                        probe_shapes[node] = probe.predict_on_batch([a[:1] for a in inputs]).shape
                    out = probe_shapes[node]
                flops = 2.0 * batch * calls * math.prod(out[1:-1]) * math.prod(layer.kernel_size) * \
                    node.arguments[0].shape[-1] * layer.filters
                totals[f"conv{rank}d"] += flops
                totals[f"conv{rank}d_grad_kernel"] += flops
                if _needs_input_grad(node):
                    totals[f"conv{rank}d_grad_input"] += flops

    visit(model, 1)
    return dict(totals)


def median_step_ms(step, steps):
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def ops(args):
    from dagnet.engine import set_op_profiling, take_op_profile

    for name in args.models.split(","):
        batch = args.batch or SPECS[name].batch
        model, inputs, step = build(name, batch, args.serial_waves)
        for _ in range(args.warmup):
            step()
        wall = median_step_ms(step, args.steps)
        take_op_profile()
        set_op_profiling(True)
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        profiled_wall = (time.perf_counter() - start) * 1e3 / args.steps
        set_op_profiling(False)
        profile = take_op_profile()
        flops = conv_flops(model, inputs)
        total = sum(ms for _, _, ms in profile) / args.steps
        conv_gflop = sum(flops.values()) / 1e9
        print(f"\n## {name}, batch {batch}, threads {args.threads}, {'serial' if args.serial_waves else 'parallel'}"
              f" waves: step {wall:.1f} ms (median of {args.steps}), {profiled_wall:.1f} ms profiled; op times sum "
              f"to {total:.1f} ms; direct-conv {conv_gflop:.2f} GFLOP/step = {conv_gflop / wall * 1e3:.0f} GFLOP/s\n")
        print("| op | calls/step | ms/step | share | GFLOP/step | GFLOP/s |\n| --- | ---: | ---: | ---: | ---: | ---: |")
        for op, calls, ms in profile:
            per_step = ms / args.steps
            gflop = flops.get(op, 0) / 1e9
            rate = f"{gflop / per_step * 1e3:.0f}" if gflop else ""
            print(f"| {op} | {calls / args.steps:g} | {per_step:.2f} | {per_step / total:.1%} | "
                  f"{f'{gflop:.2f}' if gflop else ''} | {rate} |")


def compare(args):
    from dagnet.engine import set_num_threads

    variants = []
    for name, threads, waves in itertools.product(args.models.split(","), args.thread_counts.split(","),
                                                  args.waves.split(",")):
        for batch in (args.batches or str(SPECS[name].batch)).split(","):
            variants.append((name, int(batch), int(threads), waves))
    steps = {}
    for name, batch, threads, waves in variants:
        set_num_threads(threads)
        steps[(name, batch, threads, waves)] = build(name, batch, waves == "serial")[2]
    samples = defaultdict(list)
    for _ in range(args.rounds):
        for key, step in steps.items():
            set_num_threads(key[2])
            for _ in range(args.warmup):
                step()
            samples[key].append(median_step_ms(step, args.steps))
    print("| model | batch | threads | waves | step ms (median of round medians) | rounds |\n"
          "| --- | ---: | ---: | --- | ---: | --- |")
    for key, values in samples.items():
        print(f"| {' | '.join(map(str, key))} | {statistics.median(values):.1f} | "
              f"{', '.join(f'{v:.1f}' for v in values)} |")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("mode", choices=["ops", "compare"])
    p.add_argument("--models", default=",".join(CONV_MODELS))
    p.add_argument("--threads", type=int, default=2, help="ops: the thread count")
    p.add_argument("--batch", type=int, default=None, help="ops: batch (default the model's)")
    p.add_argument("--serial-waves", action="store_true", help="ops: parallel_branches=False")
    p.add_argument("--thread-counts", default="1,2", help="compare: comma-separated")
    p.add_argument("--batches", default=None, help="compare: comma-separated (default the model's)")
    p.add_argument("--waves", default="parallel,serial", help="compare: parallel, serial or both")
    p.add_argument("--rounds", type=int, default=3, help="compare: round-robin rounds")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=10)
    args = p.parse_args(argv)
    setup_threads("dagnet", max([args.threads] + [int(t) for t in args.thread_counts.split(",")]))
    (ops if args.mode == "ops" else compare)(args)


if __name__ == "__main__":
    main()
