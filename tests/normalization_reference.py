"""NumPy references of the normalization ops (normalize, normalize_with_stats), written
directly from Keras's formulas (ops.moments, batch_normalization, layer_normalization
with and without rms_scaling, rms_normalization, normalize) on a group-split view."""

import numpy as np


def _grouped(x, groups, group_axis):
    """x with its group axis split into (groups, channels per group); returns (view, split axis)."""
    if not groups:
        return x, None
    a = group_axis % x.ndim
    shape = x.shape[:a] + (groups, x.shape[a] // groups) + x.shape[a + 1 :]
    return x.reshape(shape), a


def _reduced_axes(ndim, axes, groups, group_axis):
    axes = sorted(a % ndim for a in axes)
    if not groups:
        return tuple(axes), None
    g = group_axis % ndim
    shifted = [a if a < g else a + 1 for a in axes] + [g + 1]
    return tuple(sorted(shifted)), g


def _broadcast_params(p, ndim, param_axes):
    if p is None:
        return None
    shape = [1] * ndim
    for a, n in zip(sorted(q % ndim for q in param_axes), p.shape):
        shape[a] = n
    return p.reshape(shape)


def moments(x, axes, groups=0, group_axis=-1, mode="moments", weights=None, count_epsilon=0.0):
    """(mean, var) shaped as the op's statistics outputs, computed in float64."""
    x64 = x.astype(np.float64)
    view, _ = _grouped(x64, groups, group_axis)
    red, _ = _reduced_axes(x.ndim, axes, groups, group_axis)
    if mode == "l2":
        var = (view**2).sum(red, keepdims=True)
        mean = np.zeros_like(var)
    elif mode == "rms":
        var = (view**2).mean(red, keepdims=True)
        mean = np.zeros_like(var)
    elif weights is not None:
        w = np.broadcast_to(weights.astype(np.float64)[..., None], view.shape)
        d = w.sum(red, keepdims=True) + count_epsilon
        mean = (w * view).sum(red, keepdims=True) / d
        var = (w * (view - mean) ** 2).sum(red, keepdims=True) / d
    else:
        mean = view.mean(red, keepdims=True)
        var = ((view - mean) ** 2).mean(red, keepdims=True)
    return np.squeeze(mean, red), np.squeeze(var, red)


def normalize(
    x,
    axes,
    param_axes=(),
    gamma=None,
    beta=None,
    epsilon=1e-3,
    groups=0,
    group_axis=-1,
    mode="moments",
    weights=None,
    count_epsilon=0.0,
    mean=None,
    var=None,
):
    """y of normalize (or of normalize_with_stats when mean/var are given), in float64."""
    x64 = x.astype(np.float64)
    if mean is None:
        mean, var = moments(x, axes, groups, group_axis, mode, weights, count_epsilon)
    view, _ = _grouped(x64, groups, group_axis)
    red, _ = _reduced_axes(x.ndim, axes, groups, group_axis)
    m = np.expand_dims(np.asarray(mean, np.float64), red)
    v = np.expand_dims(np.asarray(var, np.float64), red)
    if mode == "l2":
        rs = np.minimum(1.0 / np.sqrt(v), 1.0 / epsilon)
    else:
        rs = 1.0 / np.sqrt(v + epsilon)
    centred = view - m if mode == "moments" else view
    y = (centred * rs).reshape(x.shape)
    g = _broadcast_params(None if gamma is None else gamma.astype(np.float64), x.ndim, param_axes)
    b = _broadcast_params(None if beta is None else beta.astype(np.float64), x.ndim, param_axes)
    if g is not None:
        y = y * g
    if b is not None:
        y = y + b
    return y
