"""State updated inside a step: a layer's call that writes a variable (Variable.assign /
assign_add / assign_sub while traced, a batch norm's moving statistics) adds a state update
that every native run of the graph performs after the values it reads, as Keras does with
assignments in call. Checked through fit (also several steps per native call), eager
calls, the engine's Trainer and Executor directly, and exported native programs."""

import numpy as np
import pytest

import dagnet
from dagnet import _engine, layers, ops
from dagnet.engine import Executor, Graph, Trainer


class CountAndSum(layers.Layer):
    """Counts its calls and sums every value it has seen (Keras-style state in call)."""

    def build(self, input_shape):
        self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False, name="calls")
        self.total = self.add_weight(shape=(), initializer="zeros", trainable=False, name="total")

    def call(self, inputs):
        self.calls.assign_add(1.0)
        self.total.assign(self.total + ops.sum(inputs))
        return inputs * 1.0


def _model():
    inp = dagnet.Input((3,))
    state = CountAndSum()
    out = layers.Dense(1)(state(inp))
    model = dagnet.Model(inp, out)
    model.compile("sgd", "mse")
    return model, state


X = np.arange(24, dtype="float32").reshape(8, 3) / 10
Y = np.ones((8, 1), "float32")


@pytest.mark.parametrize("steps_per_execution", [1, 4])
def test_fit_runs_the_state_updates_every_step(steps_per_execution):
    model, state = _model()
    model.compile("sgd", "mse", steps_per_execution=steps_per_execution)
    model.fit(X, Y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    assert float(state.calls.numpy()) == 8
    np.testing.assert_allclose(float(state.total.numpy()), 2 * X.sum(), rtol=1e-6)


def test_eager_calls_and_every_run_of_the_graph_update_the_state():
    model, state = _model()
    model.predict(X, batch_size=4, verbose=0)  # as Keras (TensorFlow), a write in call happens in predict too
    assert float(state.calls.numpy()) == 2
    model.evaluate(X, Y, batch_size=8, verbose=0)
    assert float(state.calls.numpy()) == 3
    state(X[:2])
    assert float(state.calls.numpy()) == 4
    np.testing.assert_allclose(float(state.total.numpy()), 2 * X.sum() + X[:2].sum(), rtol=1e-6)


def test_assign_outside_a_call_is_immediate_and_checks_the_shape():
    _, state = _model()
    state.build((None, 3))
    state.total.assign(5.0)
    state.total.assign_sub(1.5)
    assert float(state.total.numpy()) == 3.5
    with pytest.raises(ValueError, match="has shape"):
        state.total.assign(np.zeros(2))


def test_a_traced_assign_of_the_wrong_shape_names_the_variable():
    class Bad(layers.Layer):
        def build(self, input_shape):
            self.v = self.add_weight(shape=(2,), trainable=False, name="v")

        def call(self, inputs):
            self.v.assign(inputs)
            return inputs

    with pytest.raises(ValueError, match="bad/v"):
        Bad(name="bad")(dagnet.Input((3,)))


def _graph_with_state():
    g = Graph()
    x = g.input("x", [-1, 2], "float32")
    w = g.param("w", np.ones((2, 1), np.float32))
    moving = g.param("moving", np.zeros((2,), np.float32))
    y, mean, _ = g.node("normalize", [x], {"axes": [0]})
    g.node("moving_average_update", [moving, mean], {"momentum": 0.5})
    update = g.num_nodes - 1
    loss = g.node("reduce", [g.node("dense", [y, w])[0]], {"kind": "sum", "axes": [], "keepdims": 0})[0]
    return g, w, moving, update, loss


def test_the_native_trainer_runs_state_updates_after_the_values_they_read():
    g, w, moving, update, loss = _graph_with_state()
    trainer = Trainer(g, loss, [w], learning_rate=0.1, state_updates=[update])
    assert trainer.state_updates == [update]
    batch = np.array([[1, 2], [3, 6]], np.float32)
    trainer.step([batch])
    trainer.step([batch])
    np.testing.assert_allclose(np.asarray(g.param_tensor(moving)), [1.5, 3.0])  # 0 -> 1 -> 1.5 (mean 2, 4)


def test_the_trainer_refuses_nodes_that_write_nothing_or_write_trained_weights():
    g, w, moving, update, loss = _graph_with_state()
    with pytest.raises(ValueError, match="writes nothing"):
        Trainer(g, loss, [w], state_updates=[0])
    g.node("moving_average_update", [w, w], {"momentum": 0.5})
    with pytest.raises(ValueError, match="which the optimizer trains"):
        Trainer(g, loss, [w], state_updates=[g.num_nodes - 1])
    with pytest.raises(ValueError, match="no node"):
        Trainer(g, loss, [w], state_updates=[10_000])


def test_an_executor_runs_them_as_effects():
    g, w, moving, update, loss = _graph_with_state()
    Executor(g, [loss], [update]).run([np.array([[2, 2], [4, 4]], np.float32)])
    np.testing.assert_allclose(np.asarray(g.param_tensor(moving)), [1.5, 1.5])


def test_exported_programs_carry_their_state_updates(tmp_path):
    inp = dagnet.Input((3,))
    bn = layers.BatchNormalization(momentum=0.5)
    model = dagnet.Model(inp, layers.Dense(1)(bn(inp)))
    model.compile("sgd", "mse")
    path = tmp_path / "m.dgn"
    model.export_native(path)
    programs = {p["name"]: p for p in _engine.read_programs(str(path))}
    assert programs["predict"]["state_updates"] == []
    train = programs["train"]
    assert len(train["state_updates"]) == 2
    trainer = Trainer(train["graph"], train["loss"], train["params"], state_updates=train["state_updates"])
    graph = train["graph"]
    moving = next(v for v in range(graph.num_values) if graph.value_name(v).endswith("moving_mean"))
    trainer.step({"x0": X, "y0": Y})
    np.testing.assert_allclose(np.asarray(graph.param_tensor(moving)), X.mean(0) * 0.5, rtol=1e-6)
    _engine.write_programs(str(tmp_path / "again.dgn"), list(programs.values()))  # node ids survive a round trip
    again = {p["name"]: p for p in _engine.read_programs(str(tmp_path / "again.dgn"))}
    assert again["train"]["state_updates"] == train["state_updates"]
