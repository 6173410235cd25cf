"""Max pooling and its gradient against NumPy, shaped to reach every path of the
channels_last kernels (cpu/max_pool_body.h): channel counts that leave vector tails
(1, 3, 5, 17, 37) or span two channel blocks (300 > 256), windows with overlapping rows
(the row-reuse path: whole rows with padded edges, channel passes, and the per-pixel
fallback for rows too long for its scratch), 'same' and 'valid', strides, 1-D, 2-D and 3-D, both data
formats, float32 and float64. Integer-valued inputs make ties common: the forward value
and the element receiving the gradient (the first maximum in window order) must match
exactly."""

import itertools

import numpy as np
import pytest
from helpers import run_op


def axis_window(size, k, s, padding):
    if padding == "valid":
        return (size - k) // s + 1, 0
    out = -(-size // s)
    return out, max((out - 1) * s + k - size, 0) // 2


def windows(spatial, pool, strides, padding):
    """Every output position with its window's slices (clipped to the input)."""
    geo = [axis_window(n, k, s, padding) for n, k, s in zip(spatial, pool, strides)]
    for out in itertools.product(*(range(o) for o, _ in geo)):
        yield (
            out,
            tuple(
                slice(max(o * s - p, 0), min(o * s - p + k, n))
                for o, (_, p), s, k, n in zip(out, geo, strides, pool, spatial)
            ),
        )


def reference(x, dy, pool, strides, padding):
    """Channels-last max pooling and its gradient: dy goes to the first maximum of each
    window in row-major order (np.argmax's first hit), per channel."""
    n, spatial, c = x.shape[0], x.shape[1:-1], x.shape[-1]
    geo = [axis_window(s, k, st, padding)[0] for s, k, st in zip(spatial, pool, strides)]
    y = np.zeros((n, *geo, c), x.dtype)
    dx = np.zeros_like(x)
    for out, sl in windows(spatial, pool, strides, padding):
        win = x[(slice(None), *sl, slice(None))]
        flat = win.reshape(n, -1, c)
        y[(slice(None), *out, slice(None))] = flat.max(axis=1)
        first = flat.argmax(axis=1)  # (n, c)
        idx = np.unravel_index(first, win.shape[1:-1])
        for b in range(n):
            for ch in range(c):
                pos = tuple(sl_.start + int(i[b, ch]) for sl_, i in zip(sl, idx))
                dx[(b, *pos, ch)] += dy[(b, *out, ch)]
    return y, dx


CASES = [
    # (input shape channels-last, pool, strides, padding)
    ((2, 7, 9, 3), (3, 3), (1, 1), "same"),  # inception's pool: row reuse, whole rows
    ((1, 8, 6, 17), (3, 3), (1, 1), "valid"),
    ((2, 9, 7, 37), (3, 3), (2, 2), "same"),  # stride 2 < 3 rows: reuse across a gap
    ((1, 6, 8, 5), (3, 2), (2, 1), "same"),
    ((1, 5, 40, 300), (3, 3), (1, 1), "same"),  # two channel blocks, row path in passes
    ((1, 4, 300, 4), (3, 3), (1, 1), "same"),  # long rows, few channels: still whole rows
    ((1, 4, 300, 37), (3, 3), (1, 1), "same"),  # too long for the scratch: per pixel
    ((2, 9, 12, 10), (3, 3), (1, 2), "valid"),  # column stride 2: edges per pixel, rows whole
    ((1, 7, 9, 3), (3, 4), (1, 1), "valid"),
    ((2, 7, 9, 1), (2, 2), (2, 2), "valid"),  # no row overlap: per pixel
    ((1, 5, 5, 19), (4, 4), (3, 3), "same"),
    ((2, 11, 5), (3,), (2,), "same"),  # 1-D
    ((1, 9, 5), (5,), (1,), "valid"),
    ((1, 4, 5, 6, 3), (2, 3, 2), (1, 2, 1), "same"),  # 3-D
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("shape,pool,strides,padding", CASES)
def test_max_pool_and_gradient_match_numpy(shape, pool, strides, padding, data_format, dtype):
    rng = np.random.default_rng(sum(shape))
    x = rng.integers(-4, 5, shape).astype(dtype)  # ties everywhere
    rank = len(pool)
    op = f"max_pool{rank}d"
    attrs = {"pool_size": list(pool), "strides": list(strides), "padding": padding, "data_format": data_format}
    out_spatial = [axis_window(n, k, s, padding)[0] for n, k, s in zip(shape[1:-1], pool, strides)]
    out_shape = (shape[0], *out_spatial, shape[-1])
    dy = rng.standard_normal(out_shape).astype(dtype)
    want_y, want_dx = reference(x, dy, pool, strides, padding)

    to_first = (0, rank + 1, *range(1, rank + 1))
    to_last = (0, *range(2, rank + 2), 1)
    feed_x, feed_dy = (x, dy) if data_format == "channels_last" else (x.transpose(to_first), dy.transpose(to_first))
    feed_x, feed_dy = np.ascontiguousarray(feed_x), np.ascontiguousarray(feed_dy)
    (y,) = run_op(op, [feed_x], attrs)
    (dx,) = run_op(f"{op}_grad", [feed_dy, feed_x], attrs)
    if data_format == "channels_first":
        y, dx = y.transpose(to_last), dx.transpose(to_last)
    assert y.dtype == dx.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_array_equal(dx, want_dx)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_windowed_max_ignores_nan_in_every_lane(dtype):
    """A window ignores NaN (TensorFlow's MaxPool) on vector lanes and tails alike; a
    window of NaNs gives the lowest value and passes no gradient."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((1, 6, 6, 19)).astype(dtype)
    x[0, 1:3, 1:3, 4] = np.nan  # one whole 2x2 window of channel 4
    x[0, 0, 0, ::3] = np.nan
    attrs = {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid"}
    (y,) = run_op("max_pool2d", [x], attrs)
    clean = np.where(np.isnan(x), -np.inf, x)
    want = clean.reshape(1, 3, 2, 3, 2, 19).max(axis=(2, 4))
    want[np.isneginf(want)] = np.finfo(dtype).min
    np.testing.assert_array_equal(y, want)
    attrs3 = {"pool_size": [3, 3], "strides": [1, 1], "padding": "same"}
    (y3,) = run_op("max_pool2d", [x], attrs3)
    want3, _ = reference(clean, np.zeros((1, 6, 6, 19), dtype), (3, 3), (1, 1), "same")
    np.testing.assert_array_equal(y3, want3)
    dy = np.ones((1, 3, 3, 19), dtype)
    (dx,) = run_op("max_pool2d_grad", [dy, x], attrs)
    assert dx[0, 1:3, 1:3, 4].sum() == 0 and np.all(np.isfinite(dx))


def test_global_max_propagates_nan_on_the_vector_path():
    x = np.random.default_rng(8).standard_normal((2, 5, 4, 21))
    x[1, 3, 2, 20] = np.nan  # the tail lane
    x[0, 0, 0, 0] = np.nan  # the first element of a window
    (y,) = run_op("global_max_pool", [x])
    want = x.max(axis=(1, 2))  # NumPy's max propagates NaN too
    np.testing.assert_array_equal(np.isnan(y), np.isnan(want))
    np.testing.assert_array_equal(y[~np.isnan(y)], want[~np.isnan(want)])
