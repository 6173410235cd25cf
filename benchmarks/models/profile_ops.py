"""Where a dagnet training step spends its time, op by op, and how it changes with the
thread count, the batch and the executor's branch parallelism.

    python benchmarks/models/profile_ops.py ops [--models inception,resnet_block] [--threads 2]
    python benchmarks/models/profile_ops.py compare [--models inception,inception:64,dual_inception]

`ops`: the native op profile (dagnet.engine.set_op_profiling) of `--steps` training
steps: per op, calls and milliseconds per step, and for the convolution ops the
direct-convolution GFLOP per step and GFLOP/s. The op times are each kernel's own wall
time: in a wave whose nodes run concurrently (one thread each) they overlap, so their
sum can exceed the step.

`callgrind`: run under `valgrind --tool=callgrind --instr-atstart=no`; counts the
instructions of `--steps` training steps after the warm-up (it switches instrumentation
on and off around them with callgrind_control), repeatable whatever else the machine
runs. One thread: valgrind runs threads one at a time anyway.

`waves`: the training plan's waves as the executor runs them (`Trainer.wave_plan`: each
wave's nodes, their costs from graph/node_cost.h, whether they run concurrently, one
thread each, and in which order), with the GEMM FLOPs (convolutions, dense, matmul) of
every node, under two rules. `new` is the executor's: a wave runs concurrently when its
largest node has at most half its cost (GEMM-like ops cost FLOPs, others elements read
and written), and hands its nodes out one at a time, largest first. `old` is the rule
before 2026-12-05: concurrent when no node has more than 3/4 of the wave's elements
read and written, the nodes in id order cut into chunks of ceil(n / min(n, 8)). A
concurrent wave is simulated on two threads, each taking the next node (chunk) when it
is free; its time is the busier thread's FLOPs. Run node by node, with both threads per
node, it would take half its FLOPs: the difference, summed over the waves, is what the
wave scheduling loses (in GFLOP run on one thread).

`compare`: the median step of every (model, batch, threads, waves) variant, run
round-robin in one process so load drift hits them alike, and the process's CPU time
per step (all threads; spinning counts), which other processes disturb much less. `serial` waves rebuild the
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

from frameworks import setup_threads  # noqa: E402 (after the sys.path entry)
from specs import SPECS, make_data  # noqa: E402 (after the sys.path entry)

CONV_MODELS = ["inception", "dual_inception", "resnet_block", "conv1d_multi"]


def build(name, batch, serial_waves=False):
    """A compiled dagnet model, its data and a function running one training step."""
    from keras_api import BUILDERS

    import dagnet
    from dagnet.trainers import trainer as training

    original = training.NativeTrainer
    if serial_waves:
        training.NativeTrainer = functools.partial(original, parallel_branches=False)
    try:
        model = BUILDERS[name](dagnet)
        inputs, targets = make_data(name, batch)
        y = targets if len(targets) > 1 else targets[0]
        model.train_on_batch(inputs, y)  # the trainer is made here, under the patch
    finally:
        training.NativeTrainer = original
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
                flops = (
                    2.0
                    * batch
                    * calls
                    * math.prod(out[1:-1])
                    * math.prod(layer.kernel_size)
                    * node.arguments[0].shape[-1]
                    * layer.filters
                )
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
        print(
            f"\n## {name}, batch {batch}, threads {args.threads}, {'serial' if args.serial_waves else 'parallel'}"
            f" waves: step {wall:.1f} ms (median of {args.steps}), {profiled_wall:.1f} ms profiled; op times sum "
            f"to {total:.1f} ms; direct-conv {conv_gflop:.2f} GFLOP/step = {conv_gflop / wall * 1e3:.0f} GFLOP/s\n"
        )
        print(
            "| op | calls/step | ms/step | share | GFLOP/step | GFLOP/s |\n| --- | ---: | ---: | ---: | ---: | ---: |"
        )
        for op, calls, ms in profile:
            per_step = ms / args.steps
            gflop = flops.get(op, 0) / 1e9
            rate = f"{gflop / per_step * 1e3:.0f}" if gflop else ""
            print(
                f"| {op} | {calls / args.steps:g} | {per_step:.2f} | {per_step / total:.1%} | "
                f"{f'{gflop:.2f}' if gflop else ''} | {rate} |"
            )


def compare(args):
    from dagnet.engine import set_num_threads

    variants = []
    for model, threads, waves in itertools.product(
        args.models.split(","), args.thread_counts.split(","), args.waves.split(",")
    ):
        name, _, batch = model.partition(":")
        variants.append((name, int(batch or SPECS[name].batch), int(threads), waves))
    steps = {}
    for name, batch, threads, waves in variants:
        set_num_threads(threads)
        steps[(name, batch, threads, waves)] = build(name, batch, waves == "serial")[2]
    samples, cpu = defaultdict(list), defaultdict(list)
    for _ in range(args.rounds):
        for key, step in steps.items():
            set_num_threads(key[2])
            for _ in range(args.warmup):
                step()
            before = os.times()
            samples[key].append(median_step_ms(step, args.steps))
            after = os.times()
            cpu[key].append((after.user + after.system - before.user - before.system) * 1e3 / args.steps)
    print(
        "| model | batch | threads | waves | step ms (median of round medians) | rounds | CPU ms per step |\n"
        "| --- | ---: | ---: | --- | ---: | --- | ---: |"
    )
    for key, values in samples.items():
        print(
            f"| {' | '.join(map(str, key))} | {statistics.median(values):.1f} | "
            f"{', '.join(f'{v:.1f}' for v in values)} | {statistics.median(cpu[key]):.1f} |"
        )


def callgrind(args):
    import subprocess

    for name in args.models.split(","):
        step = build(name, args.batch or SPECS[name].batch, args.serial_waves)[2]
        for _ in range(args.warmup):
            step()
        subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True, capture_output=True)
        for _ in range(args.steps):
            step()
        subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True, capture_output=True)


def _concrete_shape(g, value, batch):
    return [batch if d < 0 else d for d in g.shape(value)]


def _node_elements(g, node, batch):
    """The executor's cost of a node: the elements it reads and writes."""
    return sum(math.prod(_concrete_shape(g, v, batch)) for v in node["inputs"] + node["outputs"])


def _node_flops(g, node, batch):
    """GEMM FLOPs of one graph node (0 for the others), with the batch put into -1 dims."""

    def shape(v):
        return _concrete_shape(g, v, batch)

    op, ins = node["op"], node["inputs"]
    if op in ("conv1d", "conv2d", "conv1d_grad_input", "conv2d_grad_input", "conv1d_grad_kernel", "conv2d_grad_kernel"):
        kernel = shape(ins[2] if op.endswith("grad_kernel") else ins[1])
        big = shape(node["outputs"][0]) if op in ("conv1d", "conv2d") else shape(ins[0])  # y or dy
        return 2.0 * math.prod(big) * math.prod(kernel[:-1])
    if op in ("dense", "matmul"):
        a, b, out = shape(ins[0]), shape(ins[1]), shape(node["outputs"][0])
        return 2.0 * math.prod(out) * math.sqrt(math.prod(a) * math.prod(b) / max(1, math.prod(out)))
    return 0.0


def _two_thread_makespan(costs, chunk=None):
    """The time two threads take for these node costs, in this order, each thread taking
    the next `chunk` nodes when it is free (default: as ThreadPool::parallel_for cuts them)."""
    n = len(costs)
    chunk = chunk or -(-n // min(n, 8))
    threads = [0.0, 0.0]
    for start in range(0, n, chunk):
        threads[threads.index(min(threads))] += sum(costs[start : start + chunk])
    return max(threads)


def waves(args):
    for name in args.models.split(","):
        batch = args.batch or SPECS[name].batch
        model, inputs, _ = build(name, batch)
        _, targets = make_data(name, batch)
        runner = next(r for (kind, _), r in model._runners.items() if kind == "train")
        g = runner._graph
        shapes = [list(getattr(a, "shape", ())) for a in runner.feeds(list(inputs), list(targets))]
        plan = runner.engine.wave_plan(shapes)
        nodes = [g.node_info(i) for i in range(g.num_nodes)]

        total_flops = 0.0
        lost = {"old": 0.0, "new": 0.0}
        print(f"\n## {name}, batch {batch}: {sum(len(w['nodes']) for w in plan)} nodes in {len(plan)} waves\n")
        print(
            "| wave | nodes | concurrent old / new | GFLOP | largest node | its GFLOP | lost GFLOP-on-one-thread "
            "old / new |\n| ---: | ---: | --- | ---: | --- | ---: | ---: |"
        )
        for lv, wave in enumerate(plan):
            by_id = sorted(wave["nodes"])
            members = [nodes[i] for i in by_id]
            elements = [_node_elements(g, n, batch) for n in members]
            old = len(members) > 1 and max(elements) <= 0.75 * sum(elements)
            flops_by_id = [_node_flops(g, n, batch) for n in members]
            flops_planned = [_node_flops(g, nodes[i], batch) for i in wave["nodes"]]
            total = sum(flops_by_id)
            total_flops += total
            waste_old = max(0.0, _two_thread_makespan(flops_by_id) - total / 2) if old else 0.0
            waste_new = max(0.0, _two_thread_makespan(flops_planned, 1) - total / 2) if wave["concurrent"] else 0.0
            lost["old"] += waste_old
            lost["new"] += waste_new
            if total > 0:
                big = members[flops_by_id.index(max(flops_by_id))]
                print(
                    f"| {lv} | {len(members)} | {'yes' if old else 'no'} / {'yes' if wave['concurrent'] else 'no'} | "
                    f"{total / 1e9:.3f} | {big['op']} | {max(flops_by_id) / 1e9:.3f} | "
                    f"{waste_old / 1e9:.3f} / {waste_new / 1e9:.3f} |"
                )
        ideal = max(1.0, total_flops / 2)
        print(
            f"\nGEMM work {total_flops / 1e9:.2f} GFLOP; on two threads ideally {total_flops / 2e9:.2f} GFLOP-on-"
            f"one-thread; concurrent waves add {lost['old'] / 1e9:.3f} ({lost['old'] / ideal:.1%}) under the old "
            f"rule, {lost['new'] / 1e9:.3f} ({lost['new'] / ideal:.1%}) under the executor's"
        )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("mode", choices=["ops", "compare", "callgrind", "waves"])
    p.add_argument("--models", default=",".join(CONV_MODELS), help="comma-separated; compare takes model:batch too")
    p.add_argument("--threads", type=int, default=2, help="ops: the thread count")
    p.add_argument("--batch", type=int, default=None, help="ops: batch (default the model's)")
    p.add_argument("--serial-waves", action="store_true", help="ops: parallel_branches=False")
    p.add_argument("--thread-counts", default="1,2", help="compare: comma-separated")
    p.add_argument("--waves", default="parallel,serial", help="compare: parallel, serial or both")
    p.add_argument("--rounds", type=int, default=3, help="compare: round-robin rounds")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=10)
    args = p.parse_args(argv)
    setup_threads("dagnet", max([args.threads] + [int(t) for t in args.thread_counts.split(",")]))
    {"ops": ops, "compare": compare, "callgrind": callgrind, "waves": waves}[args.mode](args)


if __name__ == "__main__":
    main()
