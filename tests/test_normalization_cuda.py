"""The normalization ops' CUDA kernels against the CPU kernels (same feeds, every layout
and mode, forward and backward, fold_batch_norm, moving_average_update). Skipped
without a CUDA device."""

import numpy as np
import pytest
from test_normalization_ops import LAYOUTS, attrs_of, params_for

import dagnet
from dagnet import _engine
from dagnet.engine import Executor, Graph

pytestmark = pytest.mark.skipif("cuda:0" not in dagnet.devices(), reason="no CUDA device")


def _run(op, arrays, attrs, device, n_outputs=None):
    g = Graph()
    ids = [g.input(f"x{i}", list(a.shape), str(a.dtype)) for i, a in enumerate(arrays)]
    outs = g.node(op, ids, attrs)
    return Executor(g, outs[:n_outputs] if n_outputs else outs, device=device).run(list(arrays))


def _same(op, arrays, attrs, rtol, n_outputs=None):
    cpu = _run(op, arrays, attrs, "cpu", n_outputs)
    gpu = _run(op, arrays, attrs, "cuda", n_outputs)
    for a, b in zip(cpu, gpu):
        np.testing.assert_allclose(b, a, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype,rtol", [("float32", 2e-5), ("float64", 1e-11)])
@pytest.mark.parametrize("name,shape,axes,param_axes,groups,group_axis", LAYOUTS, ids=[c[0] for c in LAYOUTS])
def test_forward_and_backward_match_the_cpu(name, shape, axes, param_axes, groups, group_axis, dtype, rtol):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 2 + 3).astype(dtype)
    gamma, beta = params_for(shape, param_axes, rng, dtype)
    attrs = attrs_of(axes, param_axes, groups, group_axis, scale=1, center=1)
    _same("normalize", [x, gamma, beta], attrs, rtol)
    _, mean, var = _run("normalize", [x, gamma, beta], attrs, "cpu")
    dy = rng.standard_normal(shape).astype(dtype)
    _same("normalize_grad", [dy, x, mean, var, gamma], {**attrs, "center": 0}, rtol)


@pytest.mark.parametrize("mode", ["moments", "rms_scaling", "rms", "l2"])
def test_modes_match_the_cpu(mode):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 300)).astype("float32") + 0.5
    gamma = rng.standard_normal(300).astype("float32")
    attrs = {"axes": [1], "param_axes": [1], "scale": 1, "mode": mode, "epsilon": 1e-3 if mode != "l2" else 1e-12}
    _same("normalize", [x, gamma], attrs, 2e-5)
    _, mean, var = _run("normalize", [x, gamma], attrs, "cpu")
    dy = rng.standard_normal(x.shape).astype("float32")
    _same("normalize_grad", [dy, x, mean, var, gamma], attrs, 5e-5)


def test_large_batch_norm_and_weighted_moments_match_the_cpu():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((64, 32, 32, 24)).astype("float32") * 3 + 1  # many row chunks
    gamma, beta = params_for(x.shape, [3], rng, "float32")
    attrs = attrs_of([0, 1, 2], [3], 0, -1, scale=1, center=1)
    _same("normalize", [x, gamma, beta], attrs, 5e-5)
    seq = rng.standard_normal((16, 50, 8)).astype("float32")
    w = (rng.random((16, 50)) > 0.3).astype("float32")
    weighted = attrs_of([0, 1], [2], 0, -1, scale=1, center=1, weighted=1, count_epsilon=1e-7)
    _same("normalize", [seq, gamma[:8], beta[:8], w], weighted, 5e-5)


def test_inference_ops_match_the_cpu():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 5, 6, 6)).astype("float32")
    gamma, beta, mean = (rng.standard_normal(5).astype("float32") for _ in range(3))
    var = (rng.random(5) + 0.5).astype("float32")
    attrs = attrs_of([0, 2, 3], [1], 0, -1, scale=1, center=1, fixed_stats=1)
    _same("normalize_with_stats", [x, mean, var, gamma, beta], attrs, 2e-5)
    dy = rng.standard_normal(x.shape).astype("float32")
    _same("normalize_grad", [dy, x, mean, var, gamma], {**attrs, "center": 1}, 5e-5)
    kernel = rng.standard_normal((3, 3, 4, 5)).astype("float32")
    _same("fold_batch_norm", [kernel, mean, var, gamma, beta], {"epsilon": 1e-3, "scale": 1, "center": 1}, 2e-6)


def test_moving_average_update_on_the_device():
    g = Graph()
    moving = g.bind_param("moving", _engine.Tensor.from_numpy(np.ones(4, np.float32)).to("cuda"))
    value = g.input("value", [4], "float32")
    g.node("moving_average_update", [moving, value], {"momentum": 0.75})
    Executor(g, [], [g.num_nodes - 1], device="cuda").run([np.full(4, 5.0, np.float32)])
    np.testing.assert_allclose(g.param_tensor(moving).numpy(), np.full(4, 2.0))
