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
        "reg_true": rng.normal(size=(6, 3)).astype("float32"),
        "reg_pred": rng.normal(size=(6, 3)).astype("float32"),
        "values_true": rng.normal(size=(6, 3)).astype("float32"),  # Mean / Sum: y_true is unused
        "values_pred": rng.normal(size=(6, 3)).astype("float32"),
        "y_reg": rng.normal(size=(8, 3)).astype("float32"),
        "iou_true": np.array([0, 1, 2, 2, -1, 1], dtype="float32"),  # -1: out of range (or ignored)
        "iou_pred": np.array([0, 2, 2, 1, 0, 3], dtype="float32"),  # 3: out of range
        "iouprob_true": np.array([0, 1, 2, 2, 0, 1], dtype="float32"),
        "iouprob_pred": probs,  # argmax over the last axis
        "seg_true": rng.integers(0, 3, (2, 3, 4)).astype("float32"),
        "seg_pred": rng.integers(0, 3, (2, 3, 4)).astype("float32"),
        "y_sparse": rng.integers(0, 3, (8,)).astype("float32"),
        "weights_int": np.array([1.0, 2.0, 1.0, 0.0, 3.0, 1.0], dtype="float32"),
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
    "bfce_sum": ("BinaryFocalCrossentropy", {"reduction": "sum", "gamma": 4.0}, "binary", True),
    "bfce_none": ("BinaryFocalCrossentropy", {"reduction": None}, "binary", True),
    "cfce_mean_sw": ("CategoricalFocalCrossentropy", {"reduction": "mean_with_sample_weight"}, "cat", True),
    "dice_axis_none_reduction": ("Dice", {"axis": (1, 2, 3), "reduction": None}, "mask", False),
    "tversky_axis_sum": ("Tversky", {"axis": (1, 2, 3), "reduction": "sum"}, "mask", False),
    "dice_default": ("Dice", {}, "mask", False),
    "dice_axis": ("Dice", {"axis": (1, 2, 3)}, "mask", False),
    "tversky_default": ("Tversky", {}, "mask", False),
    "tversky_axis": ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": (1, 2, 3)}, "mask", False),
}

# case: (metric class, kwargs, data kind, with sample weights); update_state runs twice (the
# first 4 rows, then the rest), so the state accumulates across calls
METRIC_CASES = {
    "f1_none": ("F1Score", {}, "cat", False),
    "f1_micro_thr": ("F1Score", {"average": "micro", "threshold": 0.5}, "binary", False),
    "f1_macro_sw": ("F1Score", {"average": "macro", "threshold": 0.4}, "binary", True),
    "f1_weighted": ("F1Score", {"average": "weighted"}, "cat", False),
    "fbeta_macro": ("FBetaScore", {"average": "macro", "beta": 2.0, "threshold": 0.5}, "binary", False),
    "fbeta_weighted_sw": ("FBetaScore", {"average": "weighted", "beta": 0.5}, "cat", True),
    "r2_default": ("R2Score", {}, "reg", False),
    "r2_variance_sw": ("R2Score", {"class_aggregation": "variance_weighted_average"}, "reg", True),
    "r2_none": ("R2Score", {"class_aggregation": None}, "reg", False),
    "r2_adjusted": ("R2Score", {"num_regressors": 2}, "reg", False),
    "mean": ("Mean", {}, "values", False),
    "mean_sw": ("Mean", {}, "values", True),
    "sum": ("Sum", {}, "values", False),
    "sum_sw": ("Sum", {}, "values", True),
    "miou": ("MeanIoU", {"num_classes": 3}, "iou", False),
    "miou_ignore": ("MeanIoU", {"num_classes": 3, "ignore_class": -1}, "iou", False),
    "miou_float_sw": ("MeanIoU", {"num_classes": 3, "dtype": "float32"}, "iou", True),
    "miou_int_sw": ("MeanIoU", {"num_classes": 3}, "iou", True),  # weights truncated to int
    "miou_dense_pred": ("MeanIoU", {"num_classes": 3, "sparse_y_pred": False}, "iouprob", False),
    "miou_seg": ("MeanIoU", {"num_classes": 3, "ignore_class": 0}, "seg", False),
    "iou_targets": ("IoU", {"num_classes": 3, "target_class_ids": [0, 2]}, "iou", False),
    "binary_iou": ("BinaryIoU", {"target_class_ids": [0, 1], "threshold": 0.4}, "binary", False),
    "binary_iou_one": ("BinaryIoU", {"target_class_ids": [1], "dtype": "float32"}, "binary", False),
    "onehot_iou": ("OneHotIoU", {"num_classes": 3, "target_class_ids": [0, 2], "dtype": "float32"}, "cat", True),
    "onehot_miou": ("OneHotMeanIoU", {"num_classes": 3}, "cat", False),
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
    "f_scores": (
        "binary_crossentropy",
        [("F1Score", {"average": "macro", "threshold": 0.5}), ("FBetaScore", {"average": "micro", "beta": 2.0})],
        "sigmoid",
        "y_binary",
    ),
    "f1_weighted": ("categorical_crossentropy", [("F1Score", {"average": "weighted"})], "softmax", "y_onehot"),
    "iou": (
        "binary_crossentropy",
        [("BinaryIoU", {"threshold": 0.5, "name": "biou"}), ("BinaryIoU", {"target_class_ids": [1], "name": "iou1"})],
        "sigmoid",
        "y_binary",
    ),
    "onehot_iou": (
        "categorical_crossentropy",
        [
            ("OneHotMeanIoU", {"num_classes": 3, "name": "ohmiou"}),
            ("OneHotIoU", {"num_classes": 3, "target_class_ids": [1, 2], "name": "ohiou"}),
        ],
        "softmax",
        "y_onehot",
    ),
    "sparse_iou": (
        "sparse_categorical_crossentropy",
        [("MeanIoU", {"num_classes": 3, "sparse_y_pred": False, "name": "miou"})],
        "softmax",
        "y_sparse",
    ),
    "r2": (
        "mse",
        [("R2Score", {}), ("R2Score", {"class_aggregation": "variance_weighted_average", "name": "r2v"})],
        None,
        "y_reg",
    ),
}


def build_metrics(module, specs):
    return [getattr(module.metrics, name)(**kwargs) for name, kwargs in specs]


def build(module, spec):
    if isinstance(spec, str):
        return spec
    name, kwargs = spec
    return getattr(module.losses, name)(**kwargs)


def check_fit(module, case, fixture):
    """Fits the case's Dense(3) model with `module` (dagnet) and compares the history and
    evaluate() numbers with Keras's in `fixture`."""
    data = {k[len("data/") :]: fixture[k] for k in fixture.files if k.startswith("data/")}
    loss_spec, metrics, activation, target = FIT_CASES[case]
    inputs = module.Input((4,))
    model = module.Model(inputs, module.layers.Dense(3, activation=activation)(inputs))
    model.set_weights([data["kernel"], data["bias"]])
    model.compile(
        optimizer=module.optimizers.SGD(0.1), loss=build(module, loss_spec), metrics=build_metrics(module, metrics)
    )
    history = model.fit(data["x"], data[target], batch_size=4, epochs=2, shuffle=False, verbose=0)
    result = model.evaluate(data["x"], data[target], batch_size=4, verbose=0, return_dict=True)
    for kind, got in (("history", history.history), ("evaluate", result)):
        prefix = f"fit/{case}/{kind}/"
        keys = [k[len(prefix) :] for k in fixture.files if k.startswith(prefix)]
        assert keys and set(keys) == set(got), (keys, sorted(got))
        for key in keys:
            np.testing.assert_allclose(got[key], fixture[prefix + key], rtol=1e-5, atol=1e-6, err_msg=key)
