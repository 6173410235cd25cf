"""Small models over the image and preprocessing layers (upsampling, rescaling,
normalization, resizing, cropping, the random augmentations), written once for Keras 3 and
dagnet: ``build(lib, case)`` takes the library module (``keras`` or ``dagnet``).
tests/fixtures/make/keras3_image_layers.py saves Keras's outputs, output shapes, parameter
counts, configs and (for cases with weights) the weights after one SGD step;
test_keras3_image_layers.py checks dagnet against them. This module never imports keras.

A case's `mode` says how it runs: "infer" (predict), "train" (called with training=True: the
augmentations with a one-point range, factor=(a, a), draw exactly a, so Keras's output is
deterministic and dagnet must match it). Weightless resampling layers sit between a Conv2D /
Dense and the output, so the SGD step checks their gradients."""

import numpy as np

BATCH = 2
# Keras 3.15 returns RandomCrop's inference input uncropped (its output then has another shape
# than the layer's output shape); dagnet crops as Keras documents (test_image_layers.py).
KERAS_OUTPUT_DIFFERS = {"random_crop_inference"}


def _model(lib, shape, layers, pre=None):
    x = lib.Input(shape)
    y = x
    if pre == "dense":
        y = lib.layers.Dense(shape[-1])(y)
    elif pre == "conv":
        y = lib.layers.Conv2D(shape[-1], 3, padding="same")(y)
    elif pre == "conv_cf":
        y = lib.layers.Conv2D(shape[0], 3, padding="same", data_format="channels_first")(y)
    for layer in layers:
        y = layer(y)
    return lib.Model(x, y)


def _cases():
    cases = {}

    def add(name, fn, mode="infer", shape=(6, 7, 2), pre=None):
        assert name not in cases, name
        cases[name] = {"fn": fn, "mode": mode, "shape": shape, "pre": pre}

    add("upsampling1d", lambda L: [L.layers.UpSampling1D(3)], shape=(4, 3), pre="dense")
    add("upsampling1d_default", lambda L: [L.layers.UpSampling1D()], shape=(5, 2), pre="dense")
    for interp in ("nearest", "bilinear", "bicubic", "area", "lanczos3", "lanczos5"):
        add(f"upsampling2d_{interp}", lambda L, i=interp: [L.layers.UpSampling2D((2, 3), interpolation=i)], pre="conv")
    add(
        "upsampling2d_bilinear_cf",
        lambda L: [L.layers.UpSampling2D(2, data_format="channels_first", interpolation="bilinear")],
        shape=(2, 5, 4),
        pre="conv_cf",
    )
    add("upsampling2d_nearest_cf", lambda L: [L.layers.UpSampling2D(3, data_format="channels_first")], shape=(2, 3, 4))
    add("upsampling3d", lambda L: [L.layers.UpSampling3D((2, 1, 3))], shape=(2, 3, 2, 2), pre="dense")
    add(
        "upsampling3d_cf",
        lambda L: [L.layers.UpSampling3D(2, data_format="channels_first")],
        shape=(2, 2, 3, 2),
        pre="dense",
    )

    add("rescaling", lambda L: [L.layers.Rescaling(1 / 127.5, offset=-1)])
    add("rescaling_vector", lambda L: [L.layers.Rescaling([0.5, 2.0], offset=[1.0, -1.0])], pre="dense")
    add("normalization_given", lambda L: [L.layers.Normalization(mean=[1.0, -2.0], variance=[4.0, 0.25])])
    add("normalization_scalar", lambda L: [L.layers.Normalization(axis=None, mean=3.0, variance=2.0)])
    add(
        "normalization_invert",
        lambda L: [L.layers.Normalization(mean=[1.0, -2.0], variance=[4.0, 0.0], invert=True)],
        pre="dense",
    )
    add(
        "normalization_axes",
        lambda L: [L.layers.Normalization(axis=(1, -1), mean=np.arange(12.0).reshape(6, 2), variance=np.ones((6, 2)))],
    )

    for interp in ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5"):
        for aa in (False, True):
            if aa and interp in ("nearest", "area"):
                continue
            add(
                f"resizing_{interp}_aa{int(aa)}_down",
                lambda L, i=interp, a=aa: [L.layers.Resizing(3, 4, interpolation=i, antialias=a)],
                pre="conv",
            )
            add(
                f"resizing_{interp}_aa{int(aa)}_up",
                lambda L, i=interp, a=aa: [L.layers.Resizing(9, 11, interpolation=i, antialias=a)],
            )
    add("resizing_crop", lambda L: [L.layers.Resizing(4, 3, crop_to_aspect_ratio=True)], pre="conv")
    add("resizing_crop_wide", lambda L: [L.layers.Resizing(2, 6, crop_to_aspect_ratio=True)])
    add("resizing_pad", lambda L: [L.layers.Resizing(4, 8, pad_to_aspect_ratio=True, fill_value=0.5)], pre="conv")
    add("resizing_pad_tall", lambda L: [L.layers.Resizing(9, 3, pad_to_aspect_ratio=True, fill_value=-1.0)])
    add(
        "resizing_cf",
        lambda L: [L.layers.Resizing(4, 5, interpolation="bicubic", data_format="channels_first")],
        shape=(2, 6, 7),
        pre="conv_cf",
    )
    add("center_crop", lambda L: [L.layers.CenterCrop(3, 4)], pre="conv")
    add("center_crop_same", lambda L: [L.layers.CenterCrop(6, 7)])
    add("center_crop_small", lambda L: [L.layers.CenterCrop(8, 5)], pre="conv")
    add("center_crop_cf", lambda L: [L.layers.CenterCrop(2, 5, data_format="channels_first")], shape=(2, 6, 7))

    # Augmentations: identity at inference.
    add("random_flip_inference", lambda L: [L.layers.RandomFlip(seed=1)], pre="conv")
    add("random_rotation_inference", lambda L: [L.layers.RandomRotation(0.3, seed=1)])
    add("random_translation_inference", lambda L: [L.layers.RandomTranslation(0.2, 0.3, seed=1)])
    add("random_zoom_inference", lambda L: [L.layers.RandomZoom(0.2, seed=1)])
    add("random_contrast_inference", lambda L: [L.layers.RandomContrast(0.5, seed=1)])
    add("random_brightness_inference", lambda L: [L.layers.RandomBrightness(0.5, seed=1)])
    add("random_crop_inference", lambda L: [L.layers.RandomCrop(4, 3, seed=1)], pre="conv")
    # Training with a one-point range: the transform is known, so the output is Keras's exactly.
    for mode in ("reflect", "wrap", "constant", "nearest"):
        for interp in ("bilinear", "nearest"):
            add(
                f"random_rotation_{mode}_{interp}",
                lambda L, m=mode, i=interp: [
                    L.layers.RandomRotation((0.1, 0.1), fill_mode=m, interpolation=i, fill_value=0.25)
                ],
                mode="train",
            )
    add(
        "random_rotation_negative_cf",
        lambda L: [L.layers.RandomRotation((-0.3, -0.3), data_format="channels_first")],
        mode="train",
        shape=(2, 6, 7),
    )
    add(
        "random_translation",
        lambda L: [L.layers.RandomTranslation((0.2, 0.2), (-0.3, -0.3), fill_mode="wrap")],
        mode="train",
    )
    add(
        "random_translation_constant_nearest",
        lambda L: [
            L.layers.RandomTranslation(
                (-0.25, -0.25), (0.4, 0.4), fill_mode="constant", interpolation="nearest", fill_value=2.0
            )
        ],
        mode="train",
    )
    add("random_zoom_in", lambda L: [L.layers.RandomZoom((-0.3, -0.3))], mode="train")
    add("random_zoom_out_nearest", lambda L: [L.layers.RandomZoom((0.5, 0.5), fill_mode="nearest")], mode="train")
    add(
        "random_zoom_both",
        lambda L: [L.layers.RandomZoom((0.2, 0.2), (-0.4, -0.4), fill_mode="constant", interpolation="nearest")],
        mode="train",
    )
    add(
        "random_zoom_cf",
        lambda L: [L.layers.RandomZoom((0.25, 0.25), data_format="channels_first", fill_mode="reflect")],
        mode="train",
        shape=(2, 6, 7),
    )
    # RandomContrast draws in [1 - factor[0], 1 + factor[1]]: (-a, a) is the one point 1 + a.
    add("random_contrast", lambda L: [L.layers.RandomContrast((-0.4, 0.4), value_range=(-1, 1))], mode="train")
    add(
        "random_contrast_cf",
        lambda L: [L.layers.RandomContrast((-0.5, 0.5), data_format="channels_first")],
        mode="train",
    )
    add("random_brightness", lambda L: [L.layers.RandomBrightness((0.1, 0.1), value_range=(-1, 1))], mode="train")
    add("random_brightness_negative", lambda L: [L.layers.RandomBrightness((-0.2, -0.2))], mode="train")
    add("random_crop_small", lambda L: [L.layers.RandomCrop(6, 4, seed=3)], mode="train")
    add("random_crop_taller", lambda L: [L.layers.RandomCrop(8, 5, seed=3)], mode="train")
    return cases


CASES = _cases()


def build(lib, case):
    spec = CASES[case]
    return _model(lib, spec["shape"], spec["fn"](lib), spec["pre"])


def inputs_for(case, seed):
    """Images in [-1, 2): values outside RandomContrast's (-1, 1) get clipped, as in use."""
    rng = np.random.default_rng(seed)
    shape = (BATCH,) + tuple(CASES[case]["shape"])
    return (rng.random(shape) * 3 - 1).astype("float32")


def targets_for(y, seed):
    return np.random.default_rng(seed + 1000).normal(size=y.shape).astype("float32")
