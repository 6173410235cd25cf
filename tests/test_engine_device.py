"""The device-ready engine: shared arena and bounded plan cache, graphs growing under
live executors, several steps per native call, devices and prepared kernels."""

import numpy as np
import pytest

import dagnet
from dagnet.engine import Executor, Graph, Trainer


def _sequence_model():
    g = Graph()
    x = g.input("x", [-1, -1, 4])
    w = g.param("w", np.full((4, 3), 0.5, np.float32))
    (y,) = g.node("dense", [x, w], {"activation": "tanh"})
    (total,) = g.node("reduce", [y], {"kind": "sum"})
    return g, x, w, y, total


def test_plan_cache_is_bounded_and_plans_share_one_arena():
    g, _, _, y, _ = _sequence_model()
    ex = Executor(g, [y], max_cached_plans=4)
    rng = np.random.default_rng(0)
    largest = 0
    for length in range(1, 41):
        x = rng.standard_normal((2, length, 4)).astype(np.float32)
        (out,) = ex.run([x])
        np.testing.assert_allclose(out, np.tanh(x @ np.full((4, 3), 0.5, np.float32)), rtol=1e-6, atol=1e-6)
        largest = max(largest, ex.plan_stats([[2, length, 4]])["arena_bytes"])
        assert ex.cached_plans <= 4
    # One arena for all plans, sized by the largest plan seen (not the sum of 40 plans).
    assert ex.arena_bytes == largest
    # An evicted signature is planned again and still computes the right thing.
    x = rng.standard_normal((2, 1, 4)).astype(np.float32)
    np.testing.assert_allclose(ex.run([x])[0], np.tanh(x @ np.full((4, 3), 0.5, np.float32)), rtol=1e-6)


def test_smaller_plan_after_larger_reuses_the_arena():
    g, _, _, y, _ = _sequence_model()
    ex = Executor(g, [y])
    ex.run([np.ones((8, 50, 4), np.float32)])
    big = ex.arena_bytes
    (out,) = ex.run([np.ones((1, 2, 4), np.float32)])
    assert ex.arena_bytes == big
    np.testing.assert_allclose(out, np.tanh(np.full((1, 2, 3), 2.0)), rtol=1e-6)


def test_graph_grows_after_an_executor_ran():
    g, x, w, y, total = _sequence_model()
    ex = Executor(g, [y])
    feed = np.ones((2, 3, 4), np.float32)
    (before,) = ex.run([feed])
    # Many nodes added after the run: the executor's plan must not point at moved nodes.
    v = y
    for _ in range(300):
        (v,) = g.node("scale", [v], {"factor": 1.0})
    (again,) = ex.run([feed])
    np.testing.assert_array_equal(before, again)
    (tail,) = Executor(g, [v]).run([feed])
    np.testing.assert_allclose(tail, before, rtol=1e-6)


def test_trainer_made_after_an_executor_on_the_same_graph():
    g, x, w, y, total = _sequence_model()
    predict = Executor(g, [y])
    feed = np.ones((2, 3, 4), np.float32)
    predict.run([feed])
    trainer = Trainer(g, total, [w], optimizer="sgd", learning_rate=0.1)
    (loss,) = trainer.step({"x": feed})
    assert np.isfinite(loss)
    (out,) = predict.run([feed])  # the predict plan still runs, with the updated weight
    weight = np.asarray(g.param_tensor(w))
    np.testing.assert_allclose(out, np.tanh(feed @ weight), rtol=1e-5)


def _regression(optimizer, **kw):
    g = Graph()
    x, t = g.input("x", [-1, 3], "float64"), g.input("t", [-1, 2], "float64")
    w = g.param("w", np.linspace(-1, 1, 6).reshape(3, 2).astype(np.float64))
    (y,) = g.node("dense", [x, w])
    (loss,) = g.node("mse", [y, t])
    return g, w, Trainer(g, loss, [w], optimizer=optimizer, learning_rate=0.05, **kw)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "nadam"])
def test_steps_in_one_call_equal_single_steps(optimizer):
    rng = np.random.default_rng(1)
    batches = [{"x": rng.standard_normal((4, 3)), "t": rng.standard_normal((4, 2))} for _ in range(5)]
    batches.append({"x": rng.standard_normal((2, 3)), "t": rng.standard_normal((2, 2))})  # a short last batch
    g1, w1, one = _regression(optimizer)
    g2, w2, many = _regression(optimizer)
    singles = [one.step(b)[0] for b in batches]
    together = [r[0] for r in many.steps(batches)]
    np.testing.assert_array_equal(np.array(singles), np.array(together))
    np.testing.assert_array_equal(np.asarray(g1.param_tensor(w1)), np.asarray(g2.param_tensor(w2)))
    assert one.iterations == many.iterations == len(batches)
    assert one.u_product == many.u_product


def test_nadam_product_is_advanced_inside_the_step():
    g, w, trainer = _regression("nadam", beta_1=0.9)
    x = {"x": np.ones((2, 3)), "t": np.zeros((2, 2))}
    expected = 1.0
    for t in range(1, 4):
        trainer.step(x)
        expected *= 0.9 * (1 - 0.5 * 0.96**t)
        assert trainer.u_product == pytest.approx(expected, rel=1e-15)
    trainer.u_product = 0.5  # restoring a saved optimizer
    trainer.iterations = 10
    trainer.step(x)
    assert trainer.u_product == pytest.approx(0.5 * 0.9 * (1 - 0.5 * 0.96**11), rel=1e-15)


def test_error_in_a_later_step_of_several_keeps_the_earlier_steps():
    g = Graph()
    ids = g.input("ids", [-1], "int64")
    table = g.param("table", np.ones((5, 2), np.float32))
    (e,) = g.node("embedding", [ids, table])
    (loss,) = g.node("reduce", [e], {"kind": "sum"})
    trainer = Trainer(g, loss, [table], optimizer="sgd", learning_rate=0.5)
    good, bad = {"ids": np.array([0, 1], np.int64)}, {"ids": np.array([1, 7], np.int64)}
    with pytest.raises(ValueError, match=r"index 7 at position \(1,\) is out of range \[0, 5\)"):
        trainer.steps([good, bad])
    assert trainer.iterations == 1  # the bad step stopped before its updates
    np.testing.assert_allclose(np.asarray(g.param_tensor(table))[:2], 0.5)


def test_devices_and_unknown_device():
    assert dagnet.devices()[0] == "cpu"
    g, _, _, y, _ = _sequence_model()
    assert Executor(g, [y], device="cpu").device == "cpu"
    with pytest.raises(ValueError, match="unknown device"):
        Executor(g, [y], device="tpu")
    if "cuda:0" not in dagnet.devices():
        with pytest.raises(ValueError, match="not available"):
            Executor(g, [y], device="cuda")


def _fit_model(steps_per_execution, optimizer="adam"):
    from dagnet import Input, Model, layers

    rng = np.random.default_rng(3)
    x = rng.standard_normal((70, 5)).astype(np.float32)
    y = rng.integers(0, 3, 70)
    inp = Input(shape=(5,))
    out = layers.Dense(3, activation="softmax", kernel_initializer="ones")(
        layers.Dense(4, activation="relu", kernel_initializer="ones")(inp)
    )
    model = Model(inp, out)
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    return model, x, y


@pytest.mark.parametrize("optimizer", ["adam", "nadam"])
def test_fit_with_steps_per_execution_matches_one_step_per_call(optimizer):
    from dagnet import callbacks

    class Batches(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seen = []

        def on_train_batch_begin(self, batch, logs=None):
            self.seen.append(("begin", batch))

        def on_train_batch_end(self, batch, logs=None):
            self.seen.append(("end", batch))

    one, x, y = _fit_model(1, optimizer)
    three, _, _ = _fit_model(3, optimizer)
    h1 = one.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    record = Batches()
    h3 = three.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=[record])
    for a, b in zip(one.get_weights(), three.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(h1.history["loss"], h3.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(h1.history["accuracy"], h3.history["accuracy"], rtol=1e-6)
    # 9 batches per epoch in executions of 3: callbacks see each execution's first and last step.
    assert record.seen[:6] == [("begin", 0), ("end", 2), ("begin", 3), ("end", 5), ("begin", 6), ("end", 8)]
    assert len(record.seen) == 12


def test_steps_per_execution_must_be_a_positive_integer():
    model, _, _ = _fit_model(1)
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="steps_per_execution"):
            model.compile(optimizer="sgd", loss="mse", steps_per_execution=bad)


def test_tensor_device_round_trip_on_the_cpu():
    from dagnet.engine import Tensor

    t = Tensor.from_numpy(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert t.device == "cpu"
    c = t.to("cpu")
    np.testing.assert_array_equal(c.numpy(), np.arange(6).reshape(2, 3))
    c.numpy()[0, 0] = 7  # a copy: the original is untouched
    assert t.numpy()[0, 0] == 0


def test_steps_per_execution_is_in_the_compile_config():
    model, _, _ = _fit_model(4)
    assert model.get_compile_config()["steps_per_execution"] == 4
    model.compile_from_config(model.get_compile_config())
    assert model.steps_per_execution == 4
