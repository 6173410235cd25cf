"""The image resampling ops against NumPy (image_reference.py): resize (every method, with
and without antialias, crop / pad to the aspect ratio, CenterCrop's and RandomCrop's windows,
integer factors over 1, 2 and 3 spatial axes, both data formats), affine_transform (both
interpolations, every fill mode, shared or per-image transforms, smaller outputs) and
random_uniform (counter-based: reproducible, advancing, uniform); float64 finite-difference
gradients; thread-count independence; bad inputs."""

import image_reference as ref
import numpy as np
import pytest
from helpers import fd_check, mse_to, run_op

import dagnet
from dagnet.engine import Executor, Graph

METHODS = ["nearest", "bilinear", "bicubic", "area", "lanczos3", "lanczos5"]


@pytest.mark.parametrize("method", ["nearest", "bilinear", "area", "lanczos3", "lanczos5"])
@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("size", [(11, 4), (3, 9), (6, 7), (2, 2)])
def test_resize_matches_numpy(method, antialias, size):
    x = np.random.default_rng(0).standard_normal((2, 6, 7, 3))
    attrs = {"size": list(size), "interpolation": method, "antialias": int(antialias)}
    (got,) = run_op("resize", [x], attrs)
    np.testing.assert_allclose(got, ref.resize(x, size, method, antialias), rtol=2e-5, atol=2e-6)
    (got_cf,) = run_op("resize", [x.transpose(0, 3, 1, 2).copy()], {**attrs, "data_format": "channels_first"})
    np.testing.assert_allclose(got_cf, got.transpose(0, 3, 1, 2), rtol=1e-12, atol=1e-12)


def test_bicubic_is_keys_cubic_renormalised_at_the_border():
    x = np.random.default_rng(1).standard_normal((1, 5, 6, 2))
    (got,) = run_op("resize", [x], {"size": [10, 12], "interpolation": "bicubic"})
    (wide,) = run_op("resize", [x], {"size": [10, 12], "interpolation": "bicubic", "antialias": 1})
    # Upsampling: the antialiased form (scale_and_translate's Keys kernel) is the same filter,
    # up to TensorFlow's 1024-step table of the plain form.
    np.testing.assert_allclose(got, wide, atol=2e-3)
    np.testing.assert_allclose(wide, ref.resize(x, (10, 12), "bicubic", True), rtol=1e-5, atol=1e-6)
    const = np.full((1, 5, 6, 1), 3.0)
    np.testing.assert_allclose(run_op("resize", [const], {"size": [9, 4], "interpolation": "bicubic"})[0], 3.0)


@pytest.mark.parametrize(
    "rank,factors,channels_first",
    [(1, [3], False), (2, [2, 3], False), (2, [2, 2], True), (3, [2, 1, 3], False), (3, [1, 2, 2], True)],
)
def test_resize_factors_repeat(rank, factors, channels_first):
    shape = [2] + [4, 3, 2][:rank] + [3]
    x = np.random.default_rng(2).standard_normal(shape)
    if channels_first:
        x = np.moveaxis(x, -1, 1).copy()
    (got,) = run_op(
        "resize",
        [x],
        {
            "factors": factors,
            "interpolation": "nearest",
            "data_format": "channels_first" if channels_first else "channels_last",
        },
    )
    want = x
    first = 2 if channels_first else 1
    for a, f in enumerate(factors):
        want = np.repeat(want, f, axis=first + a)
    np.testing.assert_array_equal(got, want)


def test_resize_factors_bilinear_is_resize_to_the_multiple():
    x = np.random.default_rng(3).standard_normal((2, 3, 4, 2))
    (got,) = run_op("resize", [x], {"factors": [2, 3], "interpolation": "bilinear"})
    np.testing.assert_allclose(got, ref.resize(x, (6, 12), "bilinear"), rtol=1e-6, atol=1e-7)


def test_resize_crop_and_pad_to_aspect_ratio():
    x = np.random.default_rng(4).standard_normal((2, 6, 9, 2))
    (crop,) = run_op("resize", [x], {"size": [4, 4], "fit": "crop_to_aspect"})
    np.testing.assert_allclose(crop, ref.resize(x[:, :, 1:7], (4, 4), "bilinear"), rtol=1e-6, atol=1e-7)
    (pad,) = run_op("resize", [x], {"size": [3, 3], "fit": "pad_to_aspect", "fill_value": 2.5, "interpolation": "area"})
    canvas = np.pad(x, ((0, 0), (1, 1), (0, 0), (0, 0)), constant_values=2.5)  # 6 rows -> 8, 9 columns
    np.testing.assert_allclose(pad, ref.resize(canvas, (3, 3), "area"), rtol=1e-6, atol=1e-6)


def test_resize_center_crop_and_window():
    x = np.random.default_rng(5).standard_normal((1, 6, 9, 2))
    (big,) = run_op("resize", [x], {"size": [3, 4], "fit": "center_crop"})
    np.testing.assert_array_equal(big, x[:, 1:4, 2:6])
    (small,) = run_op("resize", [x], {"size": [8, 4], "fit": "center_crop"})  # smart_resize: crop 6 x 3
    np.testing.assert_allclose(small, ref.resize(x[:, :, 3:6], (8, 4), "bilinear"), rtol=1e-6, atol=1e-7)
    (window,) = run_op("resize", [x], {"size": [5, 5], "fit": "window", "window": [2, 7, 5, 5]})
    np.testing.assert_allclose(window, ref.resize(x[:, 2:6, 7:9], (5, 5), "bilinear"), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "attrs,shape",
    [
        ({"size": [5, 3], "interpolation": "bilinear"}, (1, 3, 4, 2)),
        ({"size": [2, 3], "interpolation": "bicubic"}, (1, 5, 4, 1)),
        ({"size": [3, 2], "interpolation": "area"}, (2, 4, 5, 1)),
        ({"size": [2, 2], "interpolation": "lanczos3", "antialias": 1}, (1, 5, 4, 1)),
        ({"size": [3, 5], "interpolation": "bilinear", "antialias": 1, "data_format": "channels_first"}, (1, 2, 5, 3)),
        ({"size": [3, 4], "fit": "pad_to_aspect", "fill_value": 1.0}, (1, 4, 3, 1)),
        ({"size": [2, 2], "fit": "crop_to_aspect", "interpolation": "bicubic"}, (1, 4, 5, 1)),
        ({"size": [5, 2], "fit": "center_crop"}, (1, 4, 3, 1)),
        ({"factors": [2, 1, 2], "interpolation": "nearest"}, (1, 2, 2, 2, 1)),
        ({"factors": [3], "interpolation": "nearest"}, (2, 3, 2)),
    ],
)
def test_resize_gradient(attrs, shape):
    rng = np.random.default_rng(6)
    fd_check(lambda g, ids: mse_to(g, g.node("resize", [ids[0]], attrs)[0], rng), [rng.standard_normal(shape)], rng)


def test_resize_grad_has_a_gradient_too():
    rng = np.random.default_rng(7)
    attrs = {"size": [5, 2], "interpolation": "bicubic"}
    x = rng.standard_normal((1, 3, 4, 1))

    def build(g, ids):
        shape_of = g.param("x", x)
        return mse_to(g, g.node("resize_grad", [ids[0], shape_of], attrs)[0], rng)

    fd_check(build, [rng.standard_normal((1, 5, 2, 1))], rng)


@pytest.mark.parametrize("method", ["nearest", "bilinear"])
@pytest.mark.parametrize("mode", ["reflect", "wrap", "constant", "nearest"])
def test_affine_transform_matches_numpy(method, mode):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 6, 8, 2))
    t = np.array(
        [
            [0.9, -0.4, 1.3, 0.35, 1.1, -2.2, 0.01, -0.02],
            [-1.0, 0.0, 7.0, 0.0, 1.0, 0.0, 0.0, 0.0],  # a mirror: integer positions
            [1.2, 0.3, -11.7, -0.2, 0.8, 9.4, 0.0, 0.0],  # far outside: periodic fill modes wrap around
        ]
    )
    attrs = {"interpolation": method, "fill_mode": mode, "fill_value": -3.0}
    (got,) = run_op("affine_transform", [x, t], attrs)
    np.testing.assert_allclose(got, ref.affine_transform(x, t, method, mode, -3.0), rtol=1e-5, atol=1e-5)
    (got_cf,) = run_op(
        "affine_transform", [x.transpose(0, 3, 1, 2).copy(), t], {**attrs, "data_format": "channels_first"}
    )
    np.testing.assert_allclose(got_cf, got.transpose(0, 3, 1, 2), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("method", ["nearest", "bilinear"])
@pytest.mark.parametrize("mode", ["reflect", "wrap", "constant", "nearest"])
def test_affine_transform_degenerate_transforms_give_the_fill_or_a_pixel(method, mode):
    """Coordinates beyond int64's range, infinite or NaN (a degenerate transform) are mapped
    without any float-to-integer overflow: every output is an input pixel, a blend of them,
    or the fill value, never garbage (UBSan flagged the old integer period count)."""
    x = np.arange(2 * 5 * 4, dtype=np.float64).reshape(2, 5, 4, 1)
    t = np.array([[1e30, 0, 3e29, 0, -1e30, 7e28, 0, 0], [np.inf, 0, 0, 0, 1, 0, 0, 0]])
    (got,) = run_op("affine_transform", [x, t], {"interpolation": method, "fill_mode": mode, "fill_value": -3.0})
    assert np.isfinite(got).all()
    assert ((got >= -3.0) & (got <= x.max())).all()  # pixels (0..39), the fill, or blends of them


def test_affine_transform_shared_transform_and_smaller_output():
    x = np.random.default_rng(9).standard_normal((2, 6, 7, 3))
    shift = np.array([[1, 0, 2, 0, 1, 1, 0, 0]], dtype=float)  # out(x, y) = in(x + 2, y + 1)
    attrs = {"interpolation": "nearest", "fill_mode": "constant", "output_size": [4, 3]}
    (got,) = run_op("affine_transform", [x, shift], attrs)
    np.testing.assert_array_equal(got, x[:, 1:5, 2:5])


@pytest.mark.parametrize("method", ["nearest", "bilinear"])
@pytest.mark.parametrize("mode", ["reflect", "wrap", "constant", "nearest"])
def test_affine_transform_gradient(method, mode):
    rng = np.random.default_rng(10)
    t = np.array([[0.8, -0.5, 1.2, 0.45, 0.9, -0.7, 0.02, 0.0], [1.3, 0.2, -2.1, -0.1, 1.1, 0.6, 0.0, 0.01]])
    attrs = {"interpolation": method, "fill_mode": mode, "fill_value": 0.5, "data_format": "channels_first"}

    def build(g, ids):
        return mse_to(g, g.node("affine_transform", [ids[0], g.param("t", t)], attrs)[0], rng)

    fd_check(build, [rng.standard_normal((2, 2, 4, 5))], rng)


def test_gradients_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((4, 16, 12, 5)).astype("float32")
    t = np.tile(np.array([[0.7, -0.6, 3.0, 0.6, 0.7, -2.0, 0.0, 0.0]], "float32"), (4, 1))
    dy = rng.standard_normal((4, 16, 12, 5)).astype("float32")
    dr = rng.standard_normal((4, 23, 7, 5)).astype("float32")
    before = dagnet.engine.num_threads()
    results = []
    try:
        for threads in (1, 3):
            dagnet.engine.set_num_threads(threads)
            a = run_op("affine_transform_grad", [dy, t, x], {"interpolation": "bilinear", "fill_mode": "reflect"})[0]
            r = run_op("resize_grad", [dr, x], {"size": [23, 7], "interpolation": "lanczos3", "antialias": 1})[0]
            results.append((a, r))
    finally:
        dagnet.engine.set_num_threads(before)
    for one, other in zip(results[0], results[1]):
        np.testing.assert_array_equal(one, other)


def _uniform_graph(shape, seed=5, minval=0.0, maxval=1.0):
    g = Graph()
    like = g.input("like", [-1, 3], "float32")
    state = g.param("state", np.array(0, dtype=np.int64))
    (u,) = g.node("random_uniform", [state, like], {"seed": seed, "shape": shape, "minval": minval, "maxval": maxval})
    return g, u, state


def test_random_uniform_is_counter_based():
    g, u, state = _uniform_graph([0, 4], minval=-2.0, maxval=3.0)
    run = Executor(g, [u])
    like = np.zeros((500, 3), np.float32)
    first, second = run.run([like])[0], run.run([like])[0]
    assert first.shape == (500, 4) and first.dtype == np.float32
    assert first.min() >= -2.0 and first.max() < 3.0
    assert abs(first.mean() - 0.5) < 0.15 and abs(first.std() - 5 / np.sqrt(12)) < 0.1
    assert not np.array_equal(first, second)  # the state advanced
    assert int(np.asarray(g.param_tensor(state))) == 2
    np.asarray(g.param_tensor(state))[...] = 0
    np.testing.assert_array_equal(run.run([like])[0], first)  # same seed and counter: same numbers
    g2, u2, _ = _uniform_graph([0, 4], seed=6, minval=-2.0, maxval=3.0)
    assert not np.array_equal(Executor(g2, [u2]).run([like])[0], first)  # another seed, another stream
    g3, u3, _ = _uniform_graph([2], minval=1.5, maxval=1.5)
    np.testing.assert_array_equal(Executor(g3, [u3]).run([like])[0], [1.5, 1.5])


def _fails(op, arrays, attrs, match, error=ValueError):
    with pytest.raises(error, match=match):
        run_op(op, arrays, attrs)


def test_bad_inputs_are_named():
    x = np.zeros((2, 4, 5, 3), np.float32)
    _fails("resize", [x[0]], {"size": [2, 2]}, r"resize.*rank 4 .*got rank 3.*input shapes: \(4, 5, 3\)")
    _fails("resize", [x], {"size": [2]}, "rank 3 .* got rank 4")
    _fails("resize", [x], {"size": [2, 2], "factors": [2, 2]}, "exactly one of")
    _fails("resize", [x], {}, "exactly one of")
    _fails("resize", [x], {"size": [0, 2]}, r"size must be positive, got \(0, 2\)")
    _fails("resize", [x], {"size": [2, 2], "interpolation": "cubic"}, "unknown interpolation 'cubic'")
    _fails("resize", [x], {"size": [2, 2], "fit": "fill"}, "fit must be")
    _fails("resize", [x], {"factors": [2, 2], "fit": "crop_to_aspect"}, "needs 2 spatial axes and an output size")
    _fails("resize", [x], {"size": [2, 2], "fit": "window", "window": [0, 0, 2]}, "window =")
    _fails("resize", [x], {"size": [2, 2], "data_format": "NHWC"}, "data_format must be")
    _fails("resize", [x.astype(np.int32)], {"size": [2, 2]}, "must be float32 or float64", TypeError)
    _fails("resize", [np.zeros((2, 0, 5, 3), np.float32)], {"size": [2, 2]}, "empty image")
    _fails(
        "resize_grad", [np.zeros((2, 3, 3, 3), np.float32), x], {"size": [2, 2]}, r"gradient has shape \(2, 3, 3, 3\)"
    )
    t = np.zeros((2, 8), np.float32)
    _fails("affine_transform", [x, t[:, :7]], {}, r"transforms must have shape \(batch, 8\)")
    _fails("affine_transform", [x, np.zeros((3, 8), np.float32)], {}, "3 rows for a batch of 2")
    _fails("affine_transform", [x, t], {"fill_mode": "mirror"}, "fill_mode must be")
    _fails("affine_transform", [x, t], {"interpolation": "bicubic"}, "interpolation must be")
    _fails("affine_transform", [x, t], {"output_size": [0, 3]}, "output_size must hold 2 positive sizes")
    _fails("affine_transform", [x[0], t], {}, "rank 4")
    _fails("affine_transform", [x, t.astype(np.float64)], {}, "dtype", TypeError)
    _fails("random_uniform", [np.zeros((), np.int32), x], {}, "rng state must be an int64 scalar")
    _fails("random_uniform", [np.zeros((), np.int64), x], {"shape": [0, 0, 0, 0, 0]}, "takes axis 4")
    _fails("random_uniform", [np.zeros((), np.int64), x], {"minval": 2.0, "maxval": 1.0}, "minval must not exceed")
