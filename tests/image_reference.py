"""NumPy references of the image resampling ops, written from TensorFlow's formulas in a
different shape than the kernels: resize builds a dense (out, in) matrix per axis and applies
them with einsum; affine_transform samples pixel by pixel in Python."""

import math

import numpy as np


def _scale(n_in, n_out):
    return np.float32(n_in) / np.float32(n_out)


def nearest_matrix(n_in, n_out):
    m = np.zeros((n_out, n_in))
    s = _scale(n_in, n_out)
    for o in range(n_out):
        i = min(int(np.floor((np.float32(o) + np.float32(0.5)) * s)), n_in - 1)
        m[o, max(i, 0)] = 1
    return m


def bilinear_matrix(n_in, n_out):
    m = np.zeros((n_out, n_in))
    s = _scale(n_in, n_out)
    for o in range(n_out):
        src = (np.float32(o) + np.float32(0.5)) * s - np.float32(0.5)
        lo, hi = max(int(np.floor(src)), 0), min(int(np.ceil(src)), n_in - 1)
        lerp = float(src - np.floor(src))
        m[o, lo] += 1 - lerp
        m[o, hi] += lerp
    return m


def area_matrix(n_in, n_out):
    """Output o averages the input over [o * s, (o + 1) * s)."""
    m = np.zeros((n_out, n_in))
    s = n_in / n_out
    for o in range(n_out):
        lo, hi = o * s, (o + 1) * s
        for i in range(int(math.floor(lo)), int(math.ceil(hi))):
            m[o, min(i, n_in - 1)] += (min(i + 1, hi) - max(i, lo)) / s
    return m


def _lanczos(radius):
    def kernel(x):
        x = abs(x)
        if x > radius:
            return 0.0
        if x <= 1e-3:
            return 1.0
        return radius * math.sin(math.pi * x) * math.sin(math.pi * x / radius) / (math.pi * math.pi * x * x)

    return kernel, radius


def _keys(x):
    x = abs(x)
    if x >= 2:
        return 0.0
    if x >= 1:
        return ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return (1.5 * x - 2.5) * x * x + 1.0


KERNELS = {
    "triangle": (lambda x: max(0.0, 1 - abs(x)), 1.0),
    "keyscubic": (_keys, 2.0),
    "lanczos3": _lanczos(3.0),
    "lanczos5": _lanczos(5.0),
}


def span_matrix(n_in, n_out, kernel, antialias):
    """scale_and_translate: the kernel centred on each output's source position, widened by
    in / out when downsampling with antialias, normalised over the taps inside the image."""
    fn, radius = KERNELS[kernel]
    inv = n_in / n_out
    widen = max(inv, 1.0) if antialias else 1.0
    m = np.zeros((n_out, n_in))
    for o in range(n_out):
        src = (o + 0.5) * inv
        first = min(max(math.ceil(src - radius * widen - 0.5), 0), n_in - 1)
        last = min(max(math.floor(src + radius * widen - 0.5), 0), n_in - 1)
        for i in range(first, last + 1):
            m[o, i] = fn((i + 0.5 - src) / widen)
        m[o] /= m[o].sum()
    return m


def matrix(method, antialias, n_in, n_out):
    if method == "nearest":
        return nearest_matrix(n_in, n_out)
    if method == "area":
        return area_matrix(n_in, n_out)
    if method in ("lanczos3", "lanczos5"):
        return span_matrix(n_in, n_out, method, antialias)
    if antialias:
        return span_matrix(n_in, n_out, "triangle" if method == "bilinear" else "keyscubic", True)
    if method == "bilinear":
        return bilinear_matrix(n_in, n_out)
    raise ValueError(method)


def resize(x, size, method, antialias=False, channels_first=False):
    """x (n, h, w, c) (or channels first) resized by one matrix per spatial axis."""
    if channels_first:
        x = x.transpose(0, 2, 3, 1)
    mh = matrix(method, antialias, x.shape[1], size[0])
    mw = matrix(method, antialias, x.shape[2], size[1])
    y = np.einsum("oh,nhwc,pw->nopc", mh, x, mw)
    return y.transpose(0, 3, 1, 2) if channels_first else y


def _map(mode, c, n):
    """A float32 coordinate mapped into the image by the fill mode (scipy's rules)."""
    f = np.float32
    if mode == "constant":
        return c
    if mode == "nearest" or n <= 1:
        return min(max(c, f(0)), f(n - 1)) if n > 1 else f(0)
    if mode == "reflect":  # in the order of TensorFlow's float32 steps (a floor modulo rounds elsewhere)
        period = 2 * n
        if c < 0:
            c = f(period * int(-c / f(period))) + c
            c = c + f(period) if c < -n else -c - f(1)
        elif c > n - 1:
            c = c - f(period * int(c / f(period)))
            if c >= n:
                c = f(period) - c - f(1)
        return min(max(c, f(0)), f(n - 1))
    if mode == "wrap":
        if c < 0:
            c = c + f(n * (int(-c / f(n - 1)) + 1))
        elif c > n - 1:
            c = c - f(n * int(c / f(n - 1)))
        return min(max(c, f(0)), f(n - 1))
    raise ValueError(mode)


def _round(v):
    """std::round: halves away from zero."""
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


def affine_transform(x, transforms, method, mode, fill_value=0.0, output_size=None):
    """ImageProjectiveTransformV3 on (n, h, w, c) images, one transform row per image; the
    positions in float32, as TensorFlow computes them."""
    n, h, w, c = x.shape
    oh, ow = output_size or (h, w)
    y = np.empty((n, oh, ow, c))
    transforms = np.asarray(transforms, np.float32)
    for b in range(n):
        t = transforms[b if len(transforms) > 1 else 0]
        for oy in range(oh):
            for ox in range(ow):
                fx, fy = np.float32(ox), np.float32(oy)
                k = t[6] * fx + t[7] * fy + np.float32(1)
                sx = _map(mode, (t[0] * fx + t[1] * fy + t[2]) / k, w)
                sy = _map(mode, (t[3] * fx + t[4] * fy + t[5]) / k, h)

                def read(yy, xx, b=b):
                    return x[b, yy, xx] if 0 <= yy < h and 0 <= xx < w else np.full(c, fill_value)

                if method == "nearest":
                    y[b, oy, ox] = read(_round(sy), _round(sx))
                    continue
                y0, x0 = math.floor(sy), math.floor(sx)
                fy, fx = float(sy) - y0, float(sx) - x0
                y[b, oy, ox] = (1 - fy) * ((1 - fx) * read(y0, x0) + fx * read(y0, x0 + 1)) + fy * (
                    (1 - fx) * read(y0 + 1, x0) + fx * read(y0 + 1, x0 + 1)
                )
    return y
