"""Direct (loop) NumPy references for convolution and pooling with TF padding rules."""

import math

import numpy as np


def axis_window(n, k, s, d, padding):
    span = (k - 1) * d + 1
    if padding == "same":
        out = math.ceil(n / s)
        return out, max((out - 1) * s + span - n, 0) // 2
    pad = (k - 1) * d if padding == "causal" else 0
    return (n + pad - span) // s + 1, pad


def conv2d(x, w, b=None, strides=(1, 1), dilation=(1, 1), padding="valid"):
    """x (N, H, W, C), w (kh, kw, C, F) -> (N, OH, OW, F)."""
    n, h, wd, c = x.shape
    kh, kw, _, f = w.shape
    oh, pt = axis_window(h, kh, strides[0], dilation[0], padding)
    ow, pl = axis_window(wd, kw, strides[1], dilation[1], padding)
    y = np.zeros((n, oh, ow, f), dtype=np.float64)
    for oy in range(oh):
        for ox in range(ow):
            for ky in range(kh):
                iy = oy * strides[0] - pt + ky * dilation[0]
                if not 0 <= iy < h:
                    continue
                for kx in range(kw):
                    ix = ox * strides[1] - pl + kx * dilation[1]
                    if 0 <= ix < wd:
                        y[:, oy, ox, :] += x[:, iy, ix, :] @ w[ky, kx]
    return y if b is None else y + b


def conv1d(x, w, b=None, stride=1, dilation=1, padding="valid"):
    y = conv2d(x[:, None], w[None], b, (1, stride), (1, dilation), padding)
    return y[:, 0]


def pool2d(x, pool, strides, padding, mode):
    n, h, wd, c = x.shape
    oh, pt = axis_window(h, pool[0], strides[0], 1, padding)
    ow, pl = axis_window(wd, pool[1], strides[1], 1, padding)
    y = np.zeros((n, oh, ow, c))
    for oy in range(oh):
        for ox in range(ow):
            y0, x0 = max(oy * strides[0] - pt, 0), max(ox * strides[1] - pl, 0)
            y1, x1 = min(oy * strides[0] - pt + pool[0], h), min(ox * strides[1] - pl + pool[1], wd)
            window = x[:, y0:y1, x0:x1, :]
            y[:, oy, ox, :] = window.max(axis=(1, 2)) if mode == "max" else window.mean(axis=(1, 2))
    return y
