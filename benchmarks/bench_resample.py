"""Image resampling, float32, batch 16: UpSampling2D's 2x nearest and bilinear (a U-Net's
decoder step, 64x64x64 -> 128x128x64) and a bilinear downsizing resize (128x128x32 -> 45x61),
forward (summed) and forward+backward (d input); a bilinear rotation (affine_transform, reflect fill,
64x64x32). dagnet (NHWC, its default) vs PyTorch (F.interpolate align_corners=False,
grid_sample; NCHW in its channels_last memory format, so both read the same layout) in the
same run and thread count. Needs `pip install torch==2.13.0`.

    python benchmarks/bench_resample.py [--threads N] [--repeats N]
"""

import numpy as np
from _timing import best_ms as best, print_table, torch_peer_setup

from dagnet.engine import Executor, Graph, gradients


def dagnet_pair(op, x, attrs, extra=()):
    g = Graph()
    xi = g.input("x", list(x.shape))
    inputs = [xi] + [g.param(f"p{i}", a) for i, a in enumerate(extra)]
    (y,) = g.node(op, inputs, attrs)
    (loss,) = g.node("reduce", [y], {"kind": "sum"})
    # Both sides sum the output, so neither pays for handing a large array back to Python.
    forward, backward = Executor(g, [loss]), Executor(g, [loss] + gradients(g, loss, [xi]))
    return (lambda: forward.run([x])), (lambda: backward.run([x]))


def torch_pair(torch, fn, x):
    tx = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()).contiguous(memory_format=torch.channels_last)
    tx.requires_grad_(True)

    def forward():
        with torch.no_grad():
            fn(tx).sum()

    def backward():
        tx.grad = None
        fn(tx).sum().backward()

    return forward, backward


def rotation(theta, n, h, w):
    """affine_transform's rows and grid_sample's normalised grid for one rotation about the centre."""
    c, s = np.cos(theta), np.sin(theta)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    rows = np.tile([[c, -s, cx - c * cx + s * cy, s, c, cy - s * cx - c * cy, 0, 0]], (n, 1)).astype(np.float32)
    # align_corners=True maps -1..1 to pixel centres 0..w-1, as affine_transform's coordinates.
    theta_n = np.array([[c, -s * (h - 1) / (w - 1), 0], [s * (w - 1) / (h - 1), c, 0]], np.float32)
    return rows, np.tile(theta_n[None], (n, 1, 1))


def main():
    args, torch, threads = torch_peer_setup()
    F = torch.nn.functional
    rng = np.random.default_rng(0)
    rows = []
    up = rng.standard_normal((16, 64, 64, 64)).astype(np.float32)
    for mode in ("nearest", "bilinear"):
        d_f, d_b = dagnet_pair("resize", up, {"factors": [2, 2], "interpolation": mode})
        kw = {"align_corners": False} if mode == "bilinear" else {}
        t_f, t_b = torch_pair(torch, lambda t, m=mode, k=kw: F.interpolate(t, scale_factor=2, mode=m, **k), up)
        rows += [(f"up2x {mode}", best(d_f, args.repeats), best(t_f, args.repeats))]
        rows += [(f"up2x {mode} +bwd", best(d_b, args.repeats), best(t_b, args.repeats))]
    down = rng.standard_normal((16, 128, 128, 32)).astype(np.float32)
    d_f, d_b = dagnet_pair("resize", down, {"size": [45, 61], "interpolation": "bilinear"})
    t_f, t_b = torch_pair(torch, lambda t: F.interpolate(t, size=(45, 61), mode="bilinear", align_corners=False), down)
    rows += [("resize down", best(d_f, args.repeats), best(t_f, args.repeats))]
    rows += [("resize down +bwd", best(d_b, args.repeats), best(t_b, args.repeats))]
    img = rng.standard_normal((16, 64, 64, 32)).astype(np.float32)
    transforms, theta = rotation(0.3, 16, 64, 64)
    attrs = {"interpolation": "bilinear", "fill_mode": "reflect"}
    d_f, d_b = dagnet_pair("affine_transform", img, attrs, [transforms])
    grid = F.affine_grid(torch.from_numpy(theta), (16, 32, 64, 64), align_corners=True)
    t_f, t_b = torch_pair(
        torch,
        lambda t: F.grid_sample(t, grid, mode="bilinear", padding_mode="reflection", align_corners=True),
        img,
    )
    rows += [("rotate", best(d_f, args.repeats), best(t_f, args.repeats))]
    rows += [("rotate +bwd", best(d_b, args.repeats), best(t_b, args.repeats))]
    print_table(f"image resampling, batch 16, threads {threads}, torch {torch.__version__}", rows)


if __name__ == "__main__":
    main()
