"""The normalization ops (normalize, normalize_with_stats, normalize_grad,
moving_average_update) against NumPy for every layout the Keras layers produce, float64
finite-difference gradients, the two-pass (chunked) path on larger inputs, thread-count
independence and bad input."""

import normalization_reference as ref
import numpy as np
import pytest
from helpers import fd_check, mse_to, run_op

from dagnet import engine
from dagnet.engine import Executor, Graph, gradients

# name, shape, reduced axes, gamma/beta axes, groups, group axis
LAYOUTS = [
    ("layer_last", (3, 4, 6), [2], [2], 0, -1),
    ("layer_last_two", (3, 4, 6), [1, 2], [1, 2], 0, -1),
    ("layer_middle", (3, 5, 4), [1], [1], 0, -1),
    ("layer_spatial", (2, 3, 4, 5), [1, 2], [1, 2], 0, -1),
    ("layer_split", (2, 3, 4, 5), [1, 3], [1, 3], 0, -1),
    ("batch_last", (6, 3, 4), [0, 1], [2], 0, -1),
    ("batch_2d", (8, 5), [0], [1], 0, -1),
    ("batch_channels_first", (3, 4, 2, 5), [0, 2, 3], [1], 0, -1),
    ("batch_axis_list", (3, 4, 5), [0], [1, 2], 0, -1),
    ("group_last", (2, 3, 4, 6), [1, 2], [3], 3, 3),
    ("group_first", (2, 6, 3, 4), [2, 3], [1], 2, 1),
    ("group_middle", (2, 3, 6, 4), [1, 3], [2], 3, 2),
    ("instance", (2, 4, 5, 3), [1, 2], [3], 3, 3),
]
IDS = [c[0] for c in LAYOUTS]


def attrs_of(axes, param_axes, groups, group_axis, **extra):
    a = {"axes": list(axes), "param_axes": list(param_axes), "epsilon": 1e-3}
    if groups:
        a.update(groups=groups, group_axis=group_axis)
    a.update(extra)
    return a


def params_for(shape, param_axes, rng, dtype):
    pshape = tuple(shape[a] for a in param_axes)
    gamma = (1 + 0.5 * rng.standard_normal(pshape)).astype(dtype)
    beta = rng.standard_normal(pshape).astype(dtype)
    return gamma, beta


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("scale,center", [(True, True), (True, False), (False, True), (False, False)])
@pytest.mark.parametrize("name,shape,axes,param_axes,groups,group_axis", LAYOUTS, ids=IDS)
def test_normalize_matches_numpy(name, shape, axes, param_axes, groups, group_axis, scale, center, dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 3 + 7).astype(dtype)  # an offset mean: the sums must not lose it
    gamma, beta = params_for(shape, param_axes, rng, dtype)
    inputs = [x] + ([gamma] if scale else []) + ([beta] if center else [])
    attrs = attrs_of(axes, param_axes, groups, group_axis, scale=int(scale), center=int(center))
    y, mean, var = run_op("normalize", inputs, attrs)
    want_mean, want_var = ref.moments(x, axes, groups, group_axis)
    want = ref.normalize(
        x, axes, param_axes, gamma if scale else None, beta if center else None, 1e-3, groups, group_axis
    )
    tol = 2e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(mean, want_mean, rtol=tol, atol=tol)
    np.testing.assert_allclose(var, want_var, rtol=tol, atol=tol)
    np.testing.assert_allclose(y, want, rtol=tol, atol=tol * 10)
    assert y.dtype == np.dtype(dtype)


@pytest.mark.parametrize("mode", ["rms_scaling", "rms", "l2"])
@pytest.mark.parametrize("name,shape,axes,param_axes,groups,group_axis", LAYOUTS[:5], ids=IDS[:5])
def test_modes_match_numpy(name, shape, axes, param_axes, groups, group_axis, mode):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape) + 0.5
    gamma, _ = params_for(shape, param_axes, rng, "float64")
    y, _, var = run_op("normalize", [x, gamma], attrs_of(axes, param_axes, 0, -1, scale=1, mode=mode))
    np.testing.assert_allclose(var, ref.moments(x, axes, mode=mode)[1], rtol=1e-12)
    np.testing.assert_allclose(y, ref.normalize(x, axes, param_axes, gamma, mode=mode), rtol=1e-11, atol=1e-12)


def test_l2_caps_the_scale_at_one_over_epsilon():
    x = np.zeros((2, 3))
    x[1] = [3.0, 0.0, 4.0]
    (y, _, _) = run_op("normalize", [x], {"axes": [1], "mode": "l2", "epsilon": 1e-12})
    np.testing.assert_allclose(y, [[0, 0, 0], [0.6, 0, 0.8]])


def test_weighted_moments_match_keras_masked_batch_norm():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 5, 3)) * 2 + 1
    w = (rng.random((4, 5)) > 0.4).astype(np.float64)
    gamma, beta = params_for(x.shape, [2], rng, "float64")
    attrs = attrs_of([0, 1], [2], 0, -1, scale=1, center=1, weighted=1, count_epsilon=1e-7)
    y, mean, var = run_op("normalize", [x, gamma, beta, w], attrs)
    want_mean, want_var = ref.moments(x, [0, 1], weights=w, count_epsilon=1e-7)
    np.testing.assert_allclose(mean, want_mean, rtol=1e-12)
    np.testing.assert_allclose(var, want_var, rtol=1e-12)
    np.testing.assert_allclose(y, ref.normalize(x, [0, 1], [2], gamma, beta, mean=mean, var=var), rtol=1e-12)


@pytest.mark.parametrize("name,shape,axes,param_axes,groups,group_axis", LAYOUTS[5:9], ids=IDS[5:9])
def test_normalize_with_stats_matches_numpy(name, shape, axes, param_axes, groups, group_axis):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape).astype(np.float32)
    gamma, beta = params_for(shape, param_axes, rng, "float32")
    stats_shape = tuple(shape[a] for a in param_axes)
    mean = rng.standard_normal(stats_shape).astype(np.float32)
    var = rng.random(stats_shape).astype(np.float32) + 0.5
    attrs = attrs_of(axes, param_axes, 0, -1, scale=1, center=1, fixed_stats=1)
    (y,) = run_op("normalize_with_stats", [x, mean, var, gamma, beta], attrs)
    want = ref.normalize(x, axes, param_axes, gamma, beta, mean=mean, var=var)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)


def _loss_of_normalize(attrs, n_extra, rng, stat_loss=False):
    def build(g, ids):
        y, mean, var = g.node("normalize", ids[: 1 + n_extra], attrs)
        loss = mse_to(g, y, rng)
        if stat_loss:  # the statistics read downstream: their gradients flow back too
            loss = g.node("add", [loss, mse_to(g, mean, rng), mse_to(g, var, rng)])[0]
        return loss

    return build


@pytest.mark.parametrize("name,shape,axes,param_axes,groups,group_axis", LAYOUTS, ids=IDS)
def test_normalize_gradients(name, shape, axes, param_axes, groups, group_axis):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape) * 2 + 3
    gamma, beta = params_for(shape, param_axes, rng, "float64")
    attrs = attrs_of(axes, param_axes, groups, group_axis, scale=1, center=1)
    fd_check(_loss_of_normalize(attrs, 2, rng), [x, gamma, beta], rng, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("mode", ["moments", "rms_scaling", "rms", "l2"])
def test_mode_gradients(mode):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 5)) + 0.3
    gamma, _ = params_for(x.shape, [1], rng, "float64")
    attrs = {"axes": [1], "param_axes": [1], "scale": 1, "mode": mode, "epsilon": 1e-3 if mode != "l2" else 1e-12}
    fd_check(_loss_of_normalize(attrs, 1, rng), [x, gamma], rng, rtol=1e-5, atol=1e-8)


def test_l2_gradient_where_the_cap_holds():
    rng = np.random.default_rng(6)
    x = np.array([[1e-7, -2e-7, 3e-7], [1.0, 2.0, -1.0]])  # row 0's norm is under epsilon: scale 1/epsilon

    def build(g, ids):
        return mse_to(g, g.node("normalize", ids, {"axes": [1], "mode": "l2", "epsilon": 1e-3})[0], rng)

    grad = fd_check(build, [x], rng, eps=1e-9, rtol=1e-5, atol=1e-6)[0]
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("mode", ["moments", "rms_scaling"])
def test_gradients_through_the_statistics(mode):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 3)) + 1
    gamma, beta = params_for(x.shape, [1], rng, "float64")
    attrs = {"axes": [0], "param_axes": [1], "scale": 1, "center": 1, "mode": mode}
    fd_check(_loss_of_normalize(attrs, 2, rng, stat_loss=True), [x, gamma, beta], rng, rtol=1e-5, atol=1e-8)


def test_weighted_gradients():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 4, 2)) + 2
    gamma, beta = params_for(x.shape, [2], rng, "float64")
    w = np.array([[1, 1, 0, 1], [0, 1, 1, 1], [1, 0, 0, 1]], np.float64)
    attrs = attrs_of([0, 1], [2], 0, -1, scale=1, center=1, weighted=1, count_epsilon=1e-3)

    def build(g, ids):
        weights = g.param("w", w)
        y, mean, var = g.node("normalize", ids + [weights], attrs)
        return g.node("add", [mse_to(g, y, rng), mse_to(g, mean, rng), mse_to(g, var, rng)])[0]

    fd_check(build, [x, gamma, beta], rng, rtol=1e-5, atol=1e-8)


def test_normalize_with_stats_gradients():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((5, 3, 2))
    gamma, beta = params_for(x.shape, [1], rng, "float64")
    mean, var = rng.standard_normal(3), rng.random(3) + 0.5
    attrs = attrs_of([0, 2], [1], 0, -1, scale=1, center=1, fixed_stats=1)

    def build(g, ids):
        return mse_to(g, g.node("normalize_with_stats", ids, attrs)[0], rng)

    fd_check(build, [x, mean, var, gamma, beta], rng, rtol=1e-5, atol=1e-8)


def _directional_check(build, params, rng, eps=1e-5, rtol=1e-6):
    """<analytic gradient, v> against a central difference along a random direction v: a
    gradient check for inputs too large for one difference per element."""
    g = Graph()
    ids = [g.param(f"p{i}", np.asarray(p, np.float64)) for i, p in enumerate(params)]
    loss = build(g, ids)
    grads = Executor(g, gradients(g, loss, ids)).run([])
    forward = Executor(g, [loss])
    views = [np.asarray(g.param_tensor(i)) for i in ids]
    directions = [rng.standard_normal(v.shape) for v in views]
    keep = [v.copy() for v in views]
    for v, d, k in zip(views, directions, keep):
        v[...] = k + eps * d
    up = forward.run([])[0]
    for v, d, k in zip(views, directions, keep):
        v[...] = k - eps * d
    down = forward.run([])[0]
    for v, k in zip(views, keep):
        v[...] = k
    numeric = (up - down) / (2 * eps)
    analytic = sum(float(np.sum(gr * d)) for gr, d in zip(grads, directions))
    np.testing.assert_allclose(analytic, numeric, rtol=rtol)


@pytest.mark.parametrize(
    "shape,axes,param_axes",
    [
        ((4096, 48), [0], [1]),  # many rows, few statistics: partial sums per row block
        ((256, 3, 32, 32), [0, 2, 3], [1]),  # channels_first, long inner runs, row blocks
        ((96, 4, 2048), [0, 1], [2]),
    ],
)
def test_two_pass_path(shape, axes, param_axes):
    rng = np.random.default_rng(10)
    x = rng.standard_normal(shape) * 2 + 5
    gamma, beta = params_for(shape, param_axes, rng, "float64")
    attrs = attrs_of(axes, param_axes, 0, -1, scale=1, center=1)
    y, mean, var = run_op("normalize", [x, gamma, beta], attrs)
    np.testing.assert_allclose(mean, ref.moments(x, axes)[0], rtol=1e-12)
    np.testing.assert_allclose(var, ref.moments(x, axes)[1], rtol=1e-12)
    np.testing.assert_allclose(y, ref.normalize(x, axes, param_axes, gamma, beta), rtol=1e-10, atol=1e-11)
    _directional_check(_loss_of_normalize(attrs, 2, rng), [x, gamma, beta], rng)


def test_results_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(11)
    cases = [
        ((4096, 48), {"axes": [0], "param_axes": [1], "scale": 1, "center": 1}),
        ((64, 512), {"axes": [1], "param_axes": [1], "scale": 1, "center": 1}),
    ]
    before = engine.num_threads()
    try:
        for shape, attrs in cases:
            x = rng.standard_normal(shape)
            gamma, beta = params_for(shape, attrs["param_axes"], rng, "float64")
            g = Graph()
            ids = [g.param(f"p{i}", a) for i, a in enumerate([x, gamma, beta])]
            y, mean, var = g.node("normalize", ids, attrs)
            grads = gradients(g, mse_to(g, y, rng), ids)
            results = []
            for threads in (1, 2, 3):
                engine.set_num_threads(threads)
                results.append(Executor(g, [y, mean, var] + grads).run([]))
            for other in results[1:]:
                for a, b in zip(results[0], other):
                    np.testing.assert_array_equal(a, b)
    finally:
        engine.set_num_threads(before)


def test_moving_average_update():
    g = Graph()
    moving = g.param("moving", np.array([1.0, 2.0, 3.0], np.float32))
    value = g.param("value", np.array([0.0, 10.0, -3.0], np.float32))
    g.node("moving_average_update", [moving, value], {"momentum": 0.9})
    Executor(g, [], effects=[g.num_nodes - 1]).run([])
    np.testing.assert_allclose(np.asarray(g.param_tensor(moving)), [0.9, 2.8, 2.4], rtol=1e-6)


@pytest.mark.parametrize(
    "op,shapes,attrs,match",
    [
        (
            "normalize",
            [(2, 3), (4,)],
            {"axes": [1], "param_axes": [1], "scale": 1},
            r"gamma \(input 1\) must have shape \(3,\)",
        ),
        ("normalize", [(2, 3)], {"axes": [2]}, "axis 2 is out of range for an input of rank 2"),
        ("normalize", [(2, 3)], {"axes": [1, 1]}, "listed twice"),
        ("normalize", [(2, 3)], {"axes": [1], "scale": 1}, "expects 2 inputs"),
        ("normalize", [(2, 3, 4, 5, 6)], {"axes": [1, 3]}, "cannot normalize over axes"),
        ("normalize", [(2, 6)], {"axes": [], "groups": 4, "group_axis": 1}, "cannot split 6 channels into 4 groups"),
        ("normalize", [(2, 3)], {"axes": [1], "mode": "l2", "epsilon": 0.0}, "needs epsilon > 0"),
        ("normalize", [(2, 3)], {"axes": [1], "mode": "cubic"}, "unknown normalization mode"),
        ("normalize", [(4, 3, 2), (4, 2)], {"axes": [0, 2], "weighted": 1}, "a mask needs the statistics"),
        ("normalize", [(4, 3), (4,)], {"axes": [0], "weighted": 1, "mode": "rms"}, "need the moments mode"),
        (
            "normalize_with_stats",
            [(4, 3), (4,), (3,)],
            {"axes": [0], "fixed_stats": 1},
            r"mean \(input 1\) must have shape \(3,\)",
        ),
        ("moving_average_update", [(3,), (4,)], {"momentum": 0.9}, "the variable's shape"),
        ("moving_average_update", [(3,), (3,)], {"momentum": 1.5}, "momentum must be in"),
    ],
)
def test_bad_input_is_named(op, shapes, attrs, match):
    g = Graph()
    ids = [g.input(f"x{i}", list(s), "float32") for i, s in enumerate(shapes)]
    with pytest.raises(ValueError, match=match) as info:
        g.node(op, ids, attrs, "my_norm")
    assert "my_norm" in str(info.value)


def test_integer_input_is_refused():
    g = Graph()
    x = g.input("x", [2, 3], "int32")
    with pytest.raises(TypeError):
        g.node("normalize", [x], {"axes": [1]})


def test_empty_batch_gives_nan_statistics_without_crashing():
    x = np.zeros((0, 3), np.float32)
    y, mean, var = run_op("normalize", [x], {"axes": [0]})
    assert y.shape == (0, 3) and np.all(np.isnan(mean))
