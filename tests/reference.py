"""NumPy references for the engine's ops (Keras semantics)."""

import numpy as np

EPS = 1e-7  # Keras's backend epsilon


def activation(x, kind, alpha=1.0, axis=-1):
    if kind == "linear":
        return x
    if kind == "relu":
        return np.maximum(x, 0)
    if kind == "elu":
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
    if kind == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if kind == "tanh":
        return np.tanh(x)
    if kind == "softmax":
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    raise ValueError(kind)


def dense(x, w, b=None, kind="linear", alpha=1.0):
    z = x @ w
    if b is not None:
        z = z + b
    return activation(z, kind, alpha)


def mse(p, t):
    return np.mean(np.mean((p - t) ** 2, axis=-1))


def binary_crossentropy(p, t):
    q = np.clip(p, EPS, 1 - EPS)
    return np.mean(np.mean(-(t * np.log(q) + (1 - t) * np.log(1 - q)), axis=-1))


def categorical_crossentropy(p, t):
    q = np.clip(p / p.sum(axis=-1, keepdims=True), EPS, 1 - EPS)
    return np.mean(-np.sum(t * np.log(q), axis=-1))
