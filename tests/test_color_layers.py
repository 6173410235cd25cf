"""AutoContrast, RandomGrayscale, RandomInvert, Solarization and RandomColorDegeneration against
Keras 3.15 (fixtures/keras3_color_layers.npz, made by fixtures/make/keras3_color_layers.py from
the cases of color_layer_cases.py: inference, and training with ranges that leave Keras's
draws nothing to decide), plus the random behaviour Keras's numbers cannot pin down
(probabilities, per-image draws, seeds), configs, save / load and errors."""

import json
import os

import numpy as np
import pytest
from color_layer_cases import CASES, build
from global_rng_isolation import keep_global_rng  # noqa: F401  (autouse: leaves the global RNG as found)

import dagnet
from dagnet import layers

DATA = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_color_layers.npz"))
META = json.loads(str(DATA["__meta__"]))["cases"]


def _config(layer):
    config = json.loads(json.dumps(layer.get_config(), default=lambda v: v.tolist()))
    config.pop("name")
    return config


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_keras(case):
    model = build(dagnet, case)
    assert list(model.outputs[0].shape) == META[case]["shape"]
    want = dict(META[case]["config"])
    want.pop("name")
    assert _config(model.layers[1]) == want
    x, y = DATA[f"{case}/x"], DATA[f"{case}/y"]
    got = model(x, training=True) if CASES[case]["mode"] == "train" else model.predict(x, verbose=0)
    np.testing.assert_allclose(got, y, rtol=1e-5, atol=1e-4)


def test_random_layers_draw_per_image_with_their_probability():
    x = np.random.default_rng(0).random((400, 2, 2, 3)).astype("float32") * 255
    gray = layers.RandomGrayscale(0.3, seed=1)(x, training=True)
    changed = np.any(gray != x, axis=(1, 2, 3))
    assert 0.2 < changed.mean() < 0.4
    assert np.all(gray[changed] == gray[changed][..., :1])  # one luma in every channel
    inverted = layers.RandomInvert((0.5, 0.5), seed=2)(x, training=True)
    flipped = np.all(np.isclose(inverted, 255 - x), axis=(1, 2, 3))
    assert np.all(flipped | np.all(inverted == x, axis=(1, 2, 3)))
    assert 0.4 < flipped.mean() < 0.6
    first = layers.Solarization(0.5, 0.5, seed=3)
    second = layers.Solarization(0.5, 0.5, seed=3)
    np.testing.assert_array_equal(first(x, training=True), second(x, training=True))


def test_color_degeneration_blends_toward_grayscale_by_a_per_image_factor():
    x = np.random.default_rng(1).random((50, 3, 3, 3)).astype("float32") * 255
    y = layers.RandomColorDegeneration((0.0, 1.0), seed=4)(x, training=True)
    gray = np.sum(x * np.array([0.2989, 0.5870, 0.1140], "float32"), axis=-1, keepdims=True)
    f = (y - x)[:, 0, 0, 0] / (gray - x)[:, 0, 0, 0]
    np.testing.assert_allclose(y, x + f[:, None, None, None] * (gray - x), rtol=1e-4, atol=1e-2)
    assert np.all((f >= 0) & (f <= 1)) and f.std() > 0.1


def test_in_a_model_fit_and_save_load(tmp_path):
    x = dagnet.Input((4, 4, 3))
    y = layers.AutoContrast()(layers.Solarization(0.2, seed=0)(layers.RandomInvert(0.5, seed=0)(x)))
    y = layers.RandomColorDegeneration(0.5, seed=0)(layers.RandomGrayscale(0.5, seed=0)(y))
    y = layers.RandomHue(0.5, seed=0)(layers.RandomSaturation(0.5, seed=0)(layers.Conv2D(3, 1)(y)))
    y = layers.RandomPosterization(4, seed=0)(layers.RandomSharpness(0.5, seed=0)(y))
    model = dagnet.Model(x, layers.Dense(1)(layers.Flatten()(y)))
    model.compile("sgd", "mse")
    data = np.random.default_rng(2).random((8, 4, 4, 3)).astype("float32") * 255
    history = model.fit(data / 255, np.zeros((8, 1)), epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert np.all(np.isfinite(model.get_weights()[0]))  # the conv under the HSV layers gets finite gradients
    path = str(tmp_path / "color.keras")
    model.save(path)
    loaded = dagnet.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), rtol=1e-5)


def test_errors():
    with pytest.raises(ValueError, match="factor"):
        layers.RandomGrayscale(1.5)
    with pytest.raises(ValueError, match="value_range"):
        layers.AutoContrast(value_range=3)
    with pytest.raises(ValueError, match="addition_factor"):
        layers.Solarization(addition_factor=(0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match="input_number=2"):
        layers.Solarization(threshold_factor=2)
    with pytest.raises(ValueError, match=r'"cd".*3 channels.*\(None, 4, 4, 2\)'):
        layers.RandomColorDegeneration(0.5, name="cd")(dagnet.Input((4, 4, 2)))
    with pytest.raises(ValueError, match=r"RandomGrayscale.*\(1, 4, 4, 2\)"):
        layers.RandomGrayscale(1.0)(np.ones((1, 4, 4, 2), "float32"), training=True)


def test_hue_shift_matches_keras_for_the_sign_drawn_per_image():
    x = DATA["hue_shift/x"]
    got = layers.RandomHue((0.3, 0.3), seed=9)(np.concatenate([x] * 20), training=True).reshape(20, *x.shape)
    plus, minus = DATA["hue_shift/plus"], DATA["hue_shift/minus"]
    is_plus = np.all(np.isclose(got, plus, rtol=1e-5, atol=1e-3), axis=(2, 3, 4))
    is_minus = np.all(np.isclose(got, minus, rtol=1e-5, atol=1e-3), axis=(2, 3, 4))
    assert np.all(is_plus | is_minus)
    assert 0 < is_plus.mean() < 1  # both signs are drawn


def test_posterization_and_sharpness_draw_per_image():
    x = np.random.default_rng(3).random((300, 3, 3, 3)).astype("float32") * 255
    y = layers.RandomPosterization((2, 6), seed=1)(x, training=True)
    # bits in [2, 6): the lowest kept bit of each image's values says which
    levels = [np.gcd.reduce(img.astype(np.int64).ravel() | 256) for img in y]
    assert set(levels) <= {4, 8, 16, 32, 64} and len(set(levels)) >= 3
    blurred = layers.RandomSharpness((0.0, 0.5), seed=2)(x, training=True)
    assert np.all(blurred.std(axis=(1, 2)) <= x.std(axis=(1, 2)) + 1e-3)  # factors below 1/2 smooth


def test_hsv_and_detail_layer_errors():
    with pytest.raises(ValueError, match=r'"sat".*RGB.*\(None, 4, 4, 1\)'):
        layers.RandomSaturation(0.5, name="sat")(dagnet.Input((4, 4, 1)), training=True)
    with pytest.raises(ValueError, match="factor"):
        layers.RandomPosterization(9)
    with pytest.raises(ValueError, match="factor"):
        layers.RandomHue(1.5)
    with pytest.raises(ValueError, match="value_range"):
        layers.RandomSharpness(0.5, value_range=[1, 2, 3])


@pytest.mark.parametrize("case", ["shear_x", "shear_xy_nearest_constant", "shear_y_wrap_cf"])
def test_shear_matches_keras_for_the_sign_drawn_per_image(case):
    from color_layer_cases import SHEARS

    layer = SHEARS[case][0](dagnet)
    want = dict(json.loads(str(DATA["__meta__"]))["shears"][case])
    want.pop("name")
    assert _config(layer) == want
    x = DATA[f"{case}/x"]
    got = layer(np.concatenate([x] * 20), training=True).reshape(20, *x.shape)
    plus, minus = DATA[f"{case}/plus"], DATA[f"{case}/minus"]
    is_plus = np.all(np.isclose(got, plus, rtol=1e-5, atol=1e-3), axis=(2, 3, 4))
    is_minus = np.all(np.isclose(got, minus, rtol=1e-5, atol=1e-3), axis=(2, 3, 4))
    assert np.all(is_plus | is_minus)
    assert 0 < is_plus.mean() < 1
    np.testing.assert_array_equal(layer(x, training=False), x)


def test_shear_errors():
    with pytest.raises(ValueError, match="input_number=1.5"):
        layers.RandomShear(x_factor=1.5)
    with pytest.raises(NotImplementedError, match="fill_mode"):
        layers.RandomShear(0.1, fill_mode="mirror")


def test_erasing_replaces_one_rectangle_per_chosen_image():
    x = np.random.default_rng(4).random((40, 10, 12, 3)).astype("float32") * 255
    y = layers.RandomErasing(factor=(1.0, 1.0), scale=(0.1, 0.3), fill_value=(7, 300, -1), seed=1)(x, training=True)
    for img, src in zip(y, x):
        erased = np.any(img != src, axis=-1)
        rows, cols = np.nonzero(erased)
        box = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
        assert box == erased.sum() and 0.01 * 120 <= box <= 0.33 * 120 + 30
        np.testing.assert_array_equal(img[erased], np.broadcast_to([7, 255, 0], (erased.sum(), 3)))  # clipped fill
    noisy = layers.RandomErasing(factor=(0.5, 0.5), seed=2)(x, training=True)
    chosen = np.any(noisy != x, axis=(1, 2, 3))
    assert 0.2 < chosen.mean() < 0.8 and noisy.min() >= 0 and noisy.max() <= 255
    with pytest.raises(ValueError, match="fill_value"):
        layers.RandomErasing(fill_value=(1, 2))
    with pytest.raises(ValueError, match="scale"):
        layers.RandomErasing(scale=(0.5, 2, 3))


def test_color_jitter_saves_loads_and_draws_independent_stages(tmp_path):
    x = dagnet.Input((4, 4, 3))
    jitter = layers.RandomColorJitter(brightness_factor=0.2, contrast_factor=0.5, saturation_factor=0.5, seed=3)
    model = dagnet.Model(x, jitter(x))
    data = np.random.default_rng(5).random((64, 4, 4, 3)).astype("float32") * 255
    out = model(data, training=True)
    assert not np.array_equal(out, data) and out.min() >= 0 and out.max() <= 255
    path = str(tmp_path / "jitter.keras")
    model.save(path)
    loaded = dagnet.models.load_model(path).layers[1]
    assert _config(loaded) == _config(jitter)
    assert [s._seed for s in jitter._stages()] == [3, 4, 5]  # not one seed for all stages


def test_gaussian_blur_probability_and_errors():
    x = np.random.default_rng(6).random((200, 6, 6, 3)).astype("float32") * 255
    y = layers.RandomGaussianBlur(factor=(0.5, 0.5), kernel_size=3, sigma=(0.5, 1.0), seed=4)(x, training=True)
    blurred = np.any(y != x, axis=(1, 2, 3))
    assert 0.35 < blurred.mean() < 0.65
    assert np.all(y[blurred].std(axis=(1, 2)) < x[blurred].std(axis=(1, 2)))
    with pytest.raises(ValueError, match="odd"):
        layers.RandomGaussianBlur(kernel_size=4)
    with pytest.raises(ValueError, match="sigma"):
        layers.RandomGaussianBlur(sigma=2.0)
