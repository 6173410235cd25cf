"""Functional models made of raw ops, written once for Keras 3 and dagnet: ``build(lib, case)``
takes the library module (``keras`` or ``dagnet``). tests/fixtures/make/keras3_raw_ops.py
saves Keras's models, configs and predictions; test_raw_ops.py checks dagnet against them.
This module never imports keras."""

import numpy as np

CONSTANT = np.array([1.0, -2.0, 0.5], dtype="float32")
WEIGHT = np.arange(12, dtype="float32").reshape(3, 4) / 10


def _arith(lib, ops):
    x, y = lib.Input((3,), name="x"), lib.Input((3,), name="y")
    outs = [
        x * 2,
        2 * x,
        x + y,
        1 - x,
        x / 2,
        2 / (abs(y) + 1),
        abs(x) ** 2,
        -x,
        abs(x),
        x + 1.5,
        ops.add(x, y),
        ops.subtract(x, 3.0),
        ops.multiply(x, y),
        ops.divide(x, ops.add(abs(y), 1.0)),
        ops.true_divide(y, 4),
        ops.power(ops.abs(x), 1.5),
        ops.maximum(x, 0.0),
        ops.minimum(x, y),
        x * CONSTANT,
    ]
    return [x, y], outs


def _unary(lib, ops):
    x = lib.Input((3,), name="x")
    pos = ops.abs(x) + 1
    outs = [
        ops.exp(x),
        ops.log(pos),
        ops.sqrt(pos),
        ops.square(x),
        ops.sign(x),
        ops.reciprocal(pos),
        ops.log1p(ops.absolute(x)),
        ops.expm1(x),
        ops.sin(x),
        ops.cos(x),
        ops.floor(x * 3),
        ops.round(x * 3),
        ops.rsqrt(pos),
        ops.tanh(x),
        ops.relu(x),
        ops.sigmoid(x),
        ops.softplus(x),
        ops.elu(x, alpha=0.5),
        ops.elu(x),
        ops.softmax(x),
        ops.softmax(x, axis=1),
        ops.log_softmax(x, axis=-1),
        ops.clip(x, -0.5, 0.5),
        ops.negative(x),
        round(x * 2),
    ]
    return [x], outs


def _compare(lib, ops):
    x, y = lib.Input((3,), name="x"), lib.Input((3,), name="y")
    f = lambda t: ops.cast(t, "float32")  # noqa: E731
    outs = [
        f(x < y),
        f(x <= y),
        f(x > 0.5),
        f(x >= y),
        f(ops.equal(x < y, x <= y)),
        f(ops.not_equal(x, y)),
        f(ops.less(x, 0)),
        f(ops.less_equal(y, x)),
        f(ops.greater(x, y)),
        f(ops.greater_equal(x, 0.1)),
        ops.where(x > 0, x, y),
        ops.where(x > 0, x, 0.0),
        ops.cast(ops.cast(x * 4, "int32"), "float32"),
        f(x != y),
        f(x != 0.5),
    ]
    return [x, y], outs


def _reduce(lib, ops):
    x = lib.Input((3, 4), name="x")
    outs = [
        ops.sum(x, axis=1),
        ops.sum(x, axis=(1, 2), keepdims=True),
        ops.mean(x, axis=-1),
        ops.mean(x, axis=1, keepdims=True),
        ops.max(x, axis=-1),
        ops.max(x, axis=2, keepdims=True, initial=0.25),
        ops.min(x, axis=1),
        ops.prod(x, axis=2),
        ops.sum(x, axis=[1, 2]),
    ]
    return [x], outs


def _shape(lib, ops):
    x, y = lib.Input((2, 3), name="x"), lib.Input((3, 4), name="y")
    flat = ops.reshape(x, (-1, 6))
    outs = [
        ops.reshape(flat, (-1, 3, 2)),
        ops.transpose(x, (0, 2, 1)),
        ops.expand_dims(flat, 1),
        ops.squeeze(ops.expand_dims(flat, -1), axis=-1),
        ops.concatenate([x, ops.transpose(y, (0, 2, 1))[:, :2]], axis=-1),
        ops.stack([x, x * 2], axis=1),
        ops.concatenate([flat, flat]),
        x + ops.zeros_like(x) + ops.ones_like(x),
        ops.cast(ops.ones_like(x, dtype="int32"), "float32"),
        ops.convert_to_tensor(x),
        ops.matmul(x, y),
        x @ y,
        ops.dot(x, WEIGHT),
    ]
    return [x, y], outs


def _slicing(lib, ops):
    x = lib.Input((3, 4), name="x")
    outs = [
        x[:, 0],
        x[:, 1:3],
        x[..., None],
        x[:, ::2],
        x[:, -1],
        x[:, 0, 1:],
        x[:, None, -2:],
        x[:, :, 0],
        x[..., 1],
        x[:, 1:, ::-1],
        x[:, -2:, 1:3],
    ]
    return [x], outs


def _activations(lib, ops):
    x = lib.Input((3, 4), name="x")
    outs = [
        ops.relu6(x * 4),
        ops.leaky_relu(x),
        ops.leaky_relu(x, negative_slope=0.05),
        ops.gelu(x),
        ops.gelu(x, approximate=False),
        ops.silu(x),
        ops.swish(x),
        ops.hard_sigmoid(x * 2),
        ops.hard_silu(x * 2),
        ops.hard_swish(x),
        ops.selu(x),
        ops.softsign(x),
        ops.log_sigmoid(x),
        ops.celu(x),
        ops.celu(x, alpha=0.5),
        ops.glu(x),
        ops.glu(ops.concatenate([x, x * 2], axis=1), axis=1),
        ops.sparsemax(x),
        ops.sparsemax(x * 3, axis=1),
        ops.squareplus(x),
        ops.squareplus(x, b=1),
        ops.sparse_plus(x * 2),
        ops.sparse_sigmoid(x * 2),
        ops.hard_tanh(x * 2),
        ops.soft_shrink(x),
        ops.soft_shrink(x, threshold=0.2),
        ops.hard_shrink(x),
        ops.hard_shrink(x, 1.0),
        ops.tanh_shrink(x),
        ops.threshold(x, 0.1, -1.0),
    ]
    return [x], outs


def _with_layers(lib, ops):
    x = lib.Input((3,), name="x")
    h = lib.layers.Dense(4, name="dense")(x)
    h = ops.sum(h * h, axis=-1, keepdims=True) + h[:, :1]
    return [x], [lib.layers.Dense(2, name="head")(ops.relu(h) / 2)]


CASES = {
    "arith": _arith,
    "unary": _unary,
    "compare": _compare,
    "reduce": _reduce,
    "shape": _shape,
    "slicing": _slicing,
    "with_layers": _with_layers,
    "activations": _activations,
}


def build(lib, case):
    inputs, outputs = CASES[case](lib, lib.ops)
    return lib.Model(inputs, outputs, name=case)


def inputs_for(model, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((5,) + tuple(t.shape[1:])).astype("float32") for t in model.inputs]
