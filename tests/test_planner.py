"""Scheduler, memory planner and plan cache."""

import numpy as np

from dagnet.engine import Executor, Graph, Trainer


def deep_chain(depth=12, width=64):
    rng = np.random.default_rng(0)
    g = Graph()
    x = g.input("x", [-1, width])
    h = x
    params = []
    for i in range(depth):
        w = g.param(f"w{i}", (rng.standard_normal((width, width)) / np.sqrt(width)).astype(np.float32))
        b = g.param(f"b{i}", np.zeros(width, np.float32))
        params += [w, b]
        (h,) = g.node("dense", [h, w, b], {"activation": "tanh"})
    return g, x, h, params


def inception_like():
    """Four independent branches off one input, concatenated, with a residual add."""
    rng = np.random.default_rng(1)
    g = Graph()
    x = g.input("x", [-1, 16])
    y = g.input("y", [-1, 16])
    branches, params = [], []
    for i, kind in enumerate(["relu", "tanh", "sigmoid", "elu"]):
        w = g.param(f"w{i}", (rng.standard_normal((16, 4)) * 0.3).astype(np.float32))
        params.append(w)
        (h,) = g.node("dense", [x, w], {"activation": kind})
        branches.append(h)
    (cat,) = g.node("concatenate", branches)
    (res,) = g.node("add", [cat, x])
    (loss,) = g.node("mse", [res, y])
    return g, res, loss, params


def test_activation_buffers_are_reused():
    g, x, out, _ = deep_chain()
    stats = Executor(g, [out]).plan_stats([[32, 64]])
    # 12 dense outputs of 8 KiB each, but only two live at once (the result is fetched).
    assert stats["arena_bytes"] < stats["naive_bytes"] / 4
    assert stats["arena_bytes"] <= 2 * 32 * 64 * 4


def test_results_equal_with_and_without_reuse():
    g, x, out, _ = deep_chain()
    data = np.random.default_rng(2).standard_normal((10, 64)).astype(np.float32)
    with_reuse = Executor(g, [out], reuse_memory=True).run([data])[0]
    without = Executor(g, [out], reuse_memory=False).run([data])[0]
    np.testing.assert_array_equal(with_reuse, without)
    stats = Executor(g, [out], reuse_memory=False).plan_stats([[10, 64]])
    assert stats["arena_bytes"] == stats["naive_bytes"] and stats["inplace"] == 0


def train_losses(reuse, parallel, steps=5):
    g, res, loss, params = inception_like()
    tr = Trainer(g, loss, params, learning_rate=0.1, momentum=0.5, reuse_memory=reuse, parallel_branches=parallel)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 16)).astype(np.float32)
    y = rng.standard_normal((8, 16)).astype(np.float32)
    losses = [float(tr.step({"x": x, "y": y})[0]) for _ in range(steps)]
    return losses, [np.asarray(g.param_tensor(p)).copy() for p in params], tr


def test_training_identical_with_and_without_reuse_and_branch_parallelism():
    base, weights, tr = train_losses(True, True)
    stats = tr.plan_stats([[8, 16], [8, 16]])
    assert stats["arena_bytes"] < stats["naive_bytes"]
    for reuse, parallel in [(False, False), (True, False), (False, True)]:
        losses, other, _ = train_losses(reuse, parallel)
        assert losses == base
        for a, b in zip(weights, other):
            np.testing.assert_array_equal(a, b)


def test_inplace_reuse_happens_for_single_reader_values():
    g = Graph()
    x = g.input("x", [-1, 8])
    (a,) = g.node("scale", [x], {"factor": 2.0})
    (b,) = g.node("activation", [a], {"kind": "tanh"})  # a has one reader: b may take its buffer
    (c,) = g.node("activation", [b], {"kind": "relu"})  # b is read twice: c may not take it
    (d,) = g.node("add", [c, b])
    ex = Executor(g, [d])
    assert ex.plan_stats([[4, 8]])["inplace"] >= 1
    data = np.random.default_rng(4).standard_normal((4, 8)).astype(np.float32)
    t = np.tanh(2 * data)
    np.testing.assert_allclose(ex.run([data])[0], np.maximum(t, 0) + t, rtol=1e-6)


def test_plans_are_cached_per_input_signature():
    g, x, out, _ = deep_chain(depth=2)
    ex = Executor(g, [out])
    rng = np.random.default_rng(5)
    for n in (4, 4, 7, 4, 7, 1):
        ex.run([rng.standard_normal((n, 64)).astype(np.float32)])
    assert ex.cached_plans == 3


def test_unused_branches_are_not_scheduled_and_inputs_not_required():
    g = Graph()
    a = g.input("a", [-1, 2])
    b = g.input("b", [-1, 2])
    (ya,) = g.node("scale", [a], {"factor": 3.0})
    g.node("scale", [b], {"factor": 4.0})
    ex = Executor(g, [ya])
    assert ex.required_inputs == ["a"]
    assert ex.plan_stats([[1, 2]])["nodes"] == 1


def test_fetching_inputs_params_and_duplicates():
    g = Graph()
    x = g.input("x", [-1, 2])
    w = g.param("w", np.ones((2, 2), np.float32))
    (y,) = g.node("matmul", [x, w])
    data = np.array([[1, 2]], np.float32)
    rx, rw, ry, ry2 = Executor(g, [x, w, y, y]).run([data])
    np.testing.assert_array_equal(rx, data)
    np.testing.assert_array_equal(rw, np.ones((2, 2)))
    np.testing.assert_array_equal(ry, [[3, 3]])
    np.testing.assert_array_equal(ry2, ry)


def test_fetched_intermediate_still_feeds_later_nodes():
    g = Graph()
    x = g.input("x", [-1, 3])
    (a,) = g.node("scale", [x], {"factor": 2.0})
    (b,) = g.node("activation", [a], {"kind": "relu"})  # may not run in place on a fetched value
    ra, rb = Executor(g, [a, b]).run([np.array([[-1, 0, 1]], np.float32)])
    np.testing.assert_array_equal(ra, [[-2, 0, 2]])
    np.testing.assert_array_equal(rb, [[0, 0, 2]])


def test_wide_independent_waves_run_correctly_in_parallel():
    rng = np.random.default_rng(6)
    g = Graph()
    x = g.input("x", [-1, 32])
    outs, ws = [], []
    for i in range(8):
        w = rng.standard_normal((32, 32)).astype(np.float32)
        ws.append(w)
        (h,) = g.node("dense", [x, g.param(f"w{i}", w)], {"activation": "relu"})
        outs.append(h)
    (total,) = g.node("add", outs)
    data = rng.standard_normal((64, 32)).astype(np.float32)
    got = Executor(g, [total]).run([data])[0]
    want = sum(np.maximum(data @ w, 0) for w in ws)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    serial = Executor(g, [total], parallel_branches=False).run([data])[0]
    np.testing.assert_array_equal(got, serial)
