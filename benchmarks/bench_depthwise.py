"""Depthwise 3x3 'same' convolution (MobileNet-style, 56x56x128, batch 16, float32),
Conv2DTranspose 3x3 stride 2 'same' (a U-Net decoder step, 32x32x64 -> 64x64x64, batch 8),
grouped Conv2D (ConvMixer's 5x5 groups=channels, 16x16x256, batch 16; ResNeXt-style 3x3 with
8 groups, 28x28x128, batch 8) and Conv3D 3x3x3 'valid' (the 3-D CNN's second block,
31^3x16 -> 32, batch 2): forward and forward+backward (d input, d kernel, d bias), dagnet (NHWC, its default) vs
PyTorch (NCHW, its default) in the same run and thread count. Needs `pip install torch==2.13.0`.

    python benchmarks/bench_depthwise.py [--threads N]
"""

import numpy as np
from _timing import best_ms as best, print_table, torch_peer_setup

from dagnet.engine import Executor, Graph, gradients


def dagnet_pair(op, x, k, bias, attrs):
    g = Graph()
    xi = g.input("x", list(x.shape))
    ki, bi = g.param("k", k), g.param("b", bias)
    (y,) = g.node(op, [xi, ki, bi], attrs)
    (loss,) = g.node("reduce", [y], {"kind": "sum"})
    return Executor(g, [y]), Executor(g, [loss] + gradients(g, loss, [xi, ki, bi]))


def torch_pair(torch, module, x):
    tx = torch.from_numpy(np.moveaxis(x, -1, 1).copy()).requires_grad_(True)

    def forward():
        with torch.no_grad():
            module(tx)

    def backward():
        tx.grad = None
        module.zero_grad(set_to_none=True)
        module(tx).sum().backward()

    return forward, backward


def rows(args, torch, op, x, k, bias, attrs, module):
    forward, backward = dagnet_pair(op, x, k, bias, attrs)
    t_forward, t_backward = torch_pair(torch, module, x)
    return [
        ("forward", best(lambda: forward.run([x]), args.repeats), best(t_forward, args.repeats)),
        ("forward+backward", best(lambda: backward.run([x]), args.repeats), best(t_backward, args.repeats)),
    ]


def main():
    args, torch, threads = torch_peer_setup()
    rng = np.random.default_rng(0)

    n, h, w, c = 16, 56, 56, 128
    x = rng.standard_normal((n, h, w, c)).astype(np.float32)
    k = (rng.standard_normal((3, 3, c, 1)) * 0.1).astype(np.float32)
    dw = torch.nn.Conv2d(c, c, 3, padding=1, groups=c)
    print_table(
        f"depthwise 3x3 same, {n}x{h}x{w}x{c}, threads {threads}, torch {torch.__version__}",
        rows(args, torch, "depthwise_conv2d", x, k, np.zeros(c, np.float32), {"padding": "same"}, dw),
    )

    n, h, w, c, f = 8, 32, 32, 64, 64
    x = rng.standard_normal((n, h, w, c)).astype(np.float32)
    k = (rng.standard_normal((3, 3, f, c)) * 0.05).astype(np.float32)
    # Keras 'same' with stride 2 and a 3x3 kernel: padding 1 before, output_padding 1 after.
    tconv = torch.nn.ConvTranspose2d(c, f, 3, stride=2, padding=1, output_padding=1)
    print_table(
        f"conv2d_transpose 3x3 stride 2 same, {n}x{h}x{w}x{c} -> {f}, threads {threads}",
        rows(
            args,
            torch,
            "conv2d_transpose",
            x,
            k,
            np.zeros(f, np.float32),
            {"padding": "same", "strides": [2, 2]},
            tconv,
        ),
    )

    for n, h, c, f, k, groups in [(16, 16, 256, 256, 5, 256), (8, 28, 128, 128, 3, 8)]:
        x = rng.standard_normal((n, h, h, c)).astype(np.float32)
        kernel = (rng.standard_normal((k, k, c // groups, f)) * 0.1).astype(np.float32)
        module = torch.nn.Conv2d(c, f, k, padding=k // 2, groups=groups)
        attrs = {"padding": "same", "groups": groups}
        if c // groups == 1:  # what Conv2D(groups=channels) lowers to (layers/conv.py)
            op, kernel, attrs = "depthwise_conv2d", kernel.reshape(k, k, c, f // c), {"padding": "same"}
        else:
            op = "conv2d"
        print_table(
            f"conv2d {k}x{k} same groups={groups}, {n}x{h}x{h}x{c} -> {f}, threads {threads} (dagnet op {op})",
            rows(args, torch, op, x, kernel, np.zeros(f, np.float32), attrs, module),
        )

    n, d, c, f = 2, 31, 16, 32
    x = rng.standard_normal((n, d, d, d, c)).astype(np.float32)
    k = (rng.standard_normal((3, 3, 3, c, f)) * 0.05).astype(np.float32)
    print_table(
        f"conv3d 3x3x3 valid, {n}x{d}^3x{c} -> {f}, threads {threads}",
        rows(args, torch, "conv3d", x, k, np.zeros(f, np.float32), {}, torch.nn.Conv3d(c, f, 3)),
    )


if __name__ == "__main__":
    main()
