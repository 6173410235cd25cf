"""F1Score, FBetaScore, R2Score, Mean and Sum against Keras 3's values
(tests/fixtures/keras3_metrics_losses.npz, made by tests/fixtures/make/keras3_metrics_losses.py):
standalone with state accumulated over two update_state calls, and under compile()/fit()."""

import os

import keras3_metrics_losses_cases as C
import numpy as np
import pytest

import dagnet as keras

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_metrics_losses.npz"))
DATA = {k[len("data/") :]: FIXTURE[k] for k in FIXTURE.files if k.startswith("data/")}


def _updated(cls, kwargs, kind, sw):
    metric = getattr(keras.metrics, cls)(**kwargs)
    y_true, y_pred = DATA[f"{kind}_true"], DATA[f"{kind}_pred"]
    for rows in (slice(0, 4), slice(4, None)):
        weights = DATA["sample_weight"][rows] if sw else None
        if cls in ("Mean", "Sum"):
            metric.update_state(y_pred[rows], sample_weight=weights)
        else:
            metric.update_state(y_true[rows], y_pred[rows], sample_weight=weights)
    return metric


@pytest.mark.parametrize("case", sorted(C.METRIC_CASES))
def test_standalone_metric_matches_keras(case):
    metric = _updated(*C.METRIC_CASES[case])
    expected = FIXTURE[f"metric/{case}"]
    result = np.asarray(metric.result())
    assert result.shape == expected.shape
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", sorted(C.METRIC_CASES))
def test_reset_state_starts_over(case):
    cls, kwargs, kind, sw = C.METRIC_CASES[case]
    metric = _updated(cls, kwargs, kind, sw)
    metric.reset_state()
    fresh = _updated(cls, kwargs, kind, sw)
    metric_again = _updated(cls, kwargs, kind, sw)
    np.testing.assert_allclose(np.asarray(metric_again.result()), np.asarray(fresh.result()), rtol=1e-6)


@pytest.mark.parametrize("case", sorted(c for c, spec in C.FIT_CASES.items() if spec[1]))
def test_fit_and_evaluate_match_keras(case):
    C.check_fit(keras, case, FIXTURE)


def test_names_and_configs():
    assert keras.metrics.F1Score().name == "f1_score"
    assert keras.metrics.FBetaScore().name == "fbeta_score"
    assert keras.metrics.R2Score().name == "r2_score"
    assert keras.metrics.F1Score(average="macro", threshold=0.5).get_config() == {
        "name": "f1_score",
        "dtype": "float32",
        "average": "macro",
        "threshold": 0.5,
    }
    assert keras.metrics.FBetaScore(beta=2.0).get_config() == {
        "name": "fbeta_score",
        "dtype": "float32",
        "average": None,
        "beta": 2.0,
        "threshold": None,
    }
    assert keras.metrics.R2Score(num_regressors=1).get_config() == {
        "name": "r2_score",
        "dtype": "float32",
        "class_aggregation": "uniform_average",
        "num_regressors": 1,
    }
    config = keras.metrics.FBetaScore(average="weighted", beta=0.5).get_config()
    clone = keras.metrics.get({"class_name": "FBetaScore", "config": config})
    assert isinstance(clone, keras.metrics.FBetaScore) and clone.get_config() == config
    for name, cls in [
        ("f1_score", keras.metrics.F1Score),
        ("r2_score", keras.metrics.R2Score),
        ("Mean", keras.metrics.Mean),
    ]:
        assert isinstance(keras.metrics.get(name), cls)


def test_bad_arguments_raise_keras_errors():
    with pytest.raises(ValueError, match="Invalid `average`"):
        keras.metrics.F1Score(average="samples")
    with pytest.raises(ValueError, match="Python float"):
        keras.metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="> 0"):
        keras.metrics.FBetaScore(beta=-1.0)
    with pytest.raises(ValueError, match="0 < threshold <= 1"):
        keras.metrics.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="class_aggregation"):
        keras.metrics.R2Score(class_aggregation="mean")
    with pytest.raises(ValueError, match="num_regressors"):
        keras.metrics.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match="2D inputs"):
        keras.metrics.F1Score().update_state(np.ones((2, 3, 1)), np.ones((2, 3, 1)))


def test_iou_configs_names_and_errors():
    assert keras.metrics.MeanIoU(num_classes=3, name="m").get_config() == {
        "name": "m",
        "dtype": "int64",
        "num_classes": 3,
        "ignore_class": None,
        "sparse_y_true": True,
        "sparse_y_pred": True,
        "axis": -1,
    }
    assert keras.metrics.BinaryIoU(name="b").get_config() == {
        "target_class_ids": [0, 1],
        "threshold": 0.5,
        "name": "b",
        "dtype": "int64",
    }
    assert "sparse_y_true" not in keras.metrics.OneHotIoU(3, [1], name="o").get_config()
    assert "target_class_ids" not in keras.metrics.OneHotMeanIoU(3, name="o").get_config()
    config = keras.metrics.IoU(3, [0, 2], name="i", ignore_class=1).get_config()
    assert keras.metrics.get({"class_name": "IoU", "config": config}).get_config() == config
    with pytest.raises(ValueError, match=r"Target class id 3 is out of range, which is \[0, 3\)"):
        keras.metrics.IoU(num_classes=3, target_class_ids=[0, 3])
    metric = keras.metrics.MeanIoU(num_classes=2)
    metric.update_state([0, 1], [0, 1])
    np.testing.assert_array_equal(metric.total_cm, [[1, 0], [0, 1]])
    metric.reset_state()
    np.testing.assert_array_equal(metric.total_cm, np.zeros((2, 2)))
