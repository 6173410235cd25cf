"""Batch renormalization (Ioffe 2017; BatchNormalization(renorm=True), Keras 3's formulas):
in training the batch-normalized value is corrected by r = stddev / renorm_stddev and
d = (mean - renorm_mean) / renorm_stddev (clipped, constants to autodiff) so training and
inference agree; inference is a plain batch norm with the moving statistics."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops


def check_clipping(renorm_clipping: Any) -> dict:
    """Keras's checks of renorm_clipping ({'rmax', 'rmin', 'dmax'})."""
    renorm_clipping = renorm_clipping or {}
    keys = ["rmax", "rmin", "dmax"]
    if set(renorm_clipping) - set(keys):
        raise ValueError(
            f"Received invalid keys for `renorm_clipping` argument: {renorm_clipping}. Supported values: {keys}."
        )
    rmax, rmin, dmax = (renorm_clipping.get(k) for k in keys)
    if rmax is not None and rmin is not None and rmax < rmin:
        raise ValueError(
            "rmax should be greater than rmin in the `renorm_clipping` argument. Received: rmax={rmax}, rmin={rmin}."
        )
    if dmax is not None and dmax < 0:
        raise ValueError("dmax should be non-negative in the `renorm_clipping` argument. Received: dmax={dmax}.")
    return renorm_clipping


def add_renorm_weights(layer: Any, shape: tuple) -> None:
    """moving_stddev, renorm_mean and renorm_stddev (non-trainable), after the moving statistics."""

    def stddev_initializer(shape: Any, dtype: Any = None) -> np.ndarray:
        return np.sqrt(np.asarray(layer.moving_variance_initializer(shape, dtype=dtype)))

    for name, initializer in (
        ("moving_stddev", stddev_initializer),
        ("renorm_mean", layer.moving_mean_initializer),
        ("renorm_stddev", stddev_initializer),
    ):
        setattr(layer, name, layer.add_weight(shape=shape, name=name, initializer=initializer, trainable=False))


def renormalized(layer: Any, builder: Any, y0: Any, mean: Any, variance: Any, gamma: Any, beta: Any) -> Any:
    """y0 (the batch-normalized input, no gamma/beta) corrected and scaled, and the state
    updates of the renorm and moving statistics. mean/variance are the batch statistics."""
    eps = layer.epsilon
    stddev = ops.sqrt(variance + eps)
    renorm_stddev = ops.maximum(builder.param(layer.renorm_stddev), float(np.sqrt(eps)))
    r = stddev / renorm_stddev
    d = (mean - builder.param(layer.renorm_mean)) / renorm_stddev
    clipping = layer.renorm_clipping or {}
    if clipping.get("rmin") is not None:
        r = ops.maximum(r, float(clipping["rmin"]))
    if clipping.get("rmax") is not None:
        r = ops.minimum(r, float(clipping["rmax"]))
    if clipping.get("dmax") is not None:
        d = ops.clip(d, -float(clipping["dmax"]), float(clipping["dmax"]))
    scale = r * gamma if gamma is not None else r
    offset = d * gamma if gamma is not None else d
    if beta is not None:
        offset = offset + beta
    broadcast = [y0.shape[a] if a in layer._axes else 1 for a in range(y0.ndim)]
    y = y0 * ops.reshape(scale, broadcast) + ops.reshape(offset, broadcast)

    momentum, renorm_momentum = layer.momentum, float(layer.renorm_momentum)
    builder.update_state("moving_average_update", [layer.renorm_mean, mean], {"momentum": renorm_momentum})
    builder.update_state("moving_average_update", [layer.renorm_stddev, stddev], {"momentum": renorm_momentum})
    builder.update_state("moving_average_update", [layer.moving_mean, mean], {"momentum": momentum})
    new_stddev = builder.param(layer.moving_stddev) * momentum + stddev * (1.0 - momentum)
    layer.moving_stddev.assign(new_stddev)
    # ReLU guards against a slightly negative value from rounding, as Keras does.
    layer.moving_variance.assign(ops.relu(new_stddev * new_stddev - eps))
    return y
