"""The CUDA engine against the CPU engine (marked `cuda`; skipped without a GPU).

- every registered op (tests/engine_op_catalog.py draws a valid call of each) forward, and
  the backward graph autodiff builds for it, on the same random data on both devices:
  relative error under 1e-4 in float32 (TF32 off, the default), 1e-9 in float64 (a `_grad`
  op is itself a backward kernel, compared forward only); ops that
  write a parameter (optimizer updates, assign, counters) compare the written values;
- every seed model (benchmarks/models/keras_api.py, the same eight as examples/) trained a
  few steps on both devices from the same weights, with matching losses, and each example
  in examples/functional_api trained on both devices with matching printed losses.

Collectives (allreduce_*) need a process group and are covered by the distributed tests."""

import io
import os
import re
import sys
from contextlib import redirect_stdout

import numpy as np
import pytest

import dagnet

HAS_CUDA = "cuda:0" in dagnet.devices()
NO_GPU = "needs a CUDA GPU ('cuda:0' in dagnet.devices())"
pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not HAS_CUDA, reason=NO_GPU)]

hypothesis = pytest.importorskip("hypothesis", reason="the op catalog draws cases with hypothesis")
from engine_op_catalog import FLOAT_DTYPES, RECIPES, Case  # noqa: E402
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from dagnet.engine import Executor, Graph, Tensor, gradients  # noqa: E402

HERE = os.path.dirname(__file__)
COLLECTIVES = ("allreduce_start", "allreduce_wait")
OPS = sorted(op for op in RECIPES if op not in COLLECTIVES)
EXAMPLES = int(os.environ.get("DAGNET_CUDA_PARITY_EXAMPLES", 4))


def fill(operand, rng):
    kind, _, arg = operand.fill.partition(":")
    shape, dtype = operand.shape, np.dtype(operand.dtype)
    if kind in ("index", "label"):
        values = rng.integers(0, int(arg), size=shape)
    elif kind == "binary":
        values = rng.integers(0, 2, size=shape)
    elif kind == "zero":
        values = np.zeros(shape)
    elif kind == "positive":
        values = np.abs(rng.standard_normal(shape)) + 0.1
    else:
        values = rng.standard_normal(shape) * 2
    if dtype.kind == "i":
        values = np.round(values)
    return np.array(values, dtype=dtype, order="C").reshape(shape)


def build(case: Case, arrays, device, backward):
    """The case's node (and, with `backward`, d sum(outputs) / d every float operand) in a
    new graph whose parameters live on `device`. Returns (graph, fetches, feeds, params)."""
    g = Graph()
    ids, feeds, params = [], {}, []
    for i, (operand, array) in enumerate(zip(case.operands, arrays)):
        if operand.param:
            tensor = Tensor.from_numpy(array)
            ids.append(g.bind_param(f"p{i}", tensor if device == "cpu" else tensor.to(device)))
            params.append(ids[-1])
        else:
            ids.append(g.input(f"x{i}", list(operand.shape), operand.dtype))
            feeds[f"x{i}"] = array
    outputs = list(g.node(case.op, ids, case.attrs))
    fetches = outputs
    if backward:
        floats = [v for v in outputs if g.dtype(v) in FLOAT_DTYPES]
        if not floats:
            return None
        dt = g.dtype(floats[0])
        sums = [g.node("reduce", [v], {"kind": "sum"})[0] for v in floats]
        sums = [s if g.dtype(s) == dt else g.node("cast", [s], {"dtype": dt})[0] for s in sums]
        (loss,) = g.node("add", sums)
        wrt = [v for v in ids if g.dtype(v) in FLOAT_DTYPES]
        if not wrt:
            return None
        try:
            fetches = [loss, *gradients(g, loss, wrt)]
        except (ValueError, TypeError):  # an op autodiff does not differentiate (a metric, an update)
            return None
    return g, fetches, feeds, params


def run(case, arrays, device, backward=False):
    built = build(case, arrays, device, backward)
    if built is None:
        return None
    g, fetches, feeds, params = built
    effects = [] if fetches else [g.num_nodes - 1]
    ex = Executor(g, fetches, effects, device=device)
    results = ex.run({name: feeds[name] for name in ex.required_inputs})
    return [np.asarray(r) for r in results] + [g.param_tensor(p).numpy() for p in params]


def assert_close(got, want, what):
    assert len(got) == len(want), what
    for k, (a, b) in enumerate(zip(got, want)):
        same = a.shape == b.shape and a.dtype == b.dtype
        assert same, f"{what}: result {k}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        if a.dtype.kind != "f":
            np.testing.assert_array_equal(a, b, err_msg=f"{what}: result {k}")
            continue
        tol = 1e-4 if a.dtype == np.float32 else 1e-9
        finite = np.abs(b[np.isfinite(b)])
        scale = max(1.0, float(finite.max(initial=0)))
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * scale, equal_nan=True, err_msg=f"{what}: result {k}")


@pytest.mark.parametrize("op", OPS)
@settings(
    max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
@given(data=st.data())
def test_op_forward_and_backward_match_the_cpu(op, data):
    case = RECIPES[op](data.draw)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    arrays = [fill(o, rng) for o in case.operands]
    if any(a.size > (1 << 16) for a in arrays):
        return
    assert_close(run(case, arrays, "cuda"), run(case, arrays, "cpu"), f"{op} forward {case}")
    if op.endswith("_grad"):
        return  # a backward kernel itself: its own derivative is not part of any training step
    want = run(case, arrays, "cpu", backward=True)
    if want is not None:
        assert_close(run(case, arrays, "cuda", backward=True), want, f"{op} backward {case}")


def test_every_op_but_the_collectives_is_covered():
    from dagnet.engine import op_names

    assert set(OPS) | set(COLLECTIVES) == set(op_names())


# ---------------------------------------------------------------- seed models
sys.path.insert(0, os.path.join(HERE, "..", "benchmarks", "models"))
SEED_MODELS = [
    "mlp",
    "inception",
    "dual_inception",
    "text_qa",
    "siamese_lstm",
    "conv1d_multi",
    "resnet_block",
    "headline",
]
SEED_BATCH = {"conv1d_multi": 8, "resnet_block": 4, "siamese_lstm": 8}


def seed_model(name, device, weights=None):
    from keras_api import BUILDERS

    with dagnet.device(device):
        dagnet.utils.set_random_seed(0)
        model = BUILDERS[name](dagnet)
    if weights is not None:
        model.set_weights(weights)
    return model


@pytest.mark.parametrize("name", SEED_MODELS)
def test_seed_model_trains_alike_on_both_devices(name):
    from specs import make_data

    x, y = make_data(name, SEED_BATCH.get(name, 16), seed=1)
    y = y if len(y) > 1 else y[0]
    cpu = seed_model(name, "cpu")
    gpu = seed_model(name, "cuda", cpu.get_weights())
    assert gpu.device == "cuda:0" and {w.device for w in gpu.weights} <= {"cpu", "cuda:0"}
    for step in range(3):
        want = np.ravel(cpu.train_on_batch(x, y))
        got = np.ravel(gpu.train_on_batch(x, y))
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4, err_msg=f"{name}: step {step}")
    assert {w.device for w in gpu.weights} == {"cuda:0"}
    for a, b in zip(gpu.get_weights(), cpu.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
    xs = x if isinstance(x, list) else [x]
    got, want = gpu.predict_on_batch(xs), cpu.predict_on_batch(xs)
    got, want = (got, want) if isinstance(got, list) else ([got], [want])
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


EXAMPLE_MODULES = [
    "inception",
    "residual",
    "question_answering",
    "multi_output_posts",
    "siamese_lstm",
    "shared_vision",
    "visual_qa",
    "instrumentation",
]


def example_losses(name, device):
    sys.path.insert(0, os.path.join(HERE, "..", "examples", "functional_api"))
    module = __import__(name)
    dagnet.utils.clear_session()
    dagnet.utils.set_random_seed(0)
    out = io.StringIO()
    with dagnet.device(device), redirect_stdout(out):
        module.main()
    return [float(v) for v in re.findall(r"\bloss: ([-+0-9.eE]+|nan)", out.getvalue())]


@pytest.mark.parametrize("name", EXAMPLE_MODULES)
def test_example_trains_alike_on_both_devices(name):
    want = example_losses(name, "cpu")
    got = example_losses(name, "cuda")
    assert want and len(got) == len(want)
    np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-4)
