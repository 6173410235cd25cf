"""How the executor runs a wave of independent nodes (graph/node_cost.h): GEMM-like ops
cost their FLOPs, other ops the elements they read and write; a wave runs its nodes
concurrently (one thread each) only when its largest node is at most half its cost, and
then hands them out largest first. Only the order of independent nodes changes, so the
results are bit-identical to running node by node."""

import numpy as np
import pytest

from dagnet import _engine
from dagnet.engine import Executor, Graph, Trainer


@pytest.fixture
def two_threads():
    before = _engine.num_threads()
    _engine.set_num_threads(2)
    try:
        yield
    finally:
        _engine.set_num_threads(before)


def costs_by_node(executor, shapes):
    return {n: c for w in executor.wave_plan(shapes) for n, c in zip(w["nodes"], w["costs"])}


def test_gemm_like_ops_cost_their_flops():
    g = Graph()
    x = g.input("x", [-1, 8, 8, 5])
    k = g.param("k", np.ones((3, 3, 5, 7), np.float32))
    (y,) = g.node("conv2d", [x, k], {"padding": "same"})  # node 0
    (dx,) = g.node("conv2d_grad_input", [y, k, x], {"padding": "same"})  # 1
    (dk,) = g.node("conv2d_grad_kernel", [y, x, k], {"padding": "same"})  # 2
    dwk = g.param("dwk", np.ones((3, 3, 5, 2), np.float32))
    (dw,) = g.node("depthwise_conv2d", [x, dwk], {"padding": "valid"})  # 3
    s = g.input("s", [-1, 6, 5])
    kernel = g.param("kernel", np.ones((5, 12), np.float32))
    rec = g.param("rec", np.ones((3, 12), np.float32))
    bias = g.param("bias", np.ones((12,), np.float32))
    lstm = g.node("lstm", [s, kernel, rec, bias], {})  # 4
    q, kk, v = g.input("q", [-1, 4, 2, 3]), g.input("kk", [-1, 7, 2, 3]), g.input("v", [-1, 7, 2, 5])
    att = g.node("attention", [q, kk, v], {"scale": 0.5})  # 5
    (mm,) = g.node("matmul", [s, kernel], {})  # 6
    (mt,) = g.node("matmul", [s, s], {"transpose_a": 1})  # 7: contracts batch x time
    (de,) = g.node("dense", [s, kernel], {})  # 8
    (relu,) = g.node("activation", [s], {"kind": "relu"})  # 9: elementwise
    ex = Executor(g, [dx, dk, dw, lstm[0], att[0], mm, mt, de, relu])
    costs = costs_by_node(ex, [[2, 8, 8, 5], [2, 6, 5], [2, 4, 2, 3], [2, 7, 2, 3], [2, 7, 2, 5]])
    conv = 2 * (2 * 8 * 8 * 7) * (3 * 3 * 5)
    assert costs[0] == costs[1] == costs[2] == conv
    assert costs[3] == 2 * (2 * 6 * 6 * 10) * 9
    assert costs[4] == 2 * (2 * 6) * (5 * 12 + 3 * 12)
    assert costs[5] == 2 * (2 * 4 * 2) * 7 * (3 + 5)
    assert costs[6] == costs[8] == 2 * (2 * 6 * 12) * 5
    assert costs[7] == 2 * (5 * 5) * (2 * 6)
    assert costs[9] == 2 * (2 * 6 * 5)  # read and written


def big_gemm_beside_small_elementwise():
    rng = np.random.default_rng(1)
    g = Graph()
    x = g.input("x", [-1, 256])
    w = rng.standard_normal((256, 256)).astype(np.float32)
    (h,) = g.node("dense", [x, g.param("w", w)], {})
    outs = [h]
    for kind in ("relu", "tanh", "sigmoid"):
        (e,) = g.node("activation", [x], {"kind": kind})
        outs.append(e)
    return g, outs, w, rng.standard_normal((256, 256)).astype(np.float32)


def test_a_wave_dominated_by_one_gemm_runs_serially(two_threads):
    g, outs, w, data = big_gemm_beside_small_elementwise()
    ex = Executor(g, outs)
    (wave,) = ex.wave_plan([list(data.shape)])
    costs = wave["costs"]
    # By elements read and written (the former rule) the dense node is only a third of
    # the wave; by FLOPs it is nearly all of it, and gets both threads.
    elements = [3 * 256 * 256] + [2 * 256 * 256] * 3
    assert max(elements) <= 0.75 * sum(elements)
    assert costs[0] == 2 * 256**3 and costs[0] > 0.5 * sum(costs)
    assert not wave["concurrent"]
    assert wave["nodes"] == sorted(wave["nodes"])  # a serial wave keeps schedule order
    assert ex.plan_stats([list(data.shape)])["concurrent_waves"] == 0
    got = ex.run([data])
    np.testing.assert_allclose(got[0], data @ w, rtol=1e-4, atol=1e-3)
    np.testing.assert_array_equal(got[1], np.maximum(data, 0))


def balanced_dense_branches(units):
    rng = np.random.default_rng(2)
    g = Graph()
    x = g.input("x", [-1, 32])
    outs, ws = [], []
    for i, u in enumerate(units):
        w = rng.standard_normal((32, u)).astype(np.float32)
        ws.append(w)
        (h,) = g.node("dense", [x, g.param(f"w{i}", w)], {"activation": "tanh"})
        outs.append(h)
    return g, outs, ws, rng.standard_normal((64, 32)).astype(np.float32)


def test_a_balanced_wave_runs_concurrently_largest_first(two_threads):
    units = [48, 16, 64, 32, 16]
    g, outs, ws, data = balanced_dense_branches(units)
    ex = Executor(g, outs)
    (wave,) = ex.wave_plan([list(data.shape)])
    assert wave["concurrent"]
    assert wave["costs"] == [2 * 64 * 32 * u for u in sorted(units, reverse=True)]
    assert wave["nodes"] == [2, 0, 3, 1, 4]  # largest first, ties in schedule order
    assert ex.plan_stats([list(data.shape)])["concurrent_waves"] == 1
    got = ex.run([data])
    serial = Executor(g, outs, parallel_branches=False)
    assert not serial.wave_plan([list(data.shape)])[0]["concurrent"]
    for a, b, w in zip(got, serial.run([data]), ws):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, np.tanh(data @ w), rtol=1e-5, atol=1e-5)


def test_one_thread_runs_no_wave_concurrently():
    before = _engine.num_threads()
    _engine.set_num_threads(1)
    try:
        g, outs, _, data = balanced_dense_branches([16, 16, 16])
        assert Executor(g, outs).plan_stats([list(data.shape)])["concurrent_waves"] == 0
    finally:
        _engine.set_num_threads(before)


def test_every_training_wave_follows_the_rule(two_threads):
    rng = np.random.default_rng(3)
    g = Graph()
    x = g.input("x", [-1, 10, 10, 3])
    t = g.input("t", [-1, 10, 10, 4])
    params, branches = [], []
    for i, (size, filters) in enumerate([(1, 4), (3, 4), (5, 4)]):
        k = g.param(f"k{i}", (0.1 * rng.standard_normal((size, size, 3, filters))).astype(np.float32))
        params.append(k)
        (h,) = g.node("conv2d", [x, k], {"padding": "same", "activation": "elu"})
        branches.append(h)
    (s,) = g.node("add", branches)
    (d,) = g.node("binary", [s, t], {"kind": "subtract"})
    (sq,) = g.node("binary", [d, d], {"kind": "multiply"})
    (loss,) = g.node("reduce", [sq], {"kind": "mean"})
    tr = Trainer(g, loss, params, learning_rate=0.01)
    waves = tr.wave_plan([[32, 10, 10, 3], [32, 10, 10, 4]])
    assert any(w["concurrent"] for w in waves)
    for w in waves:
        costs = w["costs"]
        if w["concurrent"]:
            assert len(costs) > 1 and max(costs) <= 0.5 * sum(costs)
            assert sum(costs) >= _engine.min_concurrent_wave_cost
            assert costs == sorted(costs, reverse=True)
        else:
            assert len(costs) < 2 or max(costs) > 0.5 * sum(costs) or sum(costs) < _engine.min_concurrent_wave_cost


def test_a_balanced_but_tiny_wave_runs_on_the_calling_thread(two_threads):
    # The balanced branches at batch 1: each dense is 2 x 32 x u FLOPs, all together far
    # below what handing nodes to another thread costs.
    units = [48, 16, 64, 32, 16]
    g, outs, ws, data = balanced_dense_branches(units)
    one = data[:1]
    ex = Executor(g, outs)
    (wave,) = ex.wave_plan([list(one.shape)])
    assert sum(wave["costs"]) < _engine.min_concurrent_wave_cost
    assert not wave["concurrent"]
    assert ex.wave_plan([list(data.shape)])[0]["concurrent"]  # the batch of 64 still does
    for a, w in zip(ex.run([one]), ws):
        np.testing.assert_allclose(a, np.tanh(one @ w), rtol=1e-5, atol=1e-5)
