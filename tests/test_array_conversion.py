"""NumPy arrays entering the engine: foreign byte order is converted, never read as native
(6.0 big-endian read as native is 6.9e-41); read-only memory (a memmap opened 'r', a bytes
buffer) is read in place but never written: an input a graph updates in place must be a
writeable array the update can land in, else a clear error."""

import numpy as np
import pytest

import dagnet
from dagnet import _engine
from dagnet.engine import Executor, Graph, Tensor, Trainer


def big_endian(a):
    return np.asarray(a).astype(np.asarray(a).dtype.newbyteorder(">"))


def doubled(x):
    g = Graph()
    xi = g.input("x", [-1] * x.ndim, str(x.dtype.newbyteorder("=")))
    (y,) = g.node("scale", [xi], {"factor": 2.0})
    return Executor(g, [y]).run([x])[0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_big_endian_inputs_are_converted(dtype):
    x = np.array([[6.0, -1.5], [0.25, 3.0]], dtype)
    be = big_endian(x)
    assert be.dtype.byteorder == ">"
    np.testing.assert_array_equal(doubled(be), 2 * x)
    np.testing.assert_array_equal(doubled(be[:, ::-1]), 2 * x[:, ::-1])  # strided too


def test_big_endian_parameters_indices_and_tensors_are_converted(tmp_path):
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    g = Graph()
    idx = g.input("i", [-1], "int32")
    w = g.param("table", big_endian(table))
    (y,) = g.node("embedding", [idx, w])
    out = Executor(g, [y]).run([big_endian(np.array([3, 0], np.int32))])[0]
    np.testing.assert_array_equal(out, table[[3, 0]])
    np.testing.assert_array_equal(np.asarray(Tensor.from_numpy(big_endian(table))), table)
    path = str(tmp_path / "t.bin")
    _engine.write_tensors(path, [big_endian(table)])
    np.testing.assert_array_equal(_engine.read_tensors(path)[0], table)


def test_big_endian_through_the_keras_api():
    x = np.linspace(-1, 1, 24, dtype=np.float32).reshape(8, 3)
    y = (x @ np.array([[1.0], [2.0], [-1.0]], np.float32)).astype(np.float32)
    inp = dagnet.Input((3,))
    model = dagnet.Model(inp, dagnet.layers.Dense(1, use_bias=False)(inp))
    kernel = np.array([[0.5], [-0.25], [2.0]], np.float32)
    model.set_weights([big_endian(kernel)])
    np.testing.assert_array_equal(model.get_weights()[0], kernel)
    np.testing.assert_allclose(model.predict(big_endian(x), verbose=0), x @ kernel, rtol=1e-6)
    model.compile("sgd", "mse")
    native = model.evaluate(x, y, verbose=0)
    assert model.evaluate(big_endian(x), big_endian(y), verbose=0) == pytest.approx(native)


def counter_graph():
    """A graph whose input is written in place (increment_counter mutates its operand)."""
    g = Graph()
    c = g.input("counter", [], "int64")
    g.node("increment_counter", [c])
    return Executor(g, [], [0])


def test_read_only_arrays_are_never_written(tmp_path):
    ex = counter_graph()
    writeable = np.array(5, np.int64)
    ex.run([writeable])
    assert writeable == 6  # updated in place, as the op promises
    path = tmp_path / "counter.npy"
    np.save(path, np.array(5, np.int64))
    for read_only in (np.load(path, mmap_mode="r"), np.frombuffer(np.int64(5).tobytes(), np.int64).reshape(())):
        assert not read_only.flags.writeable
        with pytest.raises(ValueError, match="updated in place by the graph, but the array is read-only"):
            ex.run([read_only])
        assert read_only == 5
    assert np.load(path) == 5


def test_an_input_updated_in_place_must_be_viewable():
    g = Graph()
    p = g.input("p", [3], "float32")
    grad = g.input("g", [3], "float32")
    lr = g.input("lr", [], "float64")
    g.node("sgd_update", [p, grad, lr])
    ex = Executor(g, [], [0])
    param = np.ones(6, np.float32)[::2]  # writeable but strided: a copy would drop the update
    with pytest.raises(ValueError, match="C-contiguous"):
        ex.run([param, np.ones(3, np.float32), np.array(0.5)])
    with pytest.raises(ValueError, match="C-contiguous"):
        ex.run([big_endian(np.ones(3, np.float32)), np.ones(3, np.float32), np.array(0.5)])
    param = np.ones(3, np.float32)
    ex.run([param, np.ones(3, np.float32), np.array(0.5)])
    np.testing.assert_array_equal(param, [0.5, 0.5, 0.5])


def test_read_only_inputs_that_are_only_read_are_fine(tmp_path):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    path = tmp_path / "x.npy"
    np.save(path, x)
    mm = np.load(path, mmap_mode="r")
    np.testing.assert_array_equal(doubled(mm), 2 * x)
    g = Graph()
    xi = g.input("x", [-1, 3])
    w = g.param("w", np.ones((3, 1), np.float32))
    (y,) = g.node("dense", [xi, w])
    (loss,) = g.node("reduce", [y], {"kind": "sum"})
    trainer = Trainer(g, loss, [w], "sgd", learning_rate=0.1)
    trainer.step([mm])
    np.testing.assert_array_equal(np.load(path), x)
