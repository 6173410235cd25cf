"""Train-step timings of the eight seed models on one GPU: dagnet on CUDA with graph replay
on and off (DAGNET_CUDA_GRAPHS), PyTorch CUDA eager and PyTorch with the whole step
captured as a CUDA Graph (torch.cuda.graph; capturable optimizers). The same batch, loss
and optimizer everywhere (benchmarks/models: specs.py, keras_api.py, torch_models.py).
Each (model, variant) runs in this process, one after another, with a time cap per
variant, so the whole table fits the GPU check's budget (benchmarks/gpu/run.sh).

    python benchmarks/gpu/bench.py --out gpu-report/bench.md [--models mlp,headline] [--steps 30]
    python benchmarks/gpu/bench.py --dry-run     # imports and model definitions only, no GPU

A step's time is the median over the timed steps (each ended by a host sync: dagnet's
train_on_batch returns the loss on the host, torch's is read with .item())."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "models"))

from specs import SPECS, make_data  # noqa: E402 (after the sys.path entry)

VARIANTS = ["dagnet_graphs", "dagnet_no_graphs", "torch_eager", "torch_graphs"]
SMALL = ("mlp", "text_qa", "siamese_lstm", "headline")  # the 2x-with-replay targets


def timed(step, warmup, steps, cap_s):
    """Median ms of `step` (which must sync) after `warmup` calls; stops after cap_s seconds."""
    for _ in range(warmup):
        step()
    times, start = [], time.perf_counter()
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
        if time.perf_counter() - start > cap_s:
            break
    return statistics.median(times), len(times)


def dagnet_step(name, inputs, targets, graphs, device="cuda"):
    os.environ["DAGNET_CUDA_GRAPHS"] = "1" if graphs else "0"  # read when the model's graphs are made
    from keras_api import BUILDERS

    import dagnet

    with dagnet.device(device):
        model = BUILDERS[name](dagnet)
    y = targets if len(targets) > 1 else targets[0]
    return lambda: model.train_on_batch(inputs, y)


def torch_step(name, inputs, targets, graphs):
    import numpy as np
    import torch
    import torch_models

    torch.backends.cuda.matmul.allow_tf32 = False  # dagnet's default: TF32 off
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)
    device = torch.device("cuda")

    def to_torch(a):
        if a.ndim == 4:
            a = np.ascontiguousarray(a.transpose(0, 3, 1, 2))
        if a.dtype.kind in "iu":
            a = a.astype(np.int64)
        return torch.from_numpy(a)

    model = torch_models.MODULES[name]().to(device)
    opt = torch_models.optimizer(name, model.parameters())
    if graphs:
        for group in opt.param_groups:
            group["capturable"] = True  # the step count stays on the GPU, as a graph needs
    host_x = [to_torch(a) for a in inputs]
    host_y = [to_torch(a.ravel() if a.dtype.kind in "iu" else a) for a in targets]
    xs = [t.to(device) for t in host_x]
    ys = [t.to(device) for t in host_y]

    def step():
        opt.zero_grad(set_to_none=not graphs)
        loss = torch_models.loss(name, model(*xs), ys)
        loss.backward()
        opt.step()
        return loss

    if not graphs:

        def eager():
            for s, h in zip(xs + ys, host_x + host_y):  # the batch crosses over each step, as in dagnet
                s.copy_(h, non_blocking=False)
            return step().item()

        return eager
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):  # warm up outside the capture (cuDNN plans, optimizer state)
            step()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    opt.zero_grad(set_to_none=False)
    with torch.cuda.graph(graph):
        static_loss = step()

    def replay():
        for s, h in zip(xs + ys, host_x + host_y):
            s.copy_(h, non_blocking=False)
        graph.replay()
        return static_loss.item()

    return replay


MAKERS = {
    "dagnet_graphs": lambda n, x, y: dagnet_step(n, x, y, True),
    "dagnet_no_graphs": lambda n, x, y: dagnet_step(n, x, y, False),
    "torch_eager": lambda n, x, y: torch_step(n, x, y, False),
    "torch_graphs": lambda n, x, y: torch_step(n, x, y, True),
}


def environment():
    lines = []
    try:
        import dagnet

        lines.append(f"dagnet {dagnet.__version__}, devices {dagnet.devices()}, info {dagnet.info()}")
    except Exception as e:  # reported, not fatal: the table says what ran
        lines.append(f"dagnet import failed: {e!r}")
    try:
        import torch

        gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
        lines.append(f"torch {torch.__version__} (CUDA {torch.version.cuda}), {gpu}")
    except Exception as e:
        lines.append(f"torch import failed: {e!r}")
    return lines


def report(rows, errors, env, args):
    out = ["# dagnet on CUDA: seed-model train steps", ""]
    out += [f"- {line}" for line in env]
    out += [
        f"- median ms per train step (batch as in benchmarks/models/specs.py), {args.warmup} warm-up, "
        f"up to {args.steps} timed steps or {args.cap}s per variant; TF32 off everywhere",
        "",
        "| model | batch | " + " | ".join(VARIANTS) + " | eager / dagnet_graphs | torch_graphs / dagnet_graphs |",
        "| --- | ---: | " + " | ".join("---:" for _ in VARIANTS) + " | ---: | ---: |",
    ]
    for name, batch, cells in rows:

        def ratio(key, cells=cells):
            a, b = cells.get(key), cells.get("dagnet_graphs")
            return f"{a[0] / b[0]:.2f}x" if a and b else "-"

        values = [f"{cells[v][0]:.3f} ({cells[v][1]})" if v in cells else "failed" for v in VARIANTS]
        out.append(
            f"| {name}{' *' if name in SMALL else ''} | {batch} | "
            + " | ".join(values)
            + f" | {ratio('torch_eager')} | {ratio('torch_graphs')} |"
        )
    out += ["", "(n) = timed steps. * = a small model (the issue asks for 2x over PyTorch eager with replay).", ""]
    if errors:
        out += ["## Failures", ""]
        for where, text in errors:
            out += [f"### {where}", "", "```", text.strip()[-3000:], "```", ""]
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(SPECS))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--cap", type=float, default=4.0, help="seconds of timed steps per variant at most")
    parser.add_argument("--out", default=os.path.join(os.environ.get("OUT", "gpu-report"), "bench.md"))
    parser.add_argument("--dry-run", action="store_true", help="check the definitions; touch no GPU")
    args = parser.parse_args()
    models = [m for m in args.models.split(",") if m]
    variants = [v for v in args.variants.split(",") if v]
    unknown = sorted(set(models) - set(SPECS)) + sorted(set(variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown model or variant: {unknown}")
    if args.dry_run:
        from keras_api import BUILDERS

        assert set(BUILDERS) == set(SPECS), "keras_api and specs name different models"
        for name in models:
            make_data(name, 2)
        inputs, targets = make_data("mlp", 4)  # the dagnet side of the timing loop, on the CPU
        ms, n = timed(dagnet_step("mlp", inputs, targets, graphs=True, device="cpu"), 1, 2, 1.0)
        print(f"dry run: {len(models)} models x {len(variants)} variants defined; mlp on the CPU {ms:.2f} ms ({n})")
        return 0
    rows, errors = [], []
    for name in models:
        batch = SPECS[name].batch
        inputs, targets = make_data(name, batch)
        cells = {}
        for variant in variants:
            try:
                cells[variant] = timed(MAKERS[variant](name, inputs, targets), args.warmup, args.steps, args.cap)
                print(f"{name:15s} {variant:17s} {cells[variant][0]:9.3f} ms", flush=True)
            except Exception:
                errors.append((f"{name} / {variant}", traceback.format_exc()))
                print(f"{name:15s} {variant:17s} failed", flush=True)
        rows.append((name, batch, cells))
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:  # rewritten after each model: a timeout keeps what ran
            f.write(report(rows, errors, environment(), args))
    print(f"wrote {args.out}")
    return 1 if any("dagnet" in where for where, _ in errors) else 0


if __name__ == "__main__":
    sys.exit(main())
