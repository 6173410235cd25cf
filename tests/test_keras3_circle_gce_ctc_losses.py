"""CategoricalGeneralizedCrossEntropy, Circle and CTC against Keras 3's values
(tests/fixtures/keras3_threshold_correlation.npz, made by
tests/fixtures/make/keras3_threshold_correlation.py): standalone under every reduction, as
functions, and under compile()/fit()/evaluate()."""

import os

import keras3_threshold_correlation_cases as C
import numpy as np
import pytest

import dagnet as keras

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_threshold_correlation.npz"))
DATA = {k[len("data/") :]: FIXTURE[k] for k in FIXTURE.files if k.startswith("data/")}
LOSS_FIT_CASES = sorted(c for c, spec in C.FIT_CASES.items() if not spec[1])


@pytest.mark.parametrize("case", sorted(C.LOSS_CASES))
def test_standalone_loss_matches_keras(case):
    cls, kwargs, kind, sw = C.LOSS_CASES[case]
    loss = getattr(keras.losses, cls)(**kwargs)
    y_true = DATA[f"{kind}_true"]
    weights = DATA["sample_weight"][: len(y_true)] if sw else None
    value = loss(y_true, DATA[f"{kind}_pred"], sample_weight=weights)
    expected = FIXTURE[f"loss/{case}"]
    assert np.shape(value) == expected.shape
    np.testing.assert_allclose(np.asarray(value), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", sorted(c for c, spec in C.FUNCTION_CASES.items() if spec[0] == "losses"))
def test_function_form_matches_keras(case):
    _, fn, kwargs, kind = C.FUNCTION_CASES[case]
    kwargs = C.function_args(kwargs, DATA, kind)
    values = getattr(keras.losses, fn)(DATA[f"{kind}_true"], DATA[f"{kind}_pred"], **kwargs)
    expected = FIXTURE[f"fn/{case}"]
    assert np.shape(values) == expected.shape
    np.testing.assert_allclose(np.asarray(values), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", LOSS_FIT_CASES)
def test_fit_and_evaluate_match_keras(case):
    history, result = C.run_fit(keras, case, DATA)
    for kind, got in (("history", history), ("evaluate", result)):
        prefix = f"fit/{case}/{kind}/"
        keys = [k[len(prefix) :] for k in FIXTURE.files if k.startswith(prefix)]
        assert keys and set(keys) == set(got), (keys, sorted(got))
        for key in keys:
            np.testing.assert_allclose(got[key], FIXTURE[prefix + key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_configs_names_and_lookup():
    assert keras.losses.Circle().get_config() == {
        "name": "circle",
        "reduction": "sum_over_batch_size",
        "gamma": 80.0,
        "margin": 0.4,
        "remove_diagonal": True,
    }
    assert keras.losses.CategoricalGeneralizedCrossEntropy().get_config() == {
        "name": "categorical_generalized_cross_entropy",
        "reduction": "sum_over_batch_size",
        "q": 0.5,
    }
    for loss in [
        keras.losses.Circle(gamma=4.0, margin=0.2, remove_diagonal=False, reduction="sum", name="c"),
        keras.losses.CategoricalGeneralizedCrossEntropy(q=0.25, reduction=None, name="g"),
    ]:
        config = loss.get_config()
        clone = type(loss).from_config(config)
        assert clone.get_config() == config
        assert keras.losses.deserialize(keras.losses.serialize(loss)).get_config() == config
        assert keras.losses.serialize(loss)["class_name"] == type(loss).__name__
    assert isinstance(keras.losses.get("circle"), keras.losses.Circle)
    assert isinstance(keras.losses.get("Circle"), keras.losses.Circle)
    assert isinstance(keras.losses.get(keras.losses.circle), keras.losses.Circle)
    gce = keras.losses.get("CategoricalGeneralizedCrossEntropy")
    assert isinstance(gce, keras.losses.CategoricalGeneralizedCrossEntropy) and gce.q == 0.5
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        keras.losses.get("categorical_generalized_cross_entropy")  # as Keras: the function needs q
    assert keras.losses.CTC().get_config() == {"name": "ctc", "reduction": "sum_over_batch_size"}
    ctc = keras.losses.CTC(reduction="sum", name="c")
    assert keras.losses.deserialize(keras.losses.serialize(ctc)).get_config() == ctc.get_config()
    for identifier in ("ctc", "CTC", keras.losses.ctc):
        assert isinstance(keras.losses.get(identifier), keras.losses.CTC)


def test_ctc_shape_errors_and_impossible_alignments():
    with pytest.raises(ValueError, match=r"`y_true`.*\(batch_size, max_length\).*y_true.shape=\(2,\)"):
        keras.losses.ctc(np.ones(2), np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"`y_pred`.*y_pred.shape=\(2, 3\)"):
        keras.losses.ctc(np.ones((2, 2)), np.zeros((2, 3)))
    # three labels, two time steps: no path (TF says inf; here a huge finite loss)
    assert keras.losses.ctc(np.array([[1, 2, 1]]), np.zeros((1, 2, 3)))[0] > 1e29


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: keras.losses.CategoricalGeneralizedCrossEntropy(q=1.0), r"CategoricalGeneralized.*\(0, 1\).*q=1.0"),
        (lambda: keras.losses.CategoricalGeneralizedCrossEntropy(q="a"), r"CategoricalGeneralized.*q='a'"),
        (lambda: keras.losses.Circle(gamma="big"), r"Circle.*gamma='big'"),
        (lambda: keras.losses.Circle(remove_diagonal="no"), r"Circle.*remove_diagonal='no'"),
        (lambda: keras.losses.Circle(reduction="max"), r"reduction=max"),
    ],
)
def test_bad_arguments_name_the_class_and_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "loss, activation, target",
    [
        (lambda: keras.losses.Circle(gamma=8.0, margin=0.3), "unit", "y_circle"),
        (lambda: keras.losses.CategoricalGeneralizedCrossEntropy(q=0.7), "softmax", "y_sparse"),
        (lambda: keras.losses.CTC(name="ctc_loss"), "sequence", "y_ctc"),
    ],
)
def test_saved_model_keeps_the_loss(tmp_path, loss, activation, target):
    loss = loss()
    x, y = DATA["x_seq" if activation == "sequence" else "x"], DATA[target]
    model = C.build_model(keras, activation, DATA)
    model.compile(optimizer="sgd", loss=loss)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    before = model.evaluate(x, y, batch_size=4, verbose=0)
    path = str(tmp_path / f"{loss.name}.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.loss) is type(loss) and loaded.loss.get_config() == loss.get_config()
    np.testing.assert_allclose(loaded.evaluate(x, y, batch_size=4, verbose=0), before, rtol=1e-6)


def test_ctc_sample_weights_in_fit_weigh_each_sequence():
    weights = np.array([1.0, 0.0, 2.0, 0.5, 1.0, 1.0, 0.0, 3.0], dtype="float32")
    model = C.build_model(keras, "sequence", DATA)
    model.compile(optimizer="sgd", loss="ctc")
    got = model.evaluate(DATA["x_seq"], DATA["y_ctc"], sample_weight=weights, batch_size=8, verbose=0)
    per_sample = keras.losses.ctc(DATA["y_ctc"], model.predict(DATA["x_seq"], verbose=0))
    np.testing.assert_allclose(got, np.sum(per_sample * weights) / 8, rtol=1e-5)


def test_circle_gradients_stay_finite_when_a_row_has_no_positive():
    # Keras's logsumexp of an empty row is -inf; here its gradient is 0, not nan
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.UnitNormalization()(keras.layers.Dense(3)(inputs)))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=keras.losses.Circle(gamma=8.0))
    labels = np.array([0, 0, 1, 2, 1, 1, 3, 3], dtype="float32")  # label 2 has one member
    model.fit(DATA["x"], labels, batch_size=8, epochs=2, verbose=0)
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


@pytest.mark.parametrize("module", [keras.losses, keras.metrics])
def test_public_names_are_keras_names_only(module):
    names = dir(module)
    assert names == sorted(module.__all__)
    for helper in ("Any", "Callable", "GraphBuilder", "TensorLike", "np", "ops", "annotations", "Executor"):
        assert helper not in names
        assert helper not in module.__all__
    assert all(hasattr(module, name) for name in module.__all__)
    assert {"get", "serialize", "deserialize"} <= set(names)
    namespace: dict = {}
    exec(f"from {module.__name__} import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(module.__all__)


def test_new_names_are_public():
    names = {
        "Circle",
        "CategoricalGeneralizedCrossEntropy",
        "CTC",
        "circle",
        "ctc",
        "categorical_generalized_cross_entropy",
    }
    assert names <= set(dir(keras.losses))
    assert {
        "PrecisionAtRecall",
        "RecallAtPrecision",
        "SensitivityAtSpecificity",
        "SpecificityAtSensitivity",
        "PearsonCorrelation",
        "ConcordanceCorrelation",
        "pearson_correlation",
        "concordance_correlation",
    } <= set(dir(keras.metrics))
    assert keras.metrics.deserialize("PearsonCorrelation") is keras.metrics.PearsonCorrelation
    assert keras.losses.deserialize("circle") is keras.losses.circle
    with pytest.raises(ValueError, match="Could not interpret loss identifier: rows_weights"):
        keras.losses.deserialize("rows_weights")


@pytest.mark.parametrize("remove_diagonal", [True, False])
def test_circle_sample_weights_in_evaluate_match_the_standalone_loss(remove_diagonal):
    # labels 0..3 over 8 rows, label 3 once: that row's loss is masked out of the mean
    labels = np.array([0, 1, 0, 2, 1, 3, 2, 2], dtype="float32")
    weights = np.array([1.0, 0.5, 2.0, 1.0, 0.0, 1.0, 3.0, 1.0], dtype="float32")
    model = C.build_model(keras, "unit", DATA)
    loss = keras.losses.Circle(gamma=6.0, remove_diagonal=remove_diagonal)
    model.compile(optimizer="sgd", loss=loss)
    got = model.evaluate(DATA["x"], labels, sample_weight=weights, batch_size=8, verbose=0)
    expected = loss(labels, model.predict(DATA["x"], verbose=0), sample_weight=weights)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
