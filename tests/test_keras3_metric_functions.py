"""keras.metrics's function forms against Keras 3's values (fixtures from
tests/fixtures/make/keras3_metric_functions.py): per-sample values on arrays, and as
compile(metrics=[keras.metrics.<fn>]) with Keras's log names, History and evaluate."""

import os
import sys

import numpy as np
import pytest

import dagnet as keras

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures", "make"))
import keras3_metric_functions as maker  # noqa: E402

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_metric_functions.npz"))
DATA = {k[5:]: FIXTURE[k] for k in FIXTURE if k.startswith("data/")}


@pytest.mark.parametrize("case", sorted(maker.CASES))
def test_function_matches_keras_per_sample(case):
    fn, t, p, kwargs = maker.CASES[case]
    value = np.asarray(getattr(keras.metrics, fn)(DATA[t], DATA[p], **kwargs))
    expected = FIXTURE[f"fn/{case}"]
    assert value.shape == expected.shape
    assert value.dtype == np.float32
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", sorted(maker.FIT_CASES))
def test_functions_in_compile_log_as_keras(case):
    target, metrics = maker.FIT_CASES[case]
    loss = "sparse_categorical_crossentropy" if case == "sparse" else "categorical_crossentropy"
    model = maker.model(keras, DATA, metrics, loss)
    x, y = DATA["x"], DATA[target]
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    prefix = f"fit/{case}/history/"
    expected = {k[len(prefix) :]: FIXTURE[k] for k in FIXTURE if k.startswith(prefix)}
    assert sorted(history.history) == sorted(expected)
    for key, values in history.history.items():
        np.testing.assert_allclose(values, expected[key], rtol=2e-5, atol=2e-6, err_msg=key)
    logs = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    prefix = f"fit/{case}/evaluate/"
    keras_logs = {k[len(prefix) :]: FIXTURE[k] for k in FIXTURE if k.startswith(prefix)}
    assert sorted(logs) == sorted(keras_logs)
    for key, value in logs.items():
        np.testing.assert_allclose(value, keras_logs[key], rtol=2e-5, atol=2e-6, err_msg=key)
    # evaluate()'s list: Keras's order (loss, then the metrics in compile order)
    keras_list = [keras_logs[str(k)] for k in FIXTURE[f"fit/{case}/order"]]
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=4, verbose=0), keras_list, rtol=2e-5, atol=2e-6)


def test_get_serialize_deserialize_function_forms():
    metric = keras.metrics.get(keras.metrics.top_k_categorical_accuracy)
    assert isinstance(metric, keras.metrics.TopKCategoricalAccuracy) and metric.name == "top_k_categorical_accuracy"
    assert keras.metrics.get(keras.metrics.huber).name == "huber"
    assert keras.metrics.get("categorical_hinge").name == "categorical_hinge"
    config = keras.metrics.serialize(keras.metrics.categorical_accuracy)
    assert config == {
        "module": "builtins",
        "class_name": "function",
        "config": "categorical_accuracy",
        "registered_name": "function",
    }
    assert keras.metrics.deserialize(config) is keras.metrics.categorical_accuracy
    assert keras.metrics.deserialize("log_cosh") is keras.metrics.log_cosh
    assert keras.metrics.CategoricalHinge().get_config() == {"name": "categorical_hinge", "dtype": "float32"}


def test_dir_lists_keras_public_names_only():
    listed = set(dir(keras.metrics))
    assert {"categorical_accuracy", "huber", "CategoricalHinge", "sparse_categorical_crossentropy"} <= listed
    assert not any(name.startswith("_") for name in listed)
    assert {"mse", "FunctionMetric", "ops", "np"}.isdisjoint(listed)
    assert all(hasattr(keras.metrics, name) for name in keras.metrics.__all__)


def test_bad_input_names_the_function():
    with pytest.raises(ValueError, match=r"sparse_top_k_categorical_accuracy: labels must lie in \[0, 3\)"):
        keras.metrics.sparse_top_k_categorical_accuracy(np.array([0, 3]), np.ones((2, 3)), k=1)
    with pytest.raises(ValueError, match="categorical_crossentropy: .*same shape"):
        keras.metrics.categorical_crossentropy(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="binary_crossentropy: `axis` must be of type `int`"):
        keras.metrics.binary_crossentropy(np.ones((2, 3)), np.ones((2, 3)), axis=True)


def test_accuracy_function_in_a_traced_step_says_what_to_pass():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    model.compile(
        loss="categorical_crossentropy", metrics=[keras.metrics.MeanMetricWrapper(keras.metrics.categorical_accuracy)]
    )
    with pytest.raises(TypeError, match=r"pass the function itself \(metrics=\[keras.metrics.categorical_accuracy\]\)"):
        model.evaluate(DATA["x"], DATA["y"], verbose=0)


def test_loss_functions_are_keras_losses_too():
    # Keras 3: keras.metrics.binary_crossentropy is keras.losses.binary_crossentropy
    for name in ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"):
        assert getattr(keras.metrics, name) is getattr(keras.losses, name)
        assert name in dir(keras.losses)
    histories = []
    for loss in ("categorical_crossentropy", keras.losses.categorical_crossentropy):
        model = maker.model(keras, DATA, [], loss)
        histories.append(model.fit(DATA["x"], DATA["y"], batch_size=4, epochs=2, shuffle=False, verbose=0).history)
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-6)
