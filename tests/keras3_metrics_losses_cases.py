"""Cases shared by tests/fixtures/make/keras3_metrics_losses.py (which asks Keras 3 for
the values) and tests/test_keras3_losses_more.py (which compares dagnet's)."""

import numpy as np


def data():
    rng = np.random.default_rng(7)
    probs = rng.uniform(0.02, 0.98, (6, 3)).astype("float32")
    logits = rng.normal(0, 2, (6, 3)).astype("float32")
    onehot = np.eye(3, dtype="float32")[rng.integers(0, 3, 6)]
    softmax = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    masks_true = (rng.uniform(size=(2, 4, 4, 1)) > 0.5).astype("float32")
    masks_pred = rng.uniform(size=(2, 4, 4, 1)).astype("float32")
    return {
        "binary_true": (rng.uniform(size=(6, 3)) > 0.5).astype("float32"),
        "binary_pred": probs,
        "logit_true": (rng.uniform(size=(6, 3)) > 0.5).astype("float32"),
        "logit_pred": logits,
        "cat_true": onehot,
        "cat_pred": softmax.astype("float32"),
        "catlogit_true": onehot,
        "catlogit_pred": logits,
        "mask_true": masks_true,
        "mask_pred": masks_pred,
        "sample_weight": np.array([0.5, 1.0, 2.0, 0.0, 1.5, 1.0], dtype="float32"),
        "x": rng.normal(size=(8, 4)).astype("float32"),
        "y_binary": (rng.uniform(size=(8, 3)) > 0.5).astype("float32"),
        "y_onehot": np.eye(3, dtype="float32")[rng.integers(0, 3, 8)],
        "kernel": rng.normal(0, 0.5, (4, 3)).astype("float32"),
        "bias": rng.normal(0, 0.1, (3,)).astype("float32"),
    }


# case: (class name, kwargs, data kind, with sample weights)
LOSS_CASES = {
    "bfce_default": ("BinaryFocalCrossentropy", {}, "binary", False),
    "bfce_balanced": (
        "BinaryFocalCrossentropy",
        {"apply_class_balancing": True, "alpha": 0.4, "gamma": 3.0},
        "binary",
        False,
    ),
    "bfce_smooth_sw": ("BinaryFocalCrossentropy", {"label_smoothing": 0.1}, "binary", True),
    "bfce_logits": ("BinaryFocalCrossentropy", {"from_logits": True, "gamma": 1.5}, "logit", False),
    "cfce_default": ("CategoricalFocalCrossentropy", {}, "cat", False),
    "cfce_logits_smooth": (
        "CategoricalFocalCrossentropy",
        {"from_logits": True, "label_smoothing": 0.2, "gamma": 1.0},
        "catlogit",
        False,
    ),
    "cfce_alpha_list_sw": ("CategoricalFocalCrossentropy", {"alpha": [0.2, 0.3, 0.5]}, "cat", True),
    "dice_default": ("Dice", {}, "mask", False),
    "dice_axis": ("Dice", {"axis": (1, 2, 3)}, "mask", False),
    "tversky_default": ("Tversky", {}, "mask", False),
    "tversky_axis": ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": (1, 2, 3)}, "mask", False),
}

# case: (function name, kwargs, data kind): the per-sample values
FUNCTION_CASES = {
    "binary_focal_crossentropy": ("binary_focal_crossentropy", {"gamma": 2.5}, "binary"),
    "categorical_focal_crossentropy": ("categorical_focal_crossentropy", {"alpha": 0.5}, "cat"),
    "dice": ("dice", {"axis": (1, 2)}, "mask"),
    "tversky": ("tversky", {"alpha": 0.2, "beta": 0.8, "axis": (1, 2, 3)}, "mask"),
}

# case: (loss spec: a string or (class name, kwargs), metrics, output activation, target key)
FIT_CASES = {
    "bfce": (("BinaryFocalCrossentropy", {"apply_class_balancing": True, "gamma": 2.0}), [], "sigmoid", "y_binary"),
    "bfce_string": ("binary_focal_crossentropy", [], "sigmoid", "y_binary"),
    "cfce": (("CategoricalFocalCrossentropy", {"label_smoothing": 0.1}), [], "softmax", "y_onehot"),
    "dice": (("Dice", {}), [], "sigmoid", "y_binary"),
    "tversky": (("Tversky", {"alpha": 0.3, "beta": 0.7}), [], "sigmoid", "y_binary"),
}


def build(module, spec):
    if isinstance(spec, str):
        return spec
    name, kwargs = spec
    return getattr(module.losses, name)(**kwargs)
