"""PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity,
PearsonCorrelation and ConcordanceCorrelation against Keras 3's values
(tests/fixtures/keras3_threshold_correlation.npz, made by
tests/fixtures/make/keras3_threshold_correlation.py): standalone with state accumulated over
two update_state calls, as functions, and in compile()/fit()/evaluate() logs."""

import os

import keras3_threshold_correlation_cases as C
import numpy as np
import pytest

import dagnet as keras

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_threshold_correlation.npz"))
DATA = {k[len("data/") :]: FIXTURE[k] for k in FIXTURE.files if k.startswith("data/")}
METRIC_FIT_CASES = sorted(c for c, spec in C.FIT_CASES.items() if spec[1])


def _updated(cls, kwargs, kind, sw):
    metric = getattr(keras.metrics, cls)(**kwargs)
    y_true, y_pred = DATA[f"{kind}_true"], DATA[f"{kind}_pred"]
    for rows in (slice(0, 4), slice(4, None)):
        weights = DATA["sample_weight"][: len(y_true)][rows] if sw else None
        metric.update_state(y_true[rows], y_pred[rows], sample_weight=weights)
    return metric


@pytest.mark.parametrize("case", sorted(C.METRIC_CASES))
def test_standalone_metric_matches_keras(case):
    metric = _updated(*C.METRIC_CASES[case])
    expected = FIXTURE[f"metric/{case}"]
    result = np.asarray(metric.result())
    assert result.shape == expected.shape
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)
    metric.reset_state()
    again = _updated(*C.METRIC_CASES[case])
    np.testing.assert_allclose(np.asarray(again.result()), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", sorted(c for c, spec in C.FUNCTION_CASES.items() if spec[0] == "metrics"))
def test_function_form_matches_keras(case):
    _, fn, kwargs, kind = C.FUNCTION_CASES[case]
    values = getattr(keras.metrics, fn)(DATA[f"{kind}_true"], DATA[f"{kind}_pred"], **kwargs)
    expected = FIXTURE[f"fn/{case}"]
    assert np.shape(values) == expected.shape
    np.testing.assert_allclose(np.asarray(values), expected, rtol=1e-5, atol=1e-6)


def check_fit(case):
    history, result = C.run_fit(keras, case, DATA)
    for kind, got in (("history", history), ("evaluate", result)):
        prefix = f"fit/{case}/{kind}/"
        keys = [k[len(prefix) :] for k in FIXTURE.files if k.startswith(prefix)]
        assert keys and set(keys) == set(got), (keys, sorted(got))
        for key in keys:
            np.testing.assert_allclose(got[key], FIXTURE[prefix + key], rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("case", METRIC_FIT_CASES)
def test_fit_and_evaluate_match_keras(case):
    check_fit(case)


def test_counts_and_configs():
    metric = keras.metrics.PrecisionAtRecall(0.5, num_thresholds=3)
    metric.update_state([0, 1, 1, 0], [0.0, 0.5, 0.9, 0.6])
    # thresholds 0, 0.5, 1: a prediction counts where p > t (p = 0 nowhere, as Keras's buckets)
    np.testing.assert_array_equal(metric.true_positives, [2, 1, 0])
    np.testing.assert_array_equal(metric.false_positives, [1, 1, 0])
    np.testing.assert_array_equal(metric.true_negatives, [1, 1, 2])
    np.testing.assert_array_equal(metric.false_negatives, [0, 1, 2])
    assert metric.thresholds == [0.0, 0.5, 1.0]
    assert keras.metrics.RecallAtPrecision(0.3, num_thresholds=1).thresholds == [0.5]
    assert keras.metrics.SensitivityAtSpecificity(0.4, class_id=2, name="s").get_config() == {
        "name": "s",
        "dtype": "float32",
        "class_id": 2,
        "num_thresholds": 200,
        "specificity": 0.4,
    }
    for cls, value in [
        ("PrecisionAtRecall", "recall"),
        ("RecallAtPrecision", "precision"),
        ("SensitivityAtSpecificity", "specificity"),
        ("SpecificityAtSensitivity", "sensitivity"),
    ]:
        metric = getattr(keras.metrics, cls)(0.25, num_thresholds=7, class_id=1)
        config = metric.get_config()
        assert config[value] == 0.25 and config["num_thresholds"] == 7 and config["class_id"] == 1
        clone = keras.metrics.get({"class_name": cls, "config": config})
        assert type(clone) is type(metric) and clone.get_config() == config
        entry = keras.metrics.serialize(metric)
        assert entry == {"module": "keras.metrics", "class_name": cls, "config": config, "registered_name": None}
        assert keras.metrics.deserialize(entry).get_config() == config
    assert keras.metrics.PearsonCorrelation(axis=1).get_config() == {
        "name": "pearson_correlation",
        "dtype": "float32",
        "axis": 1,
    }
    assert keras.metrics.ConcordanceCorrelation().name == "concordance_correlation"
    for name, cls in [
        ("pearson_correlation", keras.metrics.PearsonCorrelation),
        ("PearsonCorrelation", keras.metrics.PearsonCorrelation),
        ("concordance_correlation", keras.metrics.ConcordanceCorrelation),
        ("ConcordanceCorrelation", keras.metrics.ConcordanceCorrelation),
    ]:
        assert isinstance(keras.metrics.get(name), cls)
    assert isinstance(keras.metrics.get(keras.metrics.pearson_correlation), keras.metrics.PearsonCorrelation)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: keras.metrics.PrecisionAtRecall(1.5), r"PrecisionAtRecall.*`recall`.*\[0, 1\].*recall=1.5"),
        (lambda: keras.metrics.RecallAtPrecision(-0.1), r"RecallAtPrecision.*precision=-0.1"),
        (lambda: keras.metrics.SensitivityAtSpecificity(0.5, num_thresholds=0), r"num_thresholds=0"),
        (lambda: keras.metrics.SpecificityAtSensitivity("0.5"), r"SpecificityAtSensitivity.*sensitivity='0.5'"),
        (lambda: keras.metrics.PrecisionAtRecall(0.5, class_id=1.0), r"class_id=1.0"),
        (lambda: keras.metrics.PearsonCorrelation(axis="x"), r"PearsonCorrelation.*axis='x'"),
    ],
)
def test_bad_arguments_name_the_class_and_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_class_id_needs_classes():
    with pytest.raises(ValueError, match="class_id is provided"):
        keras.metrics.PrecisionAtRecall(0.5, class_id=0).update_state([0, 1], [0.2, 0.8])
    with pytest.raises(ValueError, match="class_id=3 is out of range"):
        keras.metrics.PrecisionAtRecall(0.5, class_id=3).update_state(np.zeros((2, 3)), np.zeros((2, 3)))


def test_saved_model_keeps_the_metrics(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="sigmoid")(inputs))
    metrics = [
        keras.metrics.PrecisionAtRecall(0.5, num_thresholds=20, name="par"),
        keras.metrics.SpecificityAtSensitivity(0.3, class_id=1, name="spas"),
        keras.metrics.PearsonCorrelation(name="pcc"),
        "concordance_correlation",
    ]
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=metrics)
    model.fit(DATA["x"], DATA["y_binary"], batch_size=4, epochs=1, verbose=0)
    before = model.evaluate(DATA["x"], DATA["y_binary"], batch_size=3, verbose=0, return_dict=True)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    after = loaded.evaluate(DATA["x"], DATA["y_binary"], batch_size=3, verbose=0, return_dict=True)
    assert set(after) == set(before) == {"loss", "par", "spas", "pcc", "concordance_correlation"}
    for key in before:
        np.testing.assert_allclose(after[key], before[key], rtol=1e-6, err_msg=key)


def test_weighted_metrics_in_evaluate_match_standalone_updates():
    weights = DATA["sample_weight"][:8]
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="sigmoid")(inputs))
    model.set_weights([DATA["kernel"], DATA["bias"]])

    def fresh():
        return [
            keras.metrics.PrecisionAtRecall(0.4, num_thresholds=30, name="par"),
            keras.metrics.SensitivityAtSpecificity(0.3, class_id=2, name="sas"),
            keras.metrics.PearsonCorrelation(name="pcc"),
            keras.metrics.ConcordanceCorrelation(name="ccc"),
        ]

    model.compile(optimizer="sgd", loss="mse", weighted_metrics=fresh())
    got = model.evaluate(DATA["x"], DATA["y_binary"], sample_weight=weights, batch_size=3, verbose=0, return_dict=True)
    predictions = model.predict(DATA["x"], verbose=0)
    for metric in fresh():
        for rows in (slice(0, 3), slice(3, 6), slice(6, 8)):
            metric.update_state(DATA["y_binary"][rows], predictions[rows], sample_weight=weights[rows])
        np.testing.assert_allclose(got[metric.name], metric.result(), rtol=1e-5, atol=1e-7, err_msg=metric.name)
