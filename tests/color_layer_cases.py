"""Small models over the color augmentation layers dagnet added (AutoContrast, RandomGrayscale,
RandomInvert, Solarization, RandomColorDegeneration), written once for Keras 3 and dagnet
(``build(lib, case)`` takes ``keras`` or ``dagnet``): tests/fixtures/make/keras3_color_layers.py
saves Keras's inputs, outputs and configs; test_color_layers.py checks dagnet against them.
A case's mode: "infer" (predict) or "train" (called with training=True, with ranges that
make Keras's draws decide nothing: probability 1, one-point factors, zero additions and
thresholds), so Keras's output is deterministic and dagnet must match it. Never imports keras."""

import numpy as np

BATCH = 2


def _cases():
    cases = {}

    def add(name, fn, mode="infer", shape=(5, 6, 3), scale=255.0):
        cases[name] = {"fn": fn, "mode": mode, "shape": shape, "scale": scale}

    add("auto_contrast", lambda L: L.layers.AutoContrast())
    add("auto_contrast_unit", lambda L: L.layers.AutoContrast(value_range=(0, 1)), scale=1.0)
    add("grayscale_train", lambda L: L.layers.RandomGrayscale(factor=1.0, seed=1), "train")
    add("grayscale_cf", lambda L: L.layers.RandomGrayscale(1.0, data_format="channels_first"), "train", (3, 5, 6))
    add("grayscale_infer", lambda L: L.layers.RandomGrayscale(0.5))
    add("invert_train", lambda L: L.layers.RandomInvert(factor=(1.0, 1.0), seed=2), "train")
    add("invert_unit", lambda L: L.layers.RandomInvert((1.0, 1.0), value_range=(0, 1)), "train", scale=1.0)
    add("invert_infer", lambda L: L.layers.RandomInvert(0.5))
    add("solarization_train", lambda L: L.layers.Solarization(seed=3), "train")
    add("solarization_unit", lambda L: L.layers.Solarization(value_range=(0, 1)), "train", scale=1.0)
    add("solarization_infer", lambda L: L.layers.Solarization(addition_factor=0.5, threshold_factor=(0.2, 0.6)))
    add("color_degeneration_half", lambda L: L.layers.RandomColorDegeneration((0.5, 0.5), seed=4), "train")
    add(
        "color_degeneration_clip",
        lambda L: L.layers.RandomColorDegeneration((1.0, 1.0), value_range=(0, 100)),
        "train",
    )
    add("color_degeneration_infer", lambda L: L.layers.RandomColorDegeneration(0.3))
    add("sharpness_blur", lambda L: L.layers.RandomSharpness((0.25, 0.25), seed=5), "train")
    add(
        "sharpness_sharpen_cf",
        lambda L: L.layers.RandomSharpness((0.9, 0.9), data_format="channels_first"),
        "train",
        (3, 5, 6),
    )
    add("sharpness_infer", lambda L: L.layers.RandomSharpness(0.9))
    add(
        "sharpness_sharpen_clip",
        lambda L: L.layers.RandomSharpness((0.9, 0.9), value_range=(0, 200)),
        "train",
    )
    add("posterization", lambda L: L.layers.RandomPosterization((3, 3), seed=6), "train")
    add("posterization_unit", lambda L: L.layers.RandomPosterization((5, 5), value_range=(0, 1)), "train", scale=1.0)
    add("posterization_infer", lambda L: L.layers.RandomPosterization(4))
    add("saturation_down", lambda L: L.layers.RandomSaturation((0.25, 0.25), seed=7), "train")
    add(
        "saturation_up_cf",
        lambda L: L.layers.RandomSaturation((0.8, 0.8), data_format="channels_first"),
        "train",
        (3, 5, 6),
    )
    add("saturation_infer", lambda L: L.layers.RandomSaturation(0.5))
    add("hue_zero", lambda L: L.layers.RandomHue(0.0, seed=8), "train")
    add("erasing_infer", lambda L: L.layers.RandomErasing(0.5, scale=(0.1, 0.2), fill_value=(1, 2, 3), seed=11))
    add("erasing_default_infer", lambda L: L.layers.RandomErasing())
    add(
        "color_jitter_train",
        lambda L: L.layers.RandomColorJitter(
            brightness_factor=(0.1, 0.1),
            contrast_factor=(-0.2, 0.2),
            saturation_factor=(0.3, 0.3),
            hue_factor=0.0,
            seed=12,
        ),
        "train",
    )
    add("color_jitter_brightness_only", lambda L: L.layers.RandomColorJitter(brightness_factor=(-0.2, -0.2)), "train")
    add("color_jitter_infer", lambda L: L.layers.RandomColorJitter((0, 1), 0.2, 0.3, 0.4, 0.1), scale=1.0)
    add("blur_3", lambda L: L.layers.RandomGaussianBlur((1.0, 1.0), 3, (0.5, 0.5), seed=13), "train")
    add(
        "blur_5_cf_clip",
        lambda L: L.layers.RandomGaussianBlur(
            (1.0, 1.0), 5, (0.8, 0.8), value_range=(0, 150), data_format="channels_first"
        ),
        "train",
        (3, 7, 6),
    )
    add("blur_infer", lambda L: L.layers.RandomGaussianBlur(0.5, (3, 5), 0.4))
    add("hue_infer", lambda L: L.layers.RandomHue(0.4, value_range=(0, 1)), scale=1.0)
    return cases


# RandomHue draws the shift's sign even for a one-point factor: Keras's output for each sign
# (its transform_images with the transformation given), one shift of 0.3 * 0.5.
HUE_SHIFT = {"hue_shift": lambda L: L.layers.RandomHue((0.3, 0.3), seed=9)}
# RandomShear negates both shears with probability 1/2 too: (layer, (shear_x, shear_y)).
SHEARS = {
    "shear_x": (lambda L: L.layers.RandomShear(x_factor=(0.3, 0.3), seed=10), (0.3, 0.0)),
    "shear_xy_nearest_constant": (
        lambda L: L.layers.RandomShear((0.2, 0.2), (0.4, 0.4), "nearest", "constant", 7.0),
        (0.2, 0.4),
    ),
    "shear_y_wrap_cf": (
        lambda L: L.layers.RandomShear(y_factor=(0.5, 0.5), fill_mode="wrap", data_format="channels_first"),
        (0.0, 0.5),
    ),
}


CASES = _cases()


def build(lib, case):
    spec = CASES[case]
    x = lib.Input(spec["shape"])
    return lib.Model(x, spec["fn"](lib)(x))


def inputs_for(case, seed):
    """Images in [0, scale), one channel of the first image constant (AutoContrast's 0 / 0)."""
    spec = CASES[case]
    x = np.random.default_rng(seed).random((BATCH,) + tuple(spec["shape"])) * spec["scale"]
    x[0, ..., 0] = 0.25 * spec["scale"]
    return x.astype("float32")
