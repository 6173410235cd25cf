"""Bad calls raise Python exceptions that name the node, op and shapes; none crash."""

import os

import numpy as np
import pytest

from dagnet.engine import Executor, Graph, Trainer, gradients


@pytest.fixture
def g():
    return Graph()


def test_dense_shape_mismatch_names_node_and_shapes(g):
    x = g.input("x", [-1, 5])
    w = g.param("w", np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match=r"node 'hidden' \(dense\).*\(None, 5\), \(4, 3\)"):
        g.node("dense", [x, w], name="hidden")


def test_add_and_concatenate_shape_mismatch(g):
    a = g.input("a", [-1, 4])
    b = g.input("b", [-1, 5])
    with pytest.raises(ValueError, match=r"\(add\).*same shape.*\(None, 5\)"):
        g.node("add", [a, b])
    c = g.input("c", [-1, 3, 2])
    with pytest.raises(ValueError, match=r"\(concatenate\).*except the concatenation axis"):
        g.node("concatenate", [a, c])
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        g.node("concatenate", [a, b], {"axis": 2})


def test_unknown_attribute_and_wrong_attribute_type(g):
    x = g.input("x", [-1, 4])
    w = g.param("w", np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match="unknown attribute 'activaton'.*allowed: activation, alpha"):
        g.node("dense", [x, w], {"activaton": "relu"})
    with pytest.raises(TypeError, match="attribute 'activation' must be str"):
        g.node("dense", [x, w], {"activation": 3})
    with pytest.raises(ValueError, match="unknown activation 'relux'"):
        g.node("dense", [x, w], {"activation": "relux"})
    with pytest.raises(TypeError, match="unsupported value type"):
        g.node("dense", [x, w], {"activation": object()})


def test_unknown_op_wrong_arity_and_bad_ids(g):
    x = g.input("x", [-1, 4])
    with pytest.raises(ValueError, match="unknown op 'convolve'"):
        g.node("convolve", [x])
    with pytest.raises(ValueError, match=r"expects 2 to 3 inputs, got 1"):
        g.node("dense", [x])
    with pytest.raises(IndexError, match="input value id 99 does not exist"):
        g.node("activation", [99])
    with pytest.raises(IndexError):
        g.shape(-5)


def test_wrong_dtypes(g):
    x = g.input("x", [-1, 4], "int32")
    w = g.param("w", np.zeros((4, 3), np.float32))
    with pytest.raises(TypeError, match="must be float32 or float64, got int32"):
        g.node("dense", [x, w])
    f = g.input("f", [-1, 4], "float64")
    with pytest.raises(TypeError, match="input 1 has dtype float32 but input 0 has float64"):
        g.node("dense", [f, w])
    with pytest.raises(TypeError, match="unsupported dtype 'float16'"):
        g.input("h", [2], "float16")


def test_feed_errors(g):
    x = g.input("x", [-1, 4])
    (y,) = g.node("activation", [x], {"kind": "relu"})
    ex = Executor(g, [y])
    with pytest.raises(TypeError, match="input 'x' expects dtype float32, got float64"):
        ex.run([np.zeros((2, 4))])
    with pytest.raises(ValueError, match=r"input 'x' expects shape \(None, 4\), got \(2, 5\)"):
        ex.run([np.zeros((2, 5), np.float32)])
    with pytest.raises(ValueError, match=r"expects shape \(None, 4\), got \(4,\)"):
        ex.run([np.zeros(4, np.float32)])
    with pytest.raises(ValueError, match="missing input 'x'"):
        ex.run({"z": np.zeros((2, 4), np.float32)})
    with pytest.raises(ValueError, match="expected 1 input"):
        ex.run([])
    with pytest.raises(TypeError, match="unsupported dtype"):
        ex.run([np.zeros((2, 4), np.float16)])
    # The executor still works after all of that.
    assert ex.run([np.ones((2, 4), np.float32)])[0].shape == (2, 4)


def test_non_contiguous_feeds_are_accepted(g):
    x = g.input("x", [-1, 2])
    (y,) = g.node("scale", [x], {"factor": 1.0})
    data = np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2]
    np.testing.assert_array_equal(Executor(g, [y]).run([data])[0], data)


def test_gradient_of_non_scalar_is_an_error(g):
    w = g.param("w", np.zeros((2, 2), np.float32))
    (y,) = g.node("activation", [w], {"kind": "tanh"})
    with pytest.raises(ValueError, match="must be a scalar"):
        gradients(g, y, [w])


def test_training_non_parameters_and_bad_optimizer(g):
    x = g.input("x", [-1, 2])
    t = g.input("t", [-1, 2])
    (loss,) = g.node("mse", [x, t])
    with pytest.raises(ValueError, match="is not a parameter"):
        Trainer(g, loss, [x])
    w = g.param("w", np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'"):
        Trainer(g, loss, [w], optimizer="adamw")
    with pytest.raises(ValueError, match="momentum"):
        Trainer(g, loss, [w], momentum=1.5)


def test_loss_shape_mismatch(g):
    p = g.input("p", [-1, 3])
    t = g.input("t", [-1, 4])
    with pytest.raises(
        ValueError, match=r"\(categorical_crossentropy\).*y_pred has shape \(None, 3\) but y_true has shape \(None, 4\)"
    ):
        g.node("categorical_crossentropy", [p, t])


def test_duplicate_input_name(g):
    g.input("x", [2])
    with pytest.raises(ValueError, match="already has an input named 'x'"):
        g.input("x", [3])
    with pytest.raises(ValueError, match="invalid dimension -3"):
        g.input("z", [-3])


def test_huge_shapes_fail_cleanly(g):
    x = g.input("x", [2**40, 2**40])
    (y,) = g.node("activation", [x], {"kind": "relu"})
    ex = Executor(g, [y])
    with pytest.raises((ValueError, MemoryError)):
        ex.plan_stats([[2**40, 2**40]])


def _available_bytes():
    with open("/proc/meminfo") as f:
        fields = dict(line.split(":", 1) for line in f)
    return (int(fields["MemAvailable"].split()[0]) + int(fields.get("SwapFree", "0 kB").split()[0])) * 1024


@pytest.mark.skipif(not os.path.exists("/proc/meminfo"), reason="reads what Linux reports as available")
def test_an_intermediate_bigger_than_the_free_memory_is_a_memory_error_not_an_oom_kill(g):
    # Linux would hand out the block (overcommit) and kill the process once it is written.
    elements = _available_bytes() // 4 + (1 << 30)  # float32 beyond what is left, < 2**40
    x = g.input("x", [elements])
    (y,) = g.node("activation", [x], {"kind": "relu"})  # in the arena
    (z,) = g.node("activation", [y], {"kind": "relu"})
    ex = Executor(g, [z])
    with pytest.raises(MemoryError, match="memory left"):
        ex.plan_stats([[elements]])
