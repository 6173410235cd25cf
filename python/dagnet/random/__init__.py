"""keras.random: random numbers eagerly (NumPy arrays from dagnet's random state, which
dagnet.utils.set_random_seed seeds) and inside graphs (a layer's call: nodes of the
engine's counter-based RNG that draw anew every step; see _graph.py).

Seeds as Keras: None uses the global generator, an int gives the same numbers on every
call, a SeedGenerator gives new numbers on every call and repeats its sequence."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _random, backend, ops as _ops
from .._tracing import GraphBuilder, GraphTensor, current_builder
from ..keras_tensor import KerasTensor
from ..ops import _dispatch
from . import _graph
from .seed_generator import SeedGenerator

__all__ = [
    "SeedGenerator",
    "beta",
    "binomial",
    "categorical",
    "dropout",
    "gamma",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]


def _builder(*tensors: Any) -> GraphBuilder | None:
    """The graph a call adds nodes to (a traced operand's, or the layer call being traced); None eagerly."""
    return next((t.builder for t in tensors if isinstance(t, GraphTensor)), None) or current_builder()


def _symbolic(fn: Any, name: str, args: tuple, kwargs: dict) -> Any:
    """A call on KerasTensors: one node of the functional graph that runs `fn` when traced."""
    if _dispatch._symbolic_recorder is None:
        raise RuntimeError(f"keras.random.{name} on symbolic tensors needs dagnet.layers loaded: import dagnet first.")
    return _dispatch._symbolic_recorder(fn, name, args, kwargs)


def _rng(seed: Any) -> np.random.Generator:
    """The NumPy generator of one eager draw."""
    if seed is None:
        return _random.generator()
    if isinstance(seed, SeedGenerator):
        return seed.numpy_generator()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise ValueError(
        "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
        f"Received: seed={seed} (of type {type(seed)})"
    )


def _static_shape(shape: Any, name: str) -> tuple[int, ...]:
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(d is None for d in dims):
        raise ValueError(
            f"keras.random.{name}: shape {dims} has an unknown size; outside a layer's call the shape must be static"
        )
    return tuple(int(d) for d in dims)


def _float_dtype(dtype: Any) -> str:
    return backend.standardize_dtype(dtype) if dtype is not None else backend.floatx()


def _not_in_graph(name: str) -> NotImplementedError:
    return NotImplementedError(
        f"keras.random.{name} cannot run inside a graph in dagnet (a layer's call or a functional model): the "
        "engine has no node for it. Call it eagerly on NumPy data, or draw with normal/uniform/randint/"
        "truncated_normal/dropout inside the graph."
    )


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None) -> Any:
    """Numbers from N(mean, stddev**2)."""
    dtype = _float_dtype(dtype)
    builder = _builder()
    if builder is not None:
        return _graph.normal(_graph.Draws(builder, seed), shape, mean, stddev, dtype, "normal")
    return _rng(seed).normal(mean, stddev, _static_shape(shape, "normal")).astype(dtype)


def uniform(shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None, seed: Any = None) -> Any:
    """Numbers uniform in [minval, maxval)."""
    if dtype and not backend.is_float_dtype(dtype):
        raise ValueError(f"`keras.random.uniform` requires a floating point `dtype`. Received: dtype={dtype} ")
    dtype = _float_dtype(dtype)
    builder = _builder()
    if builder is not None:
        return _graph.uniform(_graph.Draws(builder, seed), shape, minval, maxval, dtype, "uniform")
    return _rng(seed).uniform(minval, maxval, _static_shape(shape, "uniform")).astype(dtype)


def randint(shape: Any, minval: int, maxval: int, dtype: Any = "int32", seed: Any = None) -> Any:
    """Integers uniform in [minval, maxval)."""
    if dtype and not backend.is_int_dtype(dtype):
        raise ValueError(f"`keras.random.randint` requires an integer `dtype`. Received: dtype={dtype} ")
    dtype = backend.standardize_dtype(dtype or "int32")
    builder = _builder()
    if builder is not None:
        # floor of a uniform draw; float64 keeps every integer of a wide range reachable,
        # and the clip guards the rounding of minval + u * (maxval - minval) up to maxval.
        wide = maxval - minval > 2**24
        u = _graph.uniform(
            _graph.Draws(builder, seed), shape, minval, maxval, "float64" if wide else "float32", "randint"
        )
        return _ops.cast(_ops.minimum(_ops.floor(u), float(maxval - 1)), dtype)
    return _rng(seed).integers(minval, maxval, _static_shape(shape, "randint")).astype(dtype)


# Keras's truncated normal drops values more than two standard deviations from the mean and draws again.
_TRUNCATION = 2.0
_CANDIDATES = 8  # in a graph: the first of 8 draws within range (all 8 outside: p = 0.0455**8, about 2e-11)


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None) -> Any:
    """Numbers from N(mean, stddev**2) restricted to [mean - 2 stddev, mean + 2 stddev]."""
    dtype = _float_dtype(dtype)
    builder = _builder()
    if builder is not None:
        draws = _graph.Draws(builder, seed)
        like = _graph.shaped(builder, shape, dtype, "truncated_normal")
        candidates = [
            _graph.normal(draws, shape, 0.0, 1.0, dtype, "truncated_normal", like) for _ in range(_CANDIDATES)
        ]
        out = _ops.clip(candidates[-1], -_TRUNCATION, _TRUNCATION)
        for z in reversed(candidates[:-1]):
            out = _ops.where(_ops.less(_ops.abs(z), _TRUNCATION), z, out)
        return out * stddev + mean
    rng = _rng(seed)
    values = rng.standard_normal(_static_shape(shape, "truncated_normal"))
    outside = np.abs(values) > _TRUNCATION
    while outside.any():  # resample exactly the dropped values, as Keras's backends do
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > _TRUNCATION
    return (values * stddev + mean).astype(dtype)


def dropout(inputs: Any, rate: float, noise_shape: Any = None, seed: Any = None) -> Any:
    """inputs with each entry zeroed with probability `rate`, the rest scaled by 1 / (1 - rate)."""
    if isinstance(inputs, KerasTensor):
        return _symbolic(dropout, "dropout", (inputs, rate), {"noise_shape": noise_shape, "seed": seed})
    builder = _builder(inputs)
    if builder is not None:
        x = builder.as_value(inputs)
        draws = _graph.Draws(builder, seed)
        if noise_shape is None:
            y, _mask = builder.node("dropout", [x, draws.counter()], {"rate": float(rate), "seed": draws.seed})
            return y
        reference = x
        for axis, (dim, size) in enumerate(zip(noise_shape, x.shape, strict=True)):
            if dim is not None and dim != size:
                if dim != 1:
                    raise ValueError(
                        f"keras.random.dropout: noise_shape {tuple(noise_shape)} is incompatible with the input "
                        f"shape {x.shape} (each entry must be None, 1 or the input's size)"
                    )
                reference = _ops.max(reference, axis=axis, keepdims=True)
        mask, _ = builder.node(
            "dropout", [_ops.ones_like(reference), draws.counter()], {"rate": float(rate), "seed": draws.seed}
        )
        return x * mask
    array = np.asarray(inputs)
    dtype = array.dtype if array.dtype.kind == "f" else np.dtype(backend.floatx())
    shape = array.shape
    if noise_shape is not None:
        shape = tuple(s if d is None else d for d, s in zip(noise_shape, array.shape, strict=True))
    keep = 1.0 - rate
    kept = _rng(seed).uniform(size=shape) < keep
    return np.where(kept, array / keep, 0).astype(dtype)


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> Any:
    """x with its slices along `axis` in a random order."""
    if isinstance(x, KerasTensor) or _builder(x) is not None:
        raise _not_in_graph("shuffle")
    x = np.asarray(x)
    return np.take(x, _rng(seed).permutation(x.shape[axis]), axis=axis)


def categorical(logits: Any, num_samples: int, dtype: Any = "int32", seed: Any = None) -> Any:
    """num_samples class indices per row of the (batch, classes) `logits` (unnormalized log-probabilities)."""
    if isinstance(logits, KerasTensor) or _builder(logits) is not None:
        raise _not_in_graph("categorical")
    logits = np.asarray(logits, dtype="float64")
    if logits.ndim != 2:
        raise ValueError(
            f"`logits` should be a 2-D tensor with shape [batch_size, num_classes]. Received: logits={logits}"
        )
    # Gumbel-max: the argmax of logits plus Gumbel noise is a draw from softmax(logits).
    u = _rng(seed).uniform(size=(logits.shape[0], int(num_samples), logits.shape[1]))
    gumbel = -np.log(-np.log(np.maximum(u, np.finfo("float64").tiny)))
    return np.argmax(logits[:, None, :] + gumbel, axis=-1).astype(backend.standardize_dtype(dtype))


def gamma(shape: Any, alpha: Any, dtype: Any = None, seed: Any = None) -> Any:
    """Numbers from the gamma distribution of shape `alpha` (scale 1)."""
    if _builder() is not None:
        raise _not_in_graph("gamma")
    return _rng(seed).gamma(alpha, 1.0, _static_shape(shape, "gamma")).astype(_float_dtype(dtype))


def binomial(shape: Any, counts: Any, probabilities: Any, dtype: Any = None, seed: Any = None) -> Any:
    """Successes in `counts` trials of success probability `probabilities` (broadcast together)."""
    if _builder() is not None:
        raise _not_in_graph("binomial")
    counts = np.asarray(counts).astype("int64")
    draws = _rng(seed).binomial(counts, probabilities, _static_shape(shape, "binomial"))
    return draws.astype(_float_dtype(dtype))


def beta(shape: Any, alpha: Any, beta: Any, dtype: Any = None, seed: Any = None) -> Any:
    """Numbers from the beta distribution of parameters `alpha` and `beta`."""
    if _builder() is not None:
        raise _not_in_graph("beta")
    return _rng(seed).beta(alpha, beta, _static_shape(shape, "beta")).astype(_float_dtype(dtype))
