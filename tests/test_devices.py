"""Device selection (API.md "Devices"): 'cpu' works everywhere; a CUDA device that this
build or machine lacks is a clear ValueError naming the devices seen, never a silent CPU
run. The default device is set by `set_device`, by `with dagnet.device(...)` (restored on
exit, nesting) and per model by `device=` / `model.to`. The GPU side of these paths is in
test_cuda_runtime.py (marked `cuda`)."""

import numpy as np
import pytest

import dagnet
from dagnet import Input, Model, Sequential, layers

HAS_CUDA = "cuda:0" in dagnet.devices()


@pytest.fixture(autouse=True)
def _cpu_default():
    dagnet.set_device("cpu")
    yield
    dagnet.set_device("cpu")


def test_cpu_is_listed_and_the_default():
    assert dagnet.devices()[0] == "cpu"
    assert all(d == "cpu" or d.startswith("cuda:") for d in dagnet.devices())
    assert dagnet.get_device() == "cpu"


@pytest.mark.parametrize("spelling", ["cpu", "CPU", " cpu ", "/device:CPU:0"])
def test_cpu_spellings_select_the_cpu(spelling):
    dagnet.set_device(spelling)
    assert dagnet.get_device() == "cpu"
    i = Input((3,))
    model = Model(i, layers.Dense(2)(i), device=spelling)
    assert model.device == "cpu" and model.to("cpu") is model
    assert model.predict(np.ones((4, 3), "float32"), verbose=0).shape == (4, 2)
    assert Sequential([layers.Dense(1)], device="cpu").device == "cpu"


@pytest.mark.parametrize(
    "spelling, canonical",
    [("cuda", "cuda:0"), ("gpu", "cuda:0"), ("CUDA:0", "cuda:0"), ("/device:GPU:0", "cuda:0"), ("cuda:3", "cuda:3")],
)
def test_cuda_spellings_normalise(spelling, canonical):
    from dagnet._device import _normalize

    assert _normalize(spelling) == canonical


@pytest.mark.parametrize("bad", ["tpu", "cuda:x", "cuda:-1", "", "metal:0"])
def test_unknown_device_names_are_refused(bad):
    with pytest.raises(ValueError, match="Unknown device"):
        dagnet.set_device(bad)
    with pytest.raises(ValueError, match="Unknown device"):
        with dagnet.device(bad):
            pass
    assert dagnet.get_device() == "cpu"


@pytest.mark.skipif(HAS_CUDA, reason="this machine has a GPU")
def test_absent_cuda_is_a_value_error_naming_the_devices_seen():
    i = Input((3,))
    model = Model(i, layers.Dense(2)(i))
    for request in ("cuda", "cuda:0", "gpu", "/device:GPU:0"):
        with pytest.raises(ValueError, match=r"not available.*sees \['cpu'") as raised:
            model.to(request)
        assert repr(request) in str(raised.value)
        with pytest.raises(ValueError, match="not available"):
            dagnet.set_device(request)
        with pytest.raises(ValueError, match="not available"):
            Model(i, layers.Dense(2)(i), device=request)
        with pytest.raises(ValueError, match="not available"):
            with dagnet.device(request):
                pass
    assert model.device == "cpu" and dagnet.get_device() == "cpu"
    expected = "no GPU or driver" if dagnet.info()["cuda"] else "CUDA backend was not built"
    with pytest.raises(ValueError, match=expected):
        dagnet.set_device("cuda")


def test_a_device_beyond_those_seen_is_refused():
    with pytest.raises(ValueError, match="cuda:99"):
        dagnet.set_device("cuda:99")


def test_the_device_context_sets_the_default_and_restores_it():
    with dagnet.device("cpu") as name:
        assert name == "cpu" and dagnet.get_device() == "cpu"
        i = Input((2,))
        assert Model(i, layers.Dense(1)(i)).device == "cpu"
    assert dagnet.get_device() == "cpu"


def test_device_contexts_nest_and_restore_on_error():
    other = "cuda:0" if HAS_CUDA else "cpu"
    with dagnet.device(other):
        with dagnet.device("cpu"):
            assert dagnet.get_device() == "cpu"
        assert dagnet.get_device() == other
        with pytest.raises(ZeroDivisionError):
            with dagnet.device("cpu"):
                1 / 0
        assert dagnet.get_device() == other
    assert dagnet.get_device() == "cpu"


def test_a_model_made_inside_a_context_keeps_its_device_after_it():
    with dagnet.device("cpu"):
        i = Input((2,))
        model = Model(i, layers.Dense(1)(i))
    assert model.device == "cpu"


def test_weights_report_their_device():
    i = Input((3,))
    model = Model(i, layers.Dense(2)(i))
    assert {w.device for w in model.weights} == {"cpu"}


def test_to_cpu_keeps_trained_weights_and_optimizer_state():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, 3)).astype("float32"), rng.standard_normal((32, 2)).astype("float32")
    i = Input((3,))
    model = Model(i, layers.Dense(2)(i))
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    before = [w.copy() for w in model.get_weights()]
    iterations = model.optimizer.iterations
    assert model.to("cpu") is model
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.iterations == iterations
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert model.optimizer.iterations == iterations + 4


def test_moving_a_trained_model_keeps_training_where_it_left_off():
    """_move_to_device (what model.to does for a new device) on the CPU itself: the graphs
    are rebuilt and the optimizer state restored into them, so the run continues exactly."""
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((16, 3)).astype("float32"), rng.standard_normal((16, 2)).astype("float32")

    def make():
        i = Input((3,))
        m = Model(i, layers.Dense(2, kernel_initializer="ones")(i))
        m.compile(optimizer="adam", loss="mse")
        return m

    straight, moved = make(), make()
    straight.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    moved.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    moved._move_to_device("cpu")
    assert not moved._runners
    moved.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(moved.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert moved.optimizer.iterations == straight.optimizer.iterations == 4


def test_executor_reports_capture_off_on_the_cpu():
    from dagnet.engine import Executor, Graph

    g = Graph()
    x = g.input("x", [2], "float32")
    (y,) = g.node("add", [x, x])
    ex = Executor(g, [y])
    for _ in range(3):
        ex.run([np.array([-1.0, 2.0], "float32")])
    assert ex.device == "cpu" and ex.replays == 0 and ex.captures
    assert not Executor(g, [y], capture_graphs=False).captures


def test_the_environment_switch_turns_capture_off(monkeypatch):
    from dagnet.engine import Executor, Graph, Trainer

    g = Graph()
    x = g.input("x", [-1, 2], "float32")
    w = g.param("w", np.ones((2, 1), np.float32))
    (y,) = g.node("dense", [x, w])
    (loss,) = g.node("reduce", [y], {"kind": "sum"})
    monkeypatch.setenv("DAGNET_CUDA_GRAPHS", "0")
    assert not Executor(g, [y]).captures
    assert not Trainer(g, loss, [w], optimizer="sgd").captures
    monkeypatch.setenv("DAGNET_CUDA_GRAPHS", "1")
    assert Executor(g, [y]).captures


def test_device_bytes_in_use_counts_device_allocators_only():
    from dagnet import _engine

    assert _engine.device_bytes_in_use("cpu") == 0
    if not HAS_CUDA:
        with pytest.raises(ValueError, match="cuda"):
            _engine.device_bytes_in_use("cuda:0")
