"""keras.ops's activation functions in dagnet.ops (relu6, gelu, glu, sparsemax, ...): the
same calls as the 'activations' case of raw_ops_cases.py, run eagerly on NumPy arrays and
traced inside a custom layer, give the outputs Keras 3.15 gave for that case (fixture
keras3_raw_ops/activations.npz); signatures and defaults are keras.ops's. The symbolic
side (configs, Keras-saved models, summary) is in test_raw_ops.py."""

import inspect
import os

import numpy as np
import pytest
from raw_ops_cases import CASES

import dagnet
from dagnet import layers, ops, utils

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_raw_ops", "activations.npz")

# keras.ops's signatures in Keras 3.15 (keras/src/ops/nn.py)
SIGNATURES = {
    "relu6": "(x)",
    "leaky_relu": "(x, negative_slope=0.2)",
    "gelu": "(x, approximate=True)",
    "silu": "(x)",
    "swish": "(x)",
    "hard_sigmoid": "(x)",
    "hard_silu": "(x)",
    "hard_swish": "(x)",
    "selu": "(x)",
    "softsign": "(x)",
    "log_sigmoid": "(x)",
    "celu": "(x, alpha=1.0)",
    "glu": "(x, axis=-1)",
    "sparsemax": "(x, axis=-1)",
    "squareplus": "(x, b=4)",
    "sparse_plus": "(x)",
    "sparse_sigmoid": "(x)",
    "hard_tanh": "(x)",
    "soft_shrink": "(x, threshold=0.5)",
    "hard_shrink": "(x, threshold=0.5)",
    "tanh_shrink": "(x)",
    "threshold": "(x, threshold, default_value)",
}


class _Eager:
    """Stands in for the library in raw_ops_cases: Input gives a NumPy array."""

    def __init__(self, x):
        self.ops, self._x = ops, x

    def Input(self, shape, name=None):  # noqa: N802
        return self._x


def _keras():
    data = np.load(FIXTURE)
    return data["x0"], [data[f"y{i}"] for i in range(len([k for k in data if k.startswith("y")]))]


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signatures_are_keras_ops(name):
    fn = getattr(ops, name)
    assert str(inspect.signature(fn)) == SIGNATURES[name]
    assert name in ops.__all__


def test_aliases():
    assert ops.swish is ops.silu and ops.hard_swish is ops.hard_silu


def test_eager_on_numpy_gives_keras_outputs():
    x, want = _keras()
    _, got = CASES["activations"](_Eager(x), ops)
    assert len(got) == len(want)
    for i, (a, b) in enumerate(zip(got, want)):
        assert isinstance(a, np.ndarray) and a.shape == b.shape, i
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=f"output {i}")


def test_traced_in_custom_layer_gives_keras_outputs():
    x_data, want = _keras()

    class AllActivations(layers.Layer):
        def call(self, x):
            _, outs = CASES["activations"](_Eager(x), ops)
            return ops.concatenate([ops.reshape(o, (-1, int(np.prod(o.shape[1:])))) for o in outs], axis=-1)

    utils.clear_session()
    x = dagnet.Input((3, 4))
    model = dagnet.Model(x, AllActivations()(x))
    assert [type(op).__name__ for op in model.operations] == ["InputLayer", "AllActivations"]
    got = model.predict(x_data, verbose=0)
    np.testing.assert_allclose(
        got, np.concatenate([y.reshape(len(y), -1) for y in want], axis=-1), rtol=1e-5, atol=1e-6
    )


def test_scalar_and_list_operands():
    np.testing.assert_allclose(ops.relu6([-1.0, 3.0, 9.0]), [0.0, 3.0, 6.0])
    np.testing.assert_allclose(ops.leaky_relu(np.float32(-2.0), negative_slope=0.5), -1.0)
    np.testing.assert_allclose(ops.hard_tanh(np.array([-3.0, 0.25, 3.0], "float32")), [-1.0, 0.25, 1.0])
    np.testing.assert_allclose(ops.threshold(np.array([0.0, 2.0], "float32"), 1.0, 7.0), [7.0, 2.0])


def test_glu_needs_an_even_axis():
    with pytest.raises(ValueError, match="divisible by 2"):
        ops.glu(np.ones((2, 3), "float32"))


@pytest.mark.parametrize(
    "name",
    [
        "gelu",
        "silu",
        "selu",
        "celu",
        "log_sigmoid",
        "softsign",
        "leaky_relu",
        "hard_silu",
        "squareplus",
        "soft_shrink",
        "tanh_shrink",
        "sparsemax",
        "glu",
    ],
)
def test_trains_through_activation(name):
    utils.clear_session()
    utils.set_random_seed(0)
    x = dagnet.Input((4,))
    y = dagnet.layers.Dense(1)(getattr(ops, name)(dagnet.layers.Dense(4)(x)))
    model = dagnet.Model(x, y)
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    data, target = rng.standard_normal((32, 4)).astype("float32"), rng.standard_normal((32, 1)).astype("float32")
    before = model.evaluate(data, target, verbose=0)
    model.fit(data, target, epochs=5, verbose=0)
    assert model.evaluate(data, target, verbose=0) < before
