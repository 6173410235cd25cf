"""Timing helpers shared by the benchmarks: best-of-N wall time."""

import time


def best_ms(fn, repeats: int) -> float:
    """The fastest of `repeats` calls after one warm-up, in milliseconds. Starts with a
    pause: both libraries' idle threads spin for a while after a call, and on two cores a
    spinning peer slows the other down."""
    time.sleep(0.3)
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1e3


def print_table(title: str, rows) -> None:
    """rows: (name, dagnet ms, peer ms); prints both and peer/dagnet (> 1: dagnet faster)."""
    print(title)
    print(f"{'':22s}{'dagnet ms':>10s}{'torch ms':>10s}{'torch/dagnet':>14s}")
    for name, ours, theirs in rows:
        print(f"{name:22s}{ours:10.2f}{theirs:10.2f}{theirs / ours:13.2f}x")


def torch_peer_setup(default_repeats: int = 10):
    """Parses --threads/--repeats and gives dagnet and torch the same thread count.
    Returns (args, torch, threads)."""
    import argparse

    import torch

    import dagnet
    from dagnet.engine import set_num_threads

    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=default_repeats)
    args = parser.parse_args()
    if args.threads:
        set_num_threads(args.threads)
    threads = dagnet.info()["threads"]
    torch.set_num_threads(threads)
    return args, torch, threads
