"""Cases shared by tests/fixtures/make/keras3_threshold_correlation.py (which asks Keras 3
for the values) and tests/test_keras3_threshold_correlation.py (which compares dagnet's):
the at-threshold metrics (PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity,
SpecificityAtSensitivity), PearsonCorrelation / ConcordanceCorrelation, and the
CategoricalGeneralizedCrossEntropy and Circle losses."""

import numpy as np


def data():
    rng = np.random.default_rng(11)
    thr_pred = rng.uniform(0.0, 1.0, (10, 3)).astype("float32")
    # values on the bucket edges of 200 and 3 thresholds, and outside [0, 1]
    thr_pred[0] = [0.0, 0.5, 1.0]
    thr_pred[1] = [1.0 / 199, 0.25, -0.2]
    thr_pred[2] = [1.3, 0.75, 0.0]
    embeddings = rng.normal(size=(7, 4)).astype("float32")
    embeddings /= np.linalg.norm(embeddings, axis=-1, keepdims=True)
    logits = rng.normal(0, 1.5, (6, 3)).astype("float32")
    return {
        "thr_true": (rng.uniform(size=(10, 3)) > 0.5).astype("float32"),
        "thr_pred": thr_pred,
        "reg_true": rng.normal(size=(6, 4)).astype("float32"),
        "reg_pred": rng.normal(size=(6, 4)).astype("float32"),
        "seq_true": rng.normal(size=(6, 3, 4)).astype("float32"),
        "seq_pred": rng.normal(size=(6, 3, 4)).astype("float32"),
        "sample_weight": np.array([0.5, 1.0, 2.0, 0.0, 1.5, 1.0, 1.0, 0.25, 3.0, 1.0], dtype="float32"),
        # label 3 has one member: its row has no positive pair (Keras masks its zero loss out)
        "circle_true": np.array([0, 1, 0, 2, 1, 3, 2], dtype="float32"),
        "circle_pred": embeddings,
        "gce_true": np.array([0, 2, 1, 1, 0, 2], dtype="float32"),
        "gce_pred": (np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype("float32"),
        "x": rng.normal(size=(8, 4)).astype("float32"),
        "y_binary": (rng.uniform(size=(8, 3)) > 0.5).astype("float32"),
        "y_reg": rng.normal(size=(8, 3)).astype("float32"),
        "y_sparse": rng.integers(0, 3, (8,)).astype("float32"),
        # every 4-row batch has two members of each label it holds: every row has a positive
        "y_circle": np.array([0, 0, 1, 1, 2, 2, 0, 0], dtype="float32"),
        "kernel": rng.normal(0, 0.5, (4, 3)).astype("float32"),
        # CTC: labels packed left and padded with the blank 0 (repeats; one empty sequence)
        "ctc_true": np.array(
            [[1, 2, 2, 0], [3, 0, 0, 0], [0, 0, 0, 0], [4, 1, 3, 2], [2, 2, 2, 0], [1, 4, 0, 0]], dtype="float32"
        ),
        "ctc_pred": rng.normal(0, 1.5, (6, 9, 5)).astype("float32"),
        "x_seq": rng.normal(size=(8, 6, 4)).astype("float32"),
        "y_ctc": np.array(
            [[1, 2, 0], [2, 0, 0], [1, 1, 1], [2, 1, 2], [1, 0, 0], [2, 2, 0], [0, 0, 0], [1, 2, 1]], dtype="float32"
        ),
        "bias": rng.normal(0, 0.1, (3,)).astype("float32"),
    }


# case: (metric class, kwargs, data kind, with sample weights); update_state runs on the
# first 4 rows, then on the rest
METRIC_CASES = {
    "par": ("PrecisionAtRecall", {"recall": 0.5}, "thr", False),
    "par_sw": ("PrecisionAtRecall", {"recall": 0.8, "num_thresholds": 20}, "thr", True),
    "par_class": ("PrecisionAtRecall", {"recall": 0.3, "class_id": 2}, "thr", False),
    "rap": ("RecallAtPrecision", {"precision": 0.6}, "thr", False),
    "rap_one": ("RecallAtPrecision", {"precision": 0.4, "num_thresholds": 1}, "thr", True),
    "rap_three": ("RecallAtPrecision", {"precision": 0.5, "num_thresholds": 3}, "thr", False),
    "sas": ("SensitivityAtSpecificity", {"specificity": 0.7}, "thr", False),
    "sas_class_sw": ("SensitivityAtSpecificity", {"specificity": 0.5, "class_id": 1}, "thr", True),
    "sas_two": ("SensitivityAtSpecificity", {"specificity": 0.4, "num_thresholds": 2}, "thr", False),
    "sas_one": ("SensitivityAtSpecificity", {"specificity": 1.0}, "thr", False),
    "spas": ("SpecificityAtSensitivity", {"sensitivity": 0.4, "num_thresholds": 50}, "thr", False),
    "spas_sw": ("SpecificityAtSensitivity", {"sensitivity": 0.9}, "thr", True),
    "pearson": ("PearsonCorrelation", {}, "reg", False),
    "pearson_sw": ("PearsonCorrelation", {}, "reg", True),
    "pearson_seq": ("PearsonCorrelation", {"axis": 1}, "seq", False),
    "ccc": ("ConcordanceCorrelation", {}, "reg", False),
    "ccc_sw": ("ConcordanceCorrelation", {}, "reg", True),
    "ccc_seq": ("ConcordanceCorrelation", {"axis": -1}, "seq", True),
}

# case: (loss class, kwargs, data kind, with sample weights)
LOSS_CASES = {
    "gce": ("CategoricalGeneralizedCrossEntropy", {}, "gce", False),
    "gce_q_sw": ("CategoricalGeneralizedCrossEntropy", {"q": 0.2}, "gce", True),
    "gce_sum": ("CategoricalGeneralizedCrossEntropy", {"q": 0.7, "reduction": "sum"}, "gce", True),
    "gce_none": ("CategoricalGeneralizedCrossEntropy", {"reduction": None}, "gce", False),
    "circle": ("Circle", {}, "circle", False),
    "circle_sw": ("Circle", {"gamma": 10.0, "margin": 0.25}, "circle", True),
    "circle_keep_diag": ("Circle", {"remove_diagonal": False, "gamma": 5.0}, "circle", False),
    "circle_mean_sw": ("Circle", {"gamma": 20.0, "reduction": "mean_with_sample_weight"}, "circle", True),
    "circle_sum": ("Circle", {"gamma": 20.0, "reduction": "sum"}, "circle", False),
    "circle_none": ("Circle", {"gamma": 20.0, "reduction": "none"}, "circle", False),
    "ctc": ("CTC", {}, "ctc", False),
    "ctc_sw": ("CTC", {}, "ctc", True),
    "ctc_sum": ("CTC", {"reduction": "sum"}, "ctc", True),
    "ctc_none": ("CTC", {"reduction": None}, "ctc", False),
}

# case: (module, function name, kwargs, data kind): the per-sample values
FUNCTION_CASES = {
    "gce": ("losses", "categorical_generalized_cross_entropy", {"q": 0.3}, "gce"),
    "circle": ("losses", "circle", {"gamma": 15.0}, "circle"),
    "circle_refs": ("losses", "circle", {"gamma": 4.0, "margin": 0.3, "remove_diagonal": False, "refs": 3}, "circle"),
    "ctc": ("losses", "ctc", {}, "ctc"),
    "pearson": ("metrics", "pearson_correlation", {}, "reg"),
    "pearson_axis0": ("metrics", "pearson_correlation", {"axis": 0}, "reg"),
    "ccc": ("metrics", "concordance_correlation", {}, "reg"),
    "ccc_seq": ("metrics", "concordance_correlation", {"axis": 1}, "seq"),
}

# case: (loss spec: a string or (class name, kwargs), metrics (strings or (class, kwargs)),
# output activation, target key, batch size)
FIT_CASES = {
    "at_threshold": (
        "binary_crossentropy",
        [
            ("PrecisionAtRecall", {"recall": 0.5, "name": "par"}),
            ("RecallAtPrecision", {"precision": 0.55, "num_thresholds": 20, "name": "rap"}),
            ("SensitivityAtSpecificity", {"specificity": 0.3, "class_id": 1, "name": "sas"}),
            ("SpecificityAtSensitivity", {"sensitivity": 0.3, "num_thresholds": 1, "name": "spas"}),
        ],
        "sigmoid",
        "y_binary",
        3,
    ),
    "correlation": (
        "mse",
        [("PearsonCorrelation", {"name": "pcc"}), ("ConcordanceCorrelation", {"name": "ccc"})],
        None,
        "y_reg",
        3,
    ),
    "correlation_strings": ("mse", ["pearson_correlation", "concordance_correlation"], None, "y_reg", 4),
    "gce": (("CategoricalGeneralizedCrossEntropy", {"q": 0.7}), [], "softmax", "y_sparse", 4),
    "circle": (("Circle", {"gamma": 8.0, "margin": 0.3}), [], "unit", "y_circle", 4),
    "circle_string": ("circle", [], "unit", "y_circle", 4),
    "ctc": (("CTC", {}), [], "sequence", "y_ctc", 3),
    "ctc_string": ("ctc", [], "sequence", "y_ctc", 4),
}


def build_metrics(module, specs):
    return [spec if isinstance(spec, str) else getattr(module.metrics, spec[0])(**spec[1]) for spec in specs]


def build(module, spec):
    if isinstance(spec, str):
        return spec
    name, kwargs = spec
    return getattr(module.losses, name)(**kwargs)


def build_model(module, activation, data):
    """Dense(3) on (4,) inputs; 'unit': then L2-normalized; 'sequence': on (6, 4) sequences
    (CTC's logits over 6 steps, 3 classes)."""
    inputs = module.Input((6, 4) if activation == "sequence" else (4,))
    dense = module.layers.Dense(3, activation=None if activation in ("unit", "sequence") else activation)
    outputs = dense(inputs)
    if activation == "unit":  # Circle expects L2-normalized embeddings
        outputs = module.layers.UnitNormalization()(outputs)
    model = module.Model(inputs, outputs)
    model.set_weights([data["kernel"], data["bias"]])
    return model


def function_args(kwargs, data, kind):
    """The function's kwargs; 'refs': n passes the first n rows as reference labels/embeddings."""
    kwargs = dict(kwargs)
    refs = kwargs.pop("refs", None)
    if refs is not None:
        kwargs["ref_labels"] = data[f"{kind}_true"][:refs]
        kwargs["ref_embeddings"] = data[f"{kind}_pred"][:refs]
    return kwargs


def run_fit(module, case, data):
    """fit (2 epochs, SGD(0.1)) then evaluate; returns (history dict, evaluate dict)."""
    loss_spec, metrics, activation, target, batch = FIT_CASES[case]
    model = build_model(module, activation, data)
    model.compile(
        optimizer=module.optimizers.SGD(0.1), loss=build(module, loss_spec), metrics=build_metrics(module, metrics)
    )
    x = data["x_seq" if activation == "sequence" else "x"]
    history = model.fit(x, data[target], batch_size=batch, epochs=2, shuffle=False, verbose=0)
    result = model.evaluate(x, data[target], batch_size=batch, verbose=0, return_dict=True)
    return history.history, result
