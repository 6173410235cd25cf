"""Normalizations of keras.ops (batch_normalization, layer_normalization,
rms_normalization, normalize, moments). Each normalization is one fused native op per
direction (``normalize`` / ``normalize_with_stats`` and their ``normalize_grad``); the
normalization layers lower through ``normalize_nodes``."""

from __future__ import annotations

import warnings
from typing import Any

from .._tracing import GraphBuilder, GraphTensor
from .._typing import TensorLike
from ._dispatch import as_values, lowering, op
from .math import absolute, divide, maximum, mean, power, square, subtract, sum as _sum
from .shape_ops import expand_dims, reshape, squeeze, transpose

__all__ = ["batch_normalization", "layer_normalization", "rms_normalization", "normalize", "moments"]

_KERAS_EPSILON = 1e-7  # keras.backend.epsilon(), the ops' default


def normalize_nodes(
    builder: GraphBuilder,
    x: GraphTensor,
    axes: Any,
    *,
    param_axes: Any = (),
    gamma: Any = None,
    beta: Any = None,
    mode: str = "moments",
    epsilon: float = 1e-3,
    groups: int = 0,
    group_axis: int = -1,
    weights: Any = None,
    count_epsilon: float = 0.0,
    mean: Any = None,
    variance: Any = None,
    stop_stat_grads: bool = False,
) -> Any:
    """One normalize node over `axes` of x: returns (y, mean, variance); with `mean` and
    `variance` given, one normalize_with_stats node, returning y. gamma/beta span
    `param_axes` (increasing, gamma's shape is x's sizes there); a group norm splits
    `group_axis` into `groups`; `weights` (x's shape without its last axis) weight the
    statistics as Keras's masked batch norm does; with `stop_stat_grads` the returned
    statistics are constants to autodiff. Axes the engine cannot view in one pass are moved
    last first (a transpose each way)."""
    ndim = x.ndim
    axes = sorted({int(a) % ndim for a in axes})
    param_axes = [int(a) % ndim for a in param_axes]
    fixed = mean is not None
    attrs: dict[str, Any] = {
        "axes": axes,
        "param_axes": param_axes,
        "mode": mode,
        "epsilon": float(epsilon),
        "scale": int(gamma is not None),
        "center": int(beta is not None),
    }
    if groups:
        attrs.update(groups=int(groups), group_axis=int(group_axis) % ndim)
    if weights is not None:
        attrs.update(weighted=1, count_epsilon=float(count_epsilon))
    if fixed:
        attrs["fixed_stats"] = 1
    if stop_stat_grads:
        attrs["stop_stat_grads"] = 1
    inputs = [x] + ([mean, variance] if fixed else []) + [v for v in (gamma, beta, weights) if v is not None]
    try:
        outs = builder.node("normalize_with_stats" if fixed else "normalize", inputs, attrs)
    except ValueError as error:
        if "in one pass" not in str(error) or groups or weights is not None or stop_stat_grads:
            raise
        return _transposed(builder, x, axes, param_axes, gamma, beta, mode, epsilon, mean, variance)
    return outs[0] if fixed else tuple(outs)


def _transposed(builder, x, axes, param_axes, gamma, beta, mode, epsilon, mean_in, variance_in):
    """The normalization with the reduced axes moved last (kept axes keep their order, so
    the statistics keep their shape)."""
    ndim = x.ndim
    perm = [a for a in range(ndim) if a not in axes] + list(axes)
    moved = [perm.index(a) for a in param_axes]
    order = sorted(range(len(moved)), key=lambda i: moved[i])
    if order != list(range(len(moved))):  # gamma's axes change order too
        gamma = None if gamma is None else lowering(transpose)(builder, gamma, order)
        beta = None if beta is None else lowering(transpose)(builder, beta, order)
    result = normalize_nodes(
        builder,
        lowering(transpose)(builder, x, perm),
        range(ndim - len(axes), ndim),
        param_axes=sorted(moved),
        gamma=gamma,
        beta=beta,
        mode=mode,
        epsilon=epsilon,
        mean=mean_in,
        variance=variance_in,
    )
    inverse = [perm.index(a) for a in range(ndim)]
    if mean_in is not None:
        return lowering(transpose)(builder, result, inverse)
    return (lowering(transpose)(builder, result[0], inverse),) + tuple(result[1:])


def _axis_list(axis: Any, ndim: int) -> list[int]:
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if not -ndim <= int(a) < ndim:
            raise ValueError(f"Axis {a} is out of bounds for an input of rank {ndim}. Received: axis={axis}")
    return sorted(int(a) % ndim for a in axes)


def _as_param(builder: GraphBuilder, p: Any, x: GraphTensor, axes: list[int]) -> Any:
    """A scale or offset as the engine takes it: x's sizes at `axes` (a broadcastable
    shape with ones elsewhere, as Keras accepts, is reshaped)."""
    if p is None:
        return None
    (value,) = as_values(builder, p)
    want = [x.shape[a] for a in axes]
    if list(value.shape) != want:
        value = lowering(reshape)(builder, value, want)
    return value


@op
def batch_normalization(
    builder: GraphBuilder,
    x: TensorLike,
    mean: TensorLike,
    variance: TensorLike,
    axis: int,
    offset: TensorLike = None,
    scale: TensorLike = None,
    epsilon: float = 1e-3,
) -> Any:
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, with mean and variance
    given along `axis` (keras.ops.batch_normalization)."""
    a, m, v = as_values(builder, x, mean, variance)
    (channel,) = _axis_list(axis, a.ndim)
    return normalize_nodes(
        builder,
        a,
        [d for d in range(a.ndim) if d != channel],
        param_axes=[channel],
        gamma=_as_param(builder, scale, a, [channel]),
        beta=_as_param(builder, offset, a, [channel]),
        epsilon=epsilon,
        mean=_as_param(builder, m, a, [channel]),
        variance=_as_param(builder, v, a, [channel]),
    )


@op
def layer_normalization(
    builder: GraphBuilder,
    /,
    x: TensorLike,
    gamma: TensorLike = None,
    beta: TensorLike = None,
    axis: Any = -1,
    epsilon: float | None = None,
    **kwargs: Any,
) -> Any:
    """keras.ops.layer_normalization (rms_scaling=True: Keras's deprecated variant that
    scales by the variance without centring)."""
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization() got unexpected keyword arguments: {sorted(kwargs)}")
    if rms_scaling:
        warnings.warn(
            "You passed `rms_scaling=True`, which is deprecated. This argument incorrectly scales the input by "
            "the variance, not the root mean square. To correctly use RMS Normalization, please use "
            "`keras.ops.rms_normalization` / `keras.ops.nn.rms_normalization` instead.",
            stacklevel=3,
        )
    (a,) = as_values(builder, x)
    axes = _axis_list(axis, a.ndim)
    y, _, _ = normalize_nodes(
        builder,
        a,
        axes,
        param_axes=axes,
        gamma=_as_param(builder, gamma, a, axes),
        beta=_as_param(builder, beta, a, axes),
        mode="rms_scaling" if rms_scaling else "moments",
        epsilon=_KERAS_EPSILON if epsilon is None else epsilon,
    )
    return y


@op
def rms_normalization(
    builder: GraphBuilder, x: TensorLike, scale: TensorLike = None, axis: Any = -1, epsilon: float | None = None
) -> Any:
    """x * rsqrt(mean(x^2 over axis) + epsilon) * scale (keras.ops.rms_normalization; scale
    broadcasts against x's trailing axes)."""
    (a,) = as_values(builder, x)
    axes = _axis_list(axis, a.ndim)
    param_axes: list[int] = []
    if scale is not None:
        (s,) = as_values(builder, scale)
        trailing = range(a.ndim - s.ndim, a.ndim)
        param_axes = [d for d, n in zip(trailing, s.shape) if n != 1]
        scale = _as_param(builder, s, a, param_axes)
    y, _, _ = normalize_nodes(
        builder,
        a,
        axes,
        param_axes=param_axes,
        gamma=scale,
        mode="rms",
        epsilon=_KERAS_EPSILON if epsilon is None else epsilon,
    )
    return y


@op
def normalize(
    builder: GraphBuilder, x: TensorLike, axis: Any = -1, order: int = 2, epsilon: float | None = None
) -> Any:
    """x / max(norm(x), epsilon) along axis (keras.ops.normalize); order 2 is one fused
    op (x * min(rsqrt(sum x^2), 1 / epsilon), as Keras computes it)."""
    if not isinstance(order, int) or not order >= 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    (a,) = as_values(builder, x)
    if a.ndim == 0:
        a = lowering(expand_dims)(builder, a, 0)
    epsilon = _KERAS_EPSILON if epsilon is None else float(epsilon)
    axes = list(range(a.ndim)) if axis is None else _axis_list(axis, a.ndim)
    if order == 2:
        y, _, _ = normalize_nodes(builder, a, axes, mode="l2", epsilon=epsilon)
        return y
    norm = lowering(power)(
        builder,
        lowering(_sum)(builder, lowering(power)(builder, lowering(absolute)(builder, a), order), axes, True),
        1.0 / order,
    )
    return lowering(divide)(builder, a, lowering(maximum)(builder, norm, epsilon))


@op
def moments(builder: GraphBuilder, x: TensorLike, axes: Any, keepdims: bool = False, synchronized: bool = False) -> Any:
    """(mean, variance) of x over axes (keras.ops.moments; variance is the biased one)."""
    (a,) = as_values(builder, x)
    axes = _axis_list(axes, a.ndim)
    m = lowering(mean)(builder, a, axes, True)
    v = lowering(mean)(builder, lowering(square)(builder, lowering(subtract)(builder, a, m)), axes, True)
    if not keepdims:
        m, v = lowering(squeeze)(builder, m, axes), lowering(squeeze)(builder, v, axes)
    return m, v
