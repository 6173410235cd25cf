"""The native `constrain` op (weight constraints applied in place after an update)
against values real Keras 3 computed (tests/fixtures/keras3_constraints.npz)."""

import os

import numpy as np
import pytest

from dagnet.engine import Executor, Graph

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_constraints.npz"))
CASES = [
    ("non_neg", {}),
    ("max_norm", {"axes": [0], "max_value": 1.5}),
    ("max_norm", {"axes": [0, 1], "max_value": 3.0}),
    ("unit_norm", {"axes": [-1]}),
    ("min_max_norm", {"axes": [1], "min_value": 0.5, "max_value": 2.0, "rate": 0.7}),
]


@pytest.mark.parametrize("index", range(len(CASES)))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_constrain_matches_keras(index, dtype):
    kind, attrs = CASES[index]
    g = Graph()
    w = g.param("w", FIXTURE["w"].astype(dtype))
    node_outputs = g.node("constrain", [w], {"kind": kind, **attrs})
    assert node_outputs == []
    ex = Executor(g, [w], effects=[g.num_nodes - 1])
    (got,) = ex.run([])
    np.testing.assert_allclose(got, FIXTURE[f"case{index}"], rtol=2e-6, atol=1e-7)


def test_constrain_rejects_unknown_kinds_and_axes():
    g = Graph()
    w = g.param("w", np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="unknown constraint"):
        g.node("constrain", [w], {"kind": "clip"})
    with pytest.raises(ValueError, match="axis"):
        g.node("constrain", [w], {"kind": "max_norm", "axes": [2]})


def test_constrain_runs_after_the_update_it_follows():
    """Built after an optimizer update on the same parameter, it sees the updated value."""
    w0 = np.array([[0.5, -1.0], [2.0, 0.25]])
    grad = np.array([[1.0, -1.0], [0.0, 2.0]])
    g = Graph()
    w = g.param("w", w0.copy())
    gi = g.input("g", [2, 2], "float64")
    lr = g.param("lr", np.array(0.5))
    g.node("sgd_update", [w, gi, lr])
    g.node("constrain", [w], {"kind": "non_neg"})
    (got,) = Executor(g, [w], effects=[0, 1]).run([grad])
    np.testing.assert_allclose(got, np.maximum(w0 - 0.5 * grad, 0))
