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


def _windows(spatial, kernel, strides, dilation, padding):
    """Per axis (out, pad_before) with TF padding rules."""
    return [axis_window(n, k, s, d, padding) for n, k, s, d in zip(spatial, kernel, strides, dilation)]


def conv_nd(x, w, b=None, strides=None, dilation=None, padding="valid", groups=1):
    """Channels-last N-d convolution: x (N, *spatial, C), w (*k, C // groups, F) -> (N, *out, F)."""
    import itertools

    rank = x.ndim - 2
    strides = strides or (1,) * rank
    dilation = dilation or (1,) * rank
    kernel = w.shape[:rank]
    geo = _windows(x.shape[1:-1], kernel, strides, dilation, padding)
    cg, f = w.shape[rank], w.shape[-1]
    fg = f // groups
    y = np.zeros((x.shape[0],) + tuple(o for o, _ in geo) + (f,))
    for out in itertools.product(*[range(o) for o, _ in geo]):
        for tap in itertools.product(*[range(k) for k in kernel]):
            src = [o * s - p + t * d for o, t, s, d, (_, p) in zip(out, tap, strides, dilation, geo)]
            if not all(0 <= i < n for i, n in zip(src, x.shape[1:-1])):
                continue
            pixel = x[(slice(None),) + tuple(src)]
            for g in range(groups):
                y[(slice(None),) + out + (slice(g * fg, (g + 1) * fg),)] += (
                    pixel[:, g * cg : (g + 1) * cg] @ w[tap][:, g * fg : (g + 1) * fg]
                )
    return y if b is None else y + b


def conv_transpose_size(n, k, s, d, padding, output_padding=None):
    span = (k - 1) * d + 1
    if padding == "valid":
        return (n - 1) * s + span + (max(span, s) - span if output_padding is None else output_padding)
    return n * s if output_padding is None else (n - 1) * s + span % 2 + output_padding


def conv_transpose_nd(x, w, b=None, strides=None, dilation=None, padding="valid", output_padding=None):
    """TensorFlow's conv_transpose from its definition (a scatter): x (N, *spatial, C),
    w (*k, F, C) -> (N, *out, F), out per Keras, padding before as the forward conv from out."""
    import itertools

    rank = x.ndim - 2
    strides = strides or (1,) * rank
    dilation = dilation or (1,) * rank
    kernel = w.shape[:rank]
    ops = output_padding or (None,) * rank
    out = [
        conv_transpose_size(n, k, s, d, padding, o)
        for n, k, s, d, o in zip(x.shape[1:-1], kernel, strides, dilation, ops)
    ]
    pads = []
    for n, o, k, s, d in zip(x.shape[1:-1], out, kernel, strides, dilation):
        span = (k - 1) * d + 1
        pads.append(max((n - 1) * s + span - o, 0) // 2 if padding == "same" else 0)
    y = np.zeros((x.shape[0],) + tuple(out) + (w.shape[-2],))
    for pos in itertools.product(*[range(n) for n in x.shape[1:-1]]):
        for tap in itertools.product(*[range(k) for k in kernel]):
            dst = [i * s - p + t * d for i, t, s, d, p in zip(pos, tap, strides, dilation, pads)]
            if all(0 <= j < o for j, o in zip(dst, out)):
                y[(slice(None),) + tuple(dst)] += x[(slice(None),) + pos] @ w[tap].T
    return y if b is None else y + b


def depthwise_nd(x, w, b=None, strides=None, dilation=None, padding="valid"):
    """x (N, *spatial, C), w (*k, C, M) -> (N, *out, C * M), channel c * M + j."""
    rank = x.ndim - 2
    c, m = w.shape[rank], w.shape[rank + 1]
    grouped = w.reshape(w.shape[:rank] + (1, c * m))
    return conv_nd(x, grouped, b, strides, dilation, padding, groups=c)


def pool_nd(x, pool, strides, padding, mode):
    """Channels-last N-d max/average pooling; 'same' windows average their real elements."""
    import itertools

    geo = _windows(x.shape[1:-1], pool, strides, (1,) * len(pool), padding)
    y = np.zeros((x.shape[0],) + tuple(o for o, _ in geo) + (x.shape[-1],))
    for out in itertools.product(*[range(o) for o, _ in geo]):
        box = tuple(
            slice(max(o * s - p, 0), min(o * s - p + k, n))
            for o, s, (_, p), k, n in zip(out, strides, geo, pool, x.shape[1:-1])
        )
        window = x[(slice(None),) + box + (slice(None),)]
        axes = tuple(range(1, x.ndim - 1))
        y[(slice(None),) + out] = window.max(axis=axes) if mode == "max" else window.mean(axis=axes)
    return y
