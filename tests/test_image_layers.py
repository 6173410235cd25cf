"""The image and preprocessing layers beyond Keras's fixtures: the random augmentations
(whose streams are dagnet's own) checked by invariants and statistics — identity at
inference, a seed repeats, each step draws anew, every drawn parameter lies in its range and
spreads over it, read back from "coordinate images" whose pixels name their position;
Normalization.adapt before and after a model is built; files; argument errors with Keras's
messages and types."""

import math

import image_reference as ref
import numpy as np
import pytest

import dagnet
from dagnet import layers

AUGMENTATIONS = [
    lambda: layers.RandomFlip(seed=1),
    lambda: layers.RandomRotation(0.2, seed=1),
    lambda: layers.RandomTranslation(0.2, 0.2, seed=1),
    lambda: layers.RandomZoom(0.3, seed=1),
    lambda: layers.RandomContrast(0.5, seed=1),
    lambda: layers.RandomBrightness(0.3, seed=1),
]


def coordinates(batch, height, width):
    """Images whose pixel (y, x) holds 1000 y + x (one channel)."""
    grid = 1000.0 * np.arange(height)[:, None] + np.arange(width)[None, :]
    return np.broadcast_to(grid[None, :, :, None], (batch, height, width, 1)).astype("float32").copy()


def source_of(value):
    """(y, x) of the pixel a coordinate image's value came from."""
    value = int(round(float(value)))
    return value // 1000, value % 1000


@pytest.mark.parametrize("make", AUGMENTATIONS)
def test_augmentations_are_the_identity_at_inference_and_random_in_training(make):
    layer = make()
    x = (np.random.default_rng(0).random((4, 9, 8, 3)) * 255).astype("float32")
    model = dagnet.Sequential([dagnet.Input((9, 8, 3)), layer])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    np.testing.assert_array_equal(layer(x, training=False), x)
    assert not np.array_equal(layer(x, training=True), x)
    assert layer.weights == [] and model.count_params() == 0


@pytest.mark.parametrize("make", AUGMENTATIONS)
def test_a_seed_repeats_and_each_call_draws_anew(make):
    x = (np.random.default_rng(1).random((4, 9, 8, 3)) * 255).astype("float32")
    one, other = make(), make()
    first = one(x)
    np.testing.assert_array_equal(other(x), first)  # same seed, same counter: same augmentation
    assert not np.array_equal(one(x), first)  # the counter advanced


def test_layers_without_a_seed_differ_and_set_random_seed_fixes_them():
    x = (np.random.default_rng(2).random((4, 9, 8, 3)) * 255).astype("float32")
    assert not np.array_equal(layers.RandomRotation(0.3)(x), layers.RandomRotation(0.3)(x))
    outputs = []
    for _ in range(2):
        dagnet.utils.set_random_seed(7)
        outputs.append(layers.RandomRotation(0.3)(x))
    np.testing.assert_array_equal(*outputs)


def keras_affine_matrix(angle, zoom_x, zoom_y, height, width):
    """Keras 3's transforms in float32 (_compute_affine_matrix for a rotation by `angle`
    degrees about the centre; _get_zoom_matrix for zooms; one of them the identity)."""
    f = np.float32
    theta = f(angle) * f(math.pi / 180.0)
    cos, sin = np.cos(theta), np.sin(theta)
    cx, cy = f(0.5) * f(width - 1), f(0.5) * f(height - 1)
    rotation = [cos, -sin, cx - cx * cos - cy * -sin, sin, cos, cy - cx * sin - cy * cos, 0, 0]
    if angle:
        return np.array([rotation], np.float32)
    x_offset = (f(width) - f(1.0)) / f(2.0) * (f(1.0) - f(zoom_x))
    y_offset = (f(height) - f(1.0)) / f(2.0) * (f(1.0) - f(zoom_y))
    return np.array([[zoom_x, 0, x_offset, 0, zoom_y, y_offset, 0, 0]], np.float32)


@pytest.mark.parametrize("mode", ["reflect", "wrap", "constant", "nearest"])
def test_forced_transforms_follow_keras_formulas(mode):
    x = np.random.default_rng(14).random((2, 7, 9, 2)).astype("float32")
    rotate = layers.RandomRotation((0.15, 0.15), fill_mode=mode, fill_value=0.5)(x)
    want = ref.affine_transform(x, keras_affine_matrix(0.15 * 360, 1, 1, 7, 9), "bilinear", mode, 0.5)
    np.testing.assert_allclose(rotate, want, rtol=1e-4, atol=1e-4)
    zoom = layers.RandomZoom((-0.3, -0.3), (0.2, 0.2), fill_mode=mode, fill_value=0.5)(x)
    want = ref.affine_transform(x, keras_affine_matrix(0, 1.2, 0.7, 7, 9), "bilinear", mode, 0.5)
    np.testing.assert_allclose(zoom, want, rtol=1e-4, atol=1e-4)
    shift = layers.RandomTranslation((2 / 7, 2 / 7), (-1 / 3, -1 / 3), fill_mode=mode, interpolation="nearest")(x)
    want = ref.affine_transform(x, np.array([[1, 0, 3, 0, 1, -2, 0, 0]], np.float32), "nearest", mode)
    np.testing.assert_allclose(shift, want, rtol=1e-6)


def test_random_flip_flips_half_of_the_images_exactly():
    x = np.random.default_rng(3).random((400, 5, 6, 2)).astype("float32")
    for mode, axes in [("horizontal", (2,)), ("vertical", (1,)), ("horizontal_and_vertical", (1, 2))]:
        y = layers.RandomFlip(mode, seed=2)(x)
        same = np.all(y == x, axis=(1, 2, 3))
        flipped = np.all(y == np.flip(x, axis=axes), axis=(1, 2, 3))
        assert np.all(same | flipped)
        assert 0.4 < flipped.mean() < 0.6
    cf = layers.RandomFlip("horizontal", seed=2, data_format="channels_first")(x.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(cf, layers.RandomFlip("horizontal", seed=2)(x).transpose(0, 3, 1, 2))


def test_random_rotation_angles_lie_in_range_and_spread():
    x = coordinates(200, 41, 41)
    y = layers.RandomRotation((-0.1, 0.05), interpolation="nearest", seed=3)(x)
    angles = []
    for image in y:
        sy, sx = source_of(image[20, 35, 0])  # the point 15 pixels right of the centre
        angles.append(math.atan2(sy - 20, sx - 20))
    angles = np.degrees(angles)
    slack = np.degrees(1 / 15)  # one pixel at radius 15
    assert angles.min() > -36 - slack and angles.max() < 18 + slack
    assert angles.min() < -30 and angles.max() > 12


def test_random_translation_shifts_lie_in_range_and_spread():
    x = coordinates(200, 40, 50)
    y = layers.RandomTranslation((-0.2, 0.1), 0.3, interpolation="nearest", fill_mode="constant", seed=4)(x)
    shifts = np.array([source_of(image[20, 25, 0]) for image in y]) - [20, 25]
    dy, dx = -shifts[:, 0], -shifts[:, 1]  # the content moved by (dy, dx)
    assert dy.min() >= -8 and dy.max() <= 4 and dx.min() >= -15 and dx.max() <= 15
    assert dy.min() <= -6 and dy.max() >= 2 and dx.min() <= -12 and dx.max() >= 12


def test_random_zoom_scales_lie_in_range_and_spread():
    x = coordinates(200, 41, 41)
    y = layers.RandomZoom((-0.4, 0.2), interpolation="nearest", seed=5)(x)  # one scale for both axes
    scales = []
    for image in y:
        sy, sx = source_of(image[20 + 15, 20 + 15, 0])
        scales.append(((sx - 20) / 15, (sy - 20) / 15))
    scales = np.array(scales)
    assert np.all(np.abs(scales[:, 0] - scales[:, 1]) <= 1 / 15)
    assert scales.min() > 0.6 - 1 / 15 and scales.max() < 1.2 + 1 / 15
    assert scales.min() < 0.65 and scales.max() > 1.1
    both = layers.RandomZoom(0.3, width_factor=(0.5, 0.5), interpolation="nearest", seed=5)(x)
    widths = np.array([(source_of(image[20, 30, 0])[1] - 20) / 10 for image in both])
    assert np.all(np.abs(widths - 1.5) <= 1 / 10)


def test_random_contrast_factors_lie_in_range():
    x = np.random.default_rng(6).random((200, 6, 5, 3)).astype("float32") * 255
    y = layers.RandomContrast((0.2, 0.5), value_range=(-1e4, 1e4), seed=6)(x)
    mean = x.mean(axis=(1, 2), keepdims=True)
    factors = np.median((y - mean) / (x - mean), axis=(1, 2, 3))
    assert factors.min() >= 0.8 - 1e-4 and factors.max() <= 1.5 + 1e-4
    assert factors.min() < 0.85 and factors.max() > 1.45
    clipped = layers.RandomContrast(0.9, seed=6)(x * 2 - 100)
    assert clipped.min() >= 0 and clipped.max() <= 255  # clipped to value_range


def test_random_brightness_deltas_lie_in_range():
    x = np.random.default_rng(7).random((200, 4, 4, 3)).astype("float32")
    y = layers.RandomBrightness((-0.1, 0.2), value_range=(-100, 100), seed=7)(x)
    deltas = (y - x).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(y - x, np.broadcast_to(deltas[:, None, None, None], x.shape), atol=1e-4)
    assert deltas.min() >= -20 - 1e-3 and deltas.max() <= 40 + 1e-3
    assert deltas.min() < -17 and deltas.max() > 37


def test_random_crop_takes_one_window_per_batch_anywhere():
    x = coordinates(3, 12, 10)
    layer = layers.RandomCrop(5, 4, seed=8)
    starts = set()
    for _ in range(60):
        y = layer(x)
        assert y.shape == (3, 5, 4, 1)
        top, left = source_of(y[0, 0, 0, 0])
        np.testing.assert_array_equal(y, x[:, top : top + 5, left : left + 4])
        starts.add((top, left))
    tops, lefts = {t for t, _ in starts}, {left for _, left in starts}
    assert tops == set(range(8)) and lefts == set(range(7))
    # Inference: the largest centred window of aspect 5:4 (12 x 9 of 12 x 10, as Keras truncates), resized.
    inference = layer(x, training=False)
    np.testing.assert_allclose(inference, dagnet.ops.image.resize(x[:, :, 0:9], (5, 4)), rtol=1e-6)


def test_augmentations_train_inside_fit_and_gradients_flow_through_them():
    rng = np.random.default_rng(9)
    x, target = rng.random((32, 8, 8, 3)).astype("float32"), rng.random((32, 1)).astype("float32")
    dagnet.utils.set_random_seed(3)
    inputs = dagnet.Input((8, 8, 3))
    h = layers.Conv2D(3, 3, padding="same")(inputs)  # trained through the augmentations below
    for layer in (layers.RandomFlip(), layers.RandomRotation(0.1), layers.RandomZoom(0.1), layers.RandomCrop(6, 6)):
        h = layer(h)
    model = dagnet.Model(inputs, layers.Dense(1)(layers.Flatten()(h)))
    model.compile(optimizer="adam", loss="mse")
    before = model.layers[1].get_weights()[0].copy()
    history = model.fit(x, target, epochs=3, batch_size=8, verbose=0)
    assert all(np.isfinite(history.history["loss"]))
    assert not np.allclose(model.layers[1].get_weights()[0], before)
    once, twice = model.predict(x, verbose=0), model.predict(x, verbose=0)
    np.testing.assert_array_equal(once, twice)  # inference is deterministic


def test_normalization_adapt_before_and_after_the_model_is_built():
    rng = np.random.default_rng(10)
    data = (rng.normal(size=(100, 3)) * [1.0, 2.0, 4.0] + [0.0, 5.0, -3.0]).astype("float32")
    norm = layers.Normalization()
    model = dagnet.Sequential([dagnet.Input((3,)), norm])
    model.compile(optimizer="sgd", loss="mse")
    np.testing.assert_allclose(model.predict(data, verbose=0), data, rtol=1e-6)  # mean 0, variance 1 at first
    norm.adapt(data)
    got = model.predict(data, verbose=0)
    np.testing.assert_allclose(got.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(got.std(axis=0), 1, atol=1e-4)
    assert [w.name for w in norm.weights] == ["mean", "variance", "count"]
    assert norm.non_trainable_weights == norm.weights and model.count_params() == 7
    norm.adapt(data * 2)  # adapting again replaces the statistics
    np.testing.assert_allclose(model.predict(data * 2, verbose=0), got, rtol=1e-4, atol=1e-5)
    early = layers.Normalization(axis=None)
    early.adapt(data)
    np.testing.assert_allclose(early.adapt_mean.numpy(), data.mean(), rtol=1e-5)


def test_normalization_and_image_layers_save_and_load(tmp_path):
    rng = np.random.default_rng(11)
    norm = layers.Normalization(axis=-1)
    inputs = dagnet.Input((6, 6, 2))
    h = layers.Rescaling(np.array([0.5, 2.0], "float32"), offset=-1.0)(inputs)
    h = norm(h)
    h = layers.RandomRotation(0.2, seed=3)(h)
    h = layers.Resizing(4, 5, interpolation="area")(h)
    h = layers.UpSampling2D(2, interpolation="lanczos5")(h)
    model = dagnet.Model(inputs, layers.Normalization(mean=[1.0, 2.0], variance=[2.0, 3.0], invert=True)(h))
    norm.adapt(rng.random((10, 6, 6, 2)))
    x = rng.random((3, 6, 6, 2)).astype("float32")
    path = str(tmp_path / "image.keras")
    model.save(path)
    loaded = dagnet.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert loaded.get_layer(norm.name).get_config() == norm.get_config()


def test_single_images_and_integer_images():
    image = np.random.default_rng(12).integers(0, 255, (6, 8, 3)).astype("int32")
    resized = layers.Resizing(3, 4)(image)
    assert resized.shape == (3, 4, 3) and resized.dtype == image.dtype
    np.testing.assert_array_equal(resized, np.round(dagnet.ops.image.resize(image.astype("float32"), (3, 4))))
    flipped = layers.RandomFlip(seed=1)(image)
    assert flipped.shape == image.shape and flipped.dtype == np.float32
    assert dagnet.ops.image.resize(image, (2, 2)).dtype == np.float32


def test_upsampling_layers():
    x = np.random.default_rng(13).random((2, 3, 4)).astype("float32")
    np.testing.assert_array_equal(layers.UpSampling1D(2)(x), np.repeat(x, 2, axis=1))
    x3 = np.random.default_rng(14).random((1, 2, 3, 2, 2)).astype("float32")
    want = np.repeat(np.repeat(np.repeat(x3, 2, axis=1), 3, axis=2), 1, axis=3)
    np.testing.assert_array_equal(layers.UpSampling3D((2, 3, 1))(x3), want)
    free = dagnet.Sequential([dagnet.Input((None, None, 3)), layers.UpSampling2D((2, 3), interpolation="bilinear")])
    assert free.output_shape == (None, None, None, 3)
    assert free.predict(np.zeros((1, 5, 2, 3), "float32"), verbose=0).shape == (1, 10, 6, 3)


def _raises(error, match, fn):
    with pytest.raises(error, match=match):
        fn()


def test_argument_errors_follow_keras():
    _raises(TypeError, "Expected an integer value for `size`", lambda: layers.UpSampling1D(2.0))
    _raises(ValueError, "`size` should be a positive integer", lambda: layers.UpSampling1D(0))
    _raises(ValueError, r"The `size` argument must be a tuple of 2 integers", lambda: layers.UpSampling2D((2, 2, 2)))
    _raises(ValueError, "data_format", lambda: layers.UpSampling3D(data_format="NDHWC"))
    bad = layers.UpSampling2D(interpolation="cubic")
    _raises(ValueError, "Invalid value for argument `interpolation`", lambda: bad(dagnet.Input((4, 4, 1))))
    _raises(ValueError, r"range \[-1, 1\]", lambda: layers.RandomRotation(1.5))
    _raises(NotImplementedError, "Unknown `fill_mode` mirror", lambda: layers.RandomRotation(0.1, fill_mode="mirror"))
    _raises(NotImplementedError, "Unknown `interpolation`", lambda: layers.RandomZoom(0.1, interpolation="bicubic"))
    _raises(ValueError, r"in the range \(-1.0, 1.0\]", lambda: layers.RandomZoom(-1.0))
    _raises(ValueError, r"in the range \[-1.0, 1.0\]", lambda: layers.RandomTranslation((0.1, 2.0), 0.1))
    _raises(ValueError, r"range \[0, 1\]", lambda: layers.RandomContrast(1.5))
    _raises(
        ValueError, "`value_range` argument should be a list of two numbers", lambda: layers.RandomBrightness(0.1, 5)
    )
    _raises(ValueError, "unknown mode argument 'diagonal'", lambda: layers.RandomFlip("diagonal"))
    _raises(ValueError, "both `mean` and `variance` must be set", lambda: layers.Normalization(mean=1.0))
    _raises(ValueError, "must have the same shape", lambda: layers.Normalization(mean=[1.0, 2.0], variance=[1.0]))
    _raises(
        ValueError,
        "number of axes",
        lambda: layers.Normalization(axis=-1, mean=np.ones((2, 2)), variance=np.ones((2, 2))),
    )
    _raises(ValueError, r"\[-ndim, ndim\)", lambda: layers.Normalization(axis=3).build((None, 4)))
    _raises(ValueError, "known shape", lambda: layers.Normalization(axis=1).build((None, None)))
    _raises(ValueError, "empty iterable", lambda: layers.Normalization().adapt([]))
    _raises(TypeError, "Unsupported data type", lambda: layers.Normalization().adapt(3))
    built = layers.Normalization()
    built.build((None, 3))
    _raises(ValueError, "incompatible shape", lambda: built.adapt(np.zeros((4, 2))))
    _raises(
        ValueError,
        "Only one of `pad_to_aspect_ratio`",
        lambda: layers.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)(np.zeros((1, 4, 4, 1))),
    )
    _raises(
        ValueError,
        "Only `'constant'` is supported",
        lambda: layers.Resizing(2, 2, fill_mode="wrap")(np.zeros((1, 4, 4, 1))),
    )
    _raises(ValueError, "rank 3 .*or 4", lambda: layers.RandomFlip()(np.zeros((1, 2, 4, 4, 1), "float32")))
    _raises(
        ValueError, "fully defined height and width", lambda: layers.RandomRotation(0.1)(dagnet.Input((None, 4, 1)))
    )
    _raises(NotImplementedError, "dict inputs", lambda: layers.RandomFlip()({"images": np.zeros((1, 4, 4, 1))}))
    _raises(
        ValueError, "Expected `size` to be a tuple of 2", lambda: dagnet.ops.image.resize(np.zeros((4, 4, 1)), (2,))
    )
    _raises(ValueError, "Invalid images rank", lambda: dagnet.ops.image.resize(np.zeros((4, 4)), (2, 2)))
    _raises(
        ValueError,
        "Invalid transform rank",
        lambda: dagnet.ops.image.affine_transform(np.zeros((1, 4, 4, 1)), np.zeros((1, 1, 8))),
    )
