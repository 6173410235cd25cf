"""BinaryFocalCrossentropy, CategoricalFocalCrossentropy, Dice and Tversky against Keras 3's
values (tests/fixtures/keras3_metrics_losses.npz, made by
tests/fixtures/make/keras3_metrics_losses.py): standalone, as functions, and under
compile()/fit()/evaluate()."""

import os

import keras3_metrics_losses_cases as C
import numpy as np
import pytest

import dagnet as keras

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_metrics_losses.npz"))
DATA = {k[len("data/") :]: FIXTURE[k] for k in FIXTURE.files if k.startswith("data/")}


@pytest.mark.parametrize("case", sorted(C.LOSS_CASES))
def test_standalone_loss_matches_keras(case):
    cls, kwargs, kind, sw = C.LOSS_CASES[case]
    loss = getattr(keras.losses, cls)(**kwargs)
    weights = DATA["sample_weight"] if sw else None
    value = loss(DATA[f"{kind}_true"], DATA[f"{kind}_pred"], sample_weight=weights)
    expected = FIXTURE[f"loss/{case}"]
    assert np.shape(value) == expected.shape
    np.testing.assert_allclose(np.asarray(value), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", sorted(C.FUNCTION_CASES))
def test_function_form_matches_keras(case):
    fn, kwargs, kind = C.FUNCTION_CASES[case]
    values = getattr(keras.losses, fn)(DATA[f"{kind}_true"], DATA[f"{kind}_pred"], **kwargs)
    expected = FIXTURE[f"fn/{case}"]
    assert np.shape(values) == expected.shape
    np.testing.assert_allclose(np.asarray(values), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", sorted(c for c, spec in C.FIT_CASES.items() if not spec[1]))
def test_fit_and_evaluate_match_keras(case):
    C.check_fit(keras, case, FIXTURE)


def test_function_forms_in_compile_resolve_to_the_classes():
    for fn, cls in [
        (keras.losses.binary_focal_crossentropy, keras.losses.BinaryFocalCrossentropy),
        (keras.losses.categorical_focal_crossentropy, keras.losses.CategoricalFocalCrossentropy),
        (keras.losses.dice, keras.losses.Dice),
        (keras.losses.tversky, keras.losses.Tversky),
    ]:
        assert isinstance(keras.losses.get(fn), cls)
        assert isinstance(keras.losses.get(fn.__name__), cls)
        assert isinstance(keras.losses.get(cls.__name__), cls)


def test_get_config_keys_and_round_trip():
    config = keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3).get_config()
    assert config == {
        "name": "binary_focal_crossentropy",
        "reduction": "sum_over_batch_size",
        "from_logits": False,
        "label_smoothing": 0.0,
        "axis": -1,
        "apply_class_balancing": True,
        "alpha": 0.3,
        "gamma": 2.0,
    }
    assert set(keras.losses.CategoricalFocalCrossentropy().get_config()) == {
        "name",
        "reduction",
        "from_logits",
        "label_smoothing",
        "axis",
        "alpha",
        "gamma",
    }
    assert keras.losses.Dice(axis=(1, 2)).get_config() == {
        "name": "dice",
        "reduction": "sum_over_batch_size",
        "axis": (1, 2),
    }
    tversky = keras.losses.Tversky(alpha=0.3, beta=0.7)
    assert tversky.get_config() == {
        "name": "tversky",
        "reduction": "sum_over_batch_size",
        "alpha": 0.3,
        "beta": 0.7,
        "axis": None,
    }
    clone = keras.losses.Tversky.from_config(tversky.get_config())
    y_true, y_pred = DATA["mask_true"], DATA["mask_pred"]
    assert float(clone(y_true, y_pred)) == float(tversky(y_true, y_pred))


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="axis"):
        keras.losses.categorical_focal_crossentropy(DATA["cat_true"], DATA["cat_pred"], axis=True)
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
        keras.losses.Dice(reduction="bogus")
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="sigmoid")(inputs))
    model.compile(optimizer="sgd", loss=keras.losses.Dice(reduction="sum"))
    with pytest.raises(ValueError, match="reduction='sum'"):
        model.fit(DATA["binary_pred"], DATA["binary_true"], verbose=0)


# Keras 3.15's serialize_keras_object output for these objects (copied from the reference venv).
KERAS_CONFIGS = [
    {
        "module": "keras.losses",
        "class_name": "BinaryFocalCrossentropy",
        "config": {
            "name": "binary_focal_crossentropy",
            "reduction": "sum_over_batch_size",
            "from_logits": False,
            "label_smoothing": 0.0,
            "axis": -1,
            "apply_class_balancing": False,
            "alpha": 0.3,
            "gamma": 2.0,
        },
        "registered_name": None,
    },
    {
        "module": "keras.losses",
        "class_name": "Dice",
        "config": {"name": "dice", "reduction": "sum_over_batch_size", "axis": [1, 2]},
        "registered_name": None,
    },
    {
        "module": "keras.metrics",
        "class_name": "F1Score",
        "config": {"name": "f1_score", "dtype": "float32", "average": "macro", "threshold": None},
        "registered_name": None,
    },
    {
        "module": "keras.metrics",
        "class_name": "MeanIoU",
        "config": {
            "num_classes": 3,
            "name": "mean_io_u",
            "dtype": "int64",
            "ignore_class": None,
            "sparse_y_true": True,
            "sparse_y_pred": True,
            "axis": -1,
        },
        "registered_name": None,
    },
    {
        "module": "keras.metrics",
        "class_name": "R2Score",
        "config": {"name": "r2_score", "dtype": "float32", "class_aggregation": "uniform_average", "num_regressors": 0},
        "registered_name": None,
    },
]


@pytest.mark.parametrize("config", KERAS_CONFIGS, ids=lambda c: c["class_name"])
def test_keras_serialized_configs_load_and_round_trip(config):
    obj = keras.saving.deserialize_keras_object(config)
    assert type(obj).__name__ == config["class_name"]
    assert obj.get_config() == config["config"]
    assert keras.saving.serialize_keras_object(obj)["config"] == config["config"]
