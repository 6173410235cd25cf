"""ops.log_softmax is one stable formula, x - max - log(sum(exp(x - max))), that
activations.log_softmax and the 'log_softmax' activation share. It used to be
log(softmax(x)), which gives -inf where softmax underflows; Keras 3.15 gives finite values.
The expected numbers are what Keras 3.15 printed for the same calls (keras.ops.log_softmax
and keras.activations.log_softmax agree)."""

import numpy as np
import pytest
from helpers import fd_check, mse_to

from dagnet import Input, Model, activations, layers, ops
from dagnet._tracing import GraphBuilder, GraphTensor

WIDE = np.array([1000.0, 0.0, -1000.0], np.float32)
KERAS_WIDE = np.array([0.0, -1000.0, -2000.0], np.float32)
MATRIX = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], np.float32)
KERAS_MATRIX_AXIS0 = np.array([[-0.474077, -0.04858733, -0.31326163], [-0.974077, -3.0485873, -1.3132616]], np.float32)


@pytest.mark.parametrize("fn", [ops.log_softmax, activations.log_softmax], ids=["ops", "activations"])
def test_log_softmax_is_finite_and_equals_keras_on_a_wide_range(fn):
    out = np.asarray(fn(WIDE))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, KERAS_WIDE, rtol=0, atol=1e-4)
    np.testing.assert_allclose(fn(MATRIX, axis=0), KERAS_MATRIX_AXIS0, rtol=1e-6, atol=1e-6)


def test_log_softmax_symbolic_and_as_a_layer_activation_use_the_same_formula():
    x = Input(shape=(3,))
    model = Model(x, [ops.log_softmax(x), layers.Activation("log_softmax")(x)])
    for out in model.predict(WIDE[None], verbose=0):
        np.testing.assert_allclose(out[0], KERAS_WIDE, rtol=0, atol=1e-4)


def _lowered(fn):
    """fd_check's build for a dagnet.ops function lowered into the check's graph."""

    def build(g, ids):
        builder = GraphBuilder()
        builder.graph = g
        with builder.active():
            out = fn(*(GraphTensor(builder, i) for i in ids))
        return mse_to(g, out.id, rng=np.random.default_rng(1))

    return build


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_log_softmax_gradient(axis):
    rng = np.random.default_rng(2)
    fd_check(_lowered(lambda x: ops.log_softmax(x, axis=axis)), [rng.standard_normal((3, 4, 2)) * 3], rng)
