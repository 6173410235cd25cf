"""Metrics whose result is a vector (F1Score(), FBetaScore(average=None),
R2Score(class_aggregation=None)) in fit / evaluate: History, evaluate's dict and list and the
CSVLogger file against Keras 3's (tests/fixtures/make/keras3_vector_metrics.py), and the
callbacks that need a scalar failing as Keras's do, with the log named."""

import io
import os
import sys
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest

import dagnet as keras

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures", "make"))
import keras3_vector_metrics as maker  # noqa: E402

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_vector_metrics.npz"))
DATA = {k[5:]: FIXTURE[k] for k in FIXTURE if k.startswith("data/")}
X, Y = DATA["x"], DATA["y"]


def _fit(tmp_path, **kwargs):
    model = maker.model(keras, DATA)
    history = model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0, validation_data=(X, Y), **kwargs)
    return model, history


def test_history_and_evaluate_hold_keras_arrays(tmp_path):
    csv = str(tmp_path / "log.csv")
    model, history = _fit(tmp_path, callbacks=[keras.callbacks.CSVLogger(csv)])
    expected = {k[8:]: FIXTURE[k] for k in FIXTURE if k.startswith("history/")}
    assert sorted(history.history) == sorted(expected)
    for key, values in history.history.items():
        vector = expected[key].ndim == 2
        for value in values:
            assert isinstance(value, np.ndarray if vector else float), key
            if vector:
                assert value.dtype == np.float32 and value.shape == (3,)
        np.testing.assert_allclose(np.asarray(values), expected[key], rtol=2e-5, atol=2e-6, err_msg=key)
    result = model.evaluate(X, Y, batch_size=4, verbose=0, return_dict=True)
    assert list(result) == sorted(k[9:] for k in FIXTURE if k.startswith("evaluate/"))
    for key, value in result.items():
        np.testing.assert_allclose(value, FIXTURE[f"evaluate/{key}"], rtol=2e-5, atol=2e-6, err_msg=key)
    listed = model.evaluate(X, Y, batch_size=4, verbose=0)
    keras_list = [FIXTURE[f"list/{i}"] for i in range(sum(k.startswith("list/") for k in FIXTURE))]
    assert len(listed) == len(keras_list)
    for value, want in zip(listed, keras_list):
        assert np.shape(value) == want.shape  # the arrays stay whole: Keras does not flatten them
        np.testing.assert_allclose(value, want, rtol=2e-5, atol=2e-6)
    with open(csv) as f:
        lines, keras_lines = f.read().splitlines(), str(FIXTURE["csv"]).splitlines()
    assert lines[0] == keras_lines[0]
    for row, keras_row in zip(lines[1:], keras_lines[1:]):
        # same cells; a vector is written as Keras writes it ("[a, b, c]", quoted by csv)
        assert [c.startswith('"""[') for c in row.split(",")] == [c.startswith('"""[') for c in keras_row.split(",")]
        assert row.count(",") == keras_row.count(",")


def test_standalone_metric_and_on_batch_return_vectors():
    metric = keras.metrics.F1Score()
    metric.update_state(Y, np.full_like(Y, 0.2) + Y * 0.5)
    np.testing.assert_allclose(metric.result(), [1.0, 1.0, 1.0], rtol=1e-5)
    model = maker.model(keras, DATA)
    logs = model.test_on_batch(X, Y, return_dict=True)
    assert logs["f1_score"].shape == (3,) and isinstance(logs["loss"], float)
    listed = model.test_on_batch(X, Y)
    assert [np.shape(v) for v in listed] == [(), (3,), (3,), (), (3,)]  # loss, then compile order


def test_progress_bar_prints_the_mean_of_a_vector():
    model = maker.model(keras, DATA)
    result = model.evaluate(X, Y, batch_size=8, verbose=0, return_dict=True)
    out = io.StringIO()
    with redirect_stdout(out):
        model.evaluate(X, Y, batch_size=8, verbose=2)
    # Keras's Progbar shows np.mean of an array value
    assert f"f1_score: {np.mean(result['f1_score']):.4f}" in out.getvalue()


@pytest.mark.parametrize("callback", [keras.callbacks.EarlyStopping, keras.callbacks.ReduceLROnPlateau])
def test_monitoring_a_vector_fails_naming_it(tmp_path, callback):
    with pytest.raises(ValueError, match=r"monitors 'val_f1_score', which is a vector"):
        _fit(tmp_path, callbacks=[callback(monitor="val_f1_score")])


def test_checkpoint_best_only_on_a_vector_falls_back_with_keras_warning(tmp_path):
    path = str(tmp_path / "m.keras")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fit(tmp_path, callbacks=[keras.callbacks.ModelCheckpoint(path, monitor="val_f1_score", save_best_only=True)])
    assert os.path.exists(path)
    assert any("Can save best model only when `monitor` is a scalar value" in str(w.message) for w in caught)


def test_tensorboard_refuses_a_vector_naming_it(tmp_path):
    pytest.importorskip("tensorboard")
    # With validation data Keras writes evaluation_<name>_vs_iterations first (on_test_end).
    with pytest.raises(ValueError, match="evaluation_f1_score_vs_iterations"):
        _fit(tmp_path, callbacks=[keras.callbacks.TensorBoard(str(tmp_path / "tb"))])


def _listed_keys(model, x, y):
    """evaluate()'s list order as the return_dict keys (the values are distinct here)."""
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    listed = model.evaluate(x, y, verbose=0)
    keys = []
    for value in listed:
        keys += [k for k, v in logs.items() if np.array_equal(v, value) and k not in keys][:1]
    return keys


def test_evaluate_list_order_is_keras_compile_order():
    # Keras 3.15 (checked with its TF backend): the loss, the compiled metrics in compile
    # order (weighted ones after), for one output; sorted after the output losses for several
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    model.compile(
        optimizer="sgd", loss="categorical_crossentropy", metrics=["mae", "accuracy", "mse"], weighted_metrics=["mape"]
    )
    assert _listed_keys(model, X, Y) == ["loss", "mae", "accuracy", "mse", "mape"]
    outputs = {"b": keras.layers.Dense(3, name="b")(inputs), "a": keras.layers.Dense(3, name="a")(inputs)}
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss={"b": "mae", "a": "mse"}, metrics={"b": ["mse", "accuracy"], "a": ["mape"]})
    assert _listed_keys(model, X, {"a": Y, "b": Y * 2}) == ["loss", "b_loss", "a_loss", "a_mape", "b_accuracy", "b_mse"]


class _ColumnMean(keras.metrics.Metric):
    """A batch value that is a vector: its epoch mean is one too."""

    def lower(self, builder, y_true, y_pred, mask=None, sample_weight=None):
        with builder.active():
            return keras.ops.mean(y_pred, axis=0)


class _ColumnCount(keras.metrics.Metric):
    """Running sums whose result is a vector."""

    reduction = "sums"

    def lower_sums(self, builder, y_true, y_pred, mask=None, sample_weight=None):
        with builder.active():
            return [keras.ops.sum(y_true, axis=0)]

    def result_from_sums(self, sums):
        return np.asarray(sums[0], np.float32)


def test_any_metric_with_a_vector_result_is_logged_as_an_array():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    model.compile(
        optimizer="sgd", loss="categorical_crossentropy", metrics=[_ColumnMean(name="cm"), _ColumnCount(name="cc")]
    )
    history = model.fit(X, Y, batch_size=4, epochs=2, verbose=0)
    assert [v.shape for v in history.history["cm"]] == [(3,), (3,)]
    np.testing.assert_array_equal(history.history["cc"][-1], Y.sum(0))
    logs = model.evaluate(X, Y, batch_size=4, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["cm"], model.predict(X, verbose=0).mean(0), rtol=1e-5)
    np.testing.assert_array_equal(logs["cc"], Y.sum(0))
