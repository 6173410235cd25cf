"""A model on a GPU (marked `cuda`; skipped without one): weights and optimizer state stay
on the device between steps and cross to NumPy only at the boundary; a captured CUDA Graph
replays a step exactly like the kernel-by-kernel run (DAGNET_CUDA_GRAPHS=0); device memory
stays flat over 1,000 steps; the device's bad-data record raises the CPU's error; running
out of device memory while planning is a MemoryError naming the plan's bytes; an op with
no CUDA kernel is an error naming the op and the device at planning time."""

import numpy as np
import pytest

import dagnet
from dagnet import Input, Model, layers

HAS_CUDA = "cuda:0" in dagnet.devices()
NO_GPU = "needs a CUDA GPU ('cuda:0' in dagnet.devices())"
pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not HAS_CUDA, reason=NO_GPU)]

from dagnet import _engine  # noqa: E402
from dagnet.engine import Executor, Graph, Tensor, Trainer  # noqa: E402


def classifier(device, seed=0):
    dagnet.utils.set_random_seed(seed)
    i = Input((8,))
    h = layers.Dense(16, activation="relu")(i)
    h = layers.Dropout(0.25, seed=3)(h)
    model = Model(i, layers.Dense(4, activation="softmax")(h), device=device)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def data(n=64, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 8)).astype("float32"), rng.integers(0, 4, n)


def train_runner(model):
    return next(r for (kind, _), r in model._runners.items() if kind == "train")


def test_weights_and_optimizer_state_stay_on_the_device():
    x, y = data()
    model = classifier("cuda")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert {w.device for w in model.weights} == {"cuda:0"}
    runner = train_runner(model)
    assert runner.engine.device == "cuda:0"
    assert {runner.engine.slot_tensor(v).device for slots in runner.slots for v in slots} == {"cuda:0"}
    assert all(isinstance(w, np.ndarray) for w in model.get_weights())
    assert isinstance(model.predict(x, verbose=0), np.ndarray)


def test_cuda_and_cpu_train_alike_and_to_cpu_keeps_the_trained_weights(tmp_path):
    x, y = data()
    cpu, gpu = classifier("cpu"), classifier("cuda")
    gpu.set_weights(cpu.get_weights())
    h_cpu = cpu.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0).history["loss"]
    h_gpu = gpu.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(h_gpu, h_cpu, rtol=1e-3)
    trained = gpu.get_weights()
    gpu.to("cpu")
    assert {w.device for w in gpu.weights} == {"cpu"}
    for a, b in zip(gpu.get_weights(), trained):
        np.testing.assert_array_equal(a, b)
    # The optimizer state came along: one more epoch matches the model that never moved.
    cpu.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    gpu.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(gpu.get_weights(), cpu.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
    gpu.to("cuda")
    path = tmp_path / "m.keras"
    gpu.save(path)
    loaded = dagnet.models.load_model(path)
    for a, b in zip(loaded.get_weights(), gpu.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_assign_and_set_weights_write_device_weights():
    model = classifier("cuda")
    model.predict(np.zeros((2, 8), "float32"), verbose=0)
    kernel = model.layers[1].kernel
    assert kernel.device == "cuda:0"
    kernel.assign(np.full(kernel.shape, 0.5, "float32"))
    np.testing.assert_array_equal(kernel.numpy(), 0.5)
    weights = [np.full(w.shape, 0.25, w.dtype) for w in model.get_weights()]
    model.set_weights(weights)
    for a, b in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(a, b)


def test_the_device_context_places_new_models():
    with dagnet.device("cuda"):
        i = Input((2,))
        model = Model(i, layers.Dense(1)(i))
    assert model.device == "cuda:0" and dagnet.get_device() == "cpu"
    model.predict(np.ones((3, 2), "float32"), verbose=0)
    assert {w.device for w in model.weights} == {"cuda:0"}
    assert model(np.ones((3, 2), "float32")).shape == (3, 1)  # an eager call runs there too


def fit_losses(monkeypatch, graphs):
    monkeypatch.setenv("DAGNET_CUDA_GRAPHS", "1" if graphs else "0")
    x, y = data(96)
    model = classifier("cuda")
    losses = model.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0).history["loss"]
    predictions = [model.predict(x, batch_size=32, verbose=0) for _ in range(3)]
    return model, losses, predictions


def test_graph_replay_equals_the_uncaptured_run(monkeypatch):
    replayed, losses, predictions = fit_losses(monkeypatch, graphs=True)
    direct, want_losses, want_predictions = fit_losses(monkeypatch, graphs=False)
    assert train_runner(replayed).engine.replays >= 4 * 6 - 2  # every step after the second
    assert train_runner(direct).engine.replays == 0 and not train_runner(direct).engine.captures
    np.testing.assert_allclose(losses, want_losses, rtol=1e-6)
    for a, b in zip(predictions, want_predictions):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    for a, b in zip(replayed.get_weights(), direct.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_a_larger_plan_recaptures_the_smaller_one():
    """Growing the arena moves every plan's memory: recorded graphs are dropped and recorded
    again, so alternating batch shapes stay correct."""
    x, y = data(64)
    cpu, gpu = classifier("cpu"), classifier("cuda")
    gpu.set_weights(cpu.get_weights())
    for batch in (8, 8, 8, 32, 32, 8, 8, 32):
        want = cpu.train_on_batch(x[:batch], y[:batch])
        got = gpu.train_on_batch(x[:batch], y[:batch])
        np.testing.assert_allclose(got, want, rtol=1e-3)


def test_device_memory_is_flat_over_1000_steps():
    g = Graph()
    x = g.input("x", [-1, 32], "float32")
    t = g.input("t", [-1, 8], "float32")
    w = g.bind_param("w", Tensor.from_numpy(np.full((32, 8), 0.01, np.float32)).to("cuda"))
    (y,) = g.node("dense", [x, w])
    (loss,) = g.node("mse", [y, t])
    trainer = Trainer(g, loss, [w], optimizer="adam", learning_rate=1e-3, device="cuda")
    rng = np.random.default_rng(0)
    feeds = {"x": rng.standard_normal((16, 32)).astype("float32"), "t": np.zeros((16, 8), "float32")}
    trainer.steps([feeds] * 10)
    before = _engine.device_bytes_in_use("cuda:0")
    for _ in range(10):
        trainer.steps([feeds] * 99)
    assert _engine.device_bytes_in_use("cuda:0") == before
    assert trainer.iterations == 1000 and trainer.replays >= 990


def error_of(fn):
    with pytest.raises(ValueError) as raised:
        fn()
    return str(raised.value)


def test_embedding_index_out_of_range_raises_the_cpu_error():
    def run(device):
        g = Graph()
        ids = g.input("ids", [-1], "int64")
        table = g.bind_param("table", Tensor.from_numpy(np.ones((5, 2), np.float32)).to(device))
        (e,) = g.node("embedding", [ids, table])
        (loss,) = g.node("reduce", [e], {"kind": "sum"})
        trainer = Trainer(g, loss, [table], optimizer="sgd", learning_rate=0.5, device=device)
        good = {"ids": np.array([0, 1], np.int64)}
        for _ in range(3):  # the bad batch meets a captured graph on the device
            trainer.step(good)
        return error_of(lambda: trainer.step({"ids": np.array([1, 7], np.int64)}))

    message = run("cuda")
    assert message == run("cpu")
    assert "index 7" in message and "[0, 5)" in message


def test_sparse_label_out_of_range_raises_the_cpu_error():
    def run(device):
        dagnet.utils.clear_session()  # the same layer and node names on both devices
        i = Input((3,), name="x")
        model = Model(i, layers.Dense(4, activation="softmax", name="probs")(i), name="m", device=device)
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        x = np.ones((4, 3), "float32")
        for _ in range(3):
            model.train_on_batch(x, np.array([0, 1, 2, 3]))
        return error_of(lambda: model.train_on_batch(x, np.array([0, 1, 9, 3])))

    assert run("cuda") == run("cpu")


def test_planning_beyond_device_memory_is_a_memory_error_naming_the_bytes():
    g = Graph()
    a = g.input("a", [-1, 1], "float32")
    b = g.input("b", [1, -1], "float32")
    (c,) = g.node("binary", [a, b], {"kind": "add"})
    (s,) = g.node("reduce", [c], {"kind": "sum"})
    n = 1 << 19  # a (2**19, 2**19) float32 intermediate: 1 TiB
    ex = Executor(g, [s], device="cuda")
    with pytest.raises(MemoryError, match=r"planning a run on cuda:0 needs \d+ bytes"):
        ex.run([np.ones((n, 1), "float32"), np.ones((1, n), "float32")])
    # The executor is still usable with shapes that fit.
    (total,) = ex.run([np.ones((4, 1), "float32"), np.ones((1, 3), "float32")])
    assert float(total) == 24.0


def test_an_op_without_a_cuda_kernel_names_the_op_and_the_device():
    kernel_devices = getattr(_engine, "kernel_devices", None)
    if kernel_devices is None:
        pytest.skip("this build has no kernel_devices binding to find such an op")
    missing = [op for op in _engine.op_names() if "cuda" not in kernel_devices(op)]
    if not missing:
        pytest.skip("every op has a CUDA kernel")
    from engine_op_catalog import RECIPES
    from hypothesis import find, strategies as st

    op = missing[0]
    case = find(st.data().map(lambda d: RECIPES[op](d.draw)), lambda _: True)
    g = Graph()
    ids = [g.input(f"x{k}", list(o.shape), o.dtype) for k, o in enumerate(case.operands)]
    outs = g.node(op, ids, case.attrs)
    with pytest.raises(ValueError, match=rf"op '{op}' has no kernel for cuda:0"):
        Executor(g, outs, device="cuda").plan_stats([list(o.shape) for o in case.operands])
