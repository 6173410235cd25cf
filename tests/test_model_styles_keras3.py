"""The ways Keras users build a model (tests/model_styles_cases.py), against what Keras 3.15
did with the same code, data and starting weights (fixtures/keras3_model_styles, made by
tests/fixtures/make/keras3_model_styles.py): a Sequential without an Input built by fit,
subclassed models (attributes, lists, dicts, dict inputs, `training`), a functional
subclass, add_loss, compute_loss and compute_metrics overrides, training without targets;
the histories, trained weights, evaluate's logs, predictions, parameter counts, weight
paths, summaries, and `.keras` / `.weights.h5` files loading both ways."""

import io
import json
import os
import zipfile

import h5py
import model_styles_cases as C
import numpy as np
import pytest

import dagnet

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_model_styles")
NUMBERS = np.load(os.path.join(FIXTURES, "numbers.npz"))
META = json.loads(str(NUMBERS["__meta__"]))
CLASSES = C.define(dagnet)
RTOL, ATOL = 2e-5, 2e-6


def _arrays(prefix):
    found = sorted((k for k in NUMBERS.files if k.startswith(prefix)), key=lambda k: int(k[len(prefix) :]))
    return [NUMBERS[k] for k in found]


def _summary(model):
    lines = []
    model.summary(print_fn=lines.append, line_length=88)
    return "".join(lines)


def _train(name):
    case = C.TRAINING_CASES[name]
    dagnet.utils.clear_session()
    model = case["make"](dagnet, CLASSES)
    x, y = case["x"](), case["y"]() if case["y"] else None
    built_before = model.built
    summary = _summary(model) if case.get("build_on_fit") else None
    if not case.get("build_on_fit"):
        model(C.first_batch(x))
        model.set_weights(C.initial_weights(model, len(name)))
        if name == "subclassed_mlp":
            summary = _summary(model)
    model.compile(**case["compile"](dagnet))
    initial = []

    class Start(dagnet.callbacks.Callback):
        def on_train_begin(self, logs=None):
            if case.get("build_on_fit"):
                self.model.set_weights(C.initial_weights(self.model, len(name)))
            initial.extend(self.model.get_weights())

    history = model.fit(x, y, batch_size=C.BATCH, epochs=C.EPOCHS, shuffle=False, verbose=0, callbacks=[Start()])
    return model, history.history, x, y, initial, built_before, summary


@pytest.mark.parametrize("name", list(C.TRAINING_CASES))
def test_training_matches_keras(name, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # Keras wrote its summaries without a terminal
    model, history, x, y, initial, built_before, summary = _train(name)
    expected = META[name]
    for mine, keras_weight in zip(initial, _arrays(f"{name}/initial"), strict=True):
        np.testing.assert_array_equal(mine, keras_weight)  # same shapes and order as Keras's weights
    assert sorted(history) == sorted(expected["history"])
    for key, values in expected["history"].items():
        np.testing.assert_allclose(history[key], values, rtol=RTOL, atol=ATOL, err_msg=key)
    for mine, keras_weight in zip(model.get_weights(), _arrays(f"{name}/trained"), strict=True):
        np.testing.assert_allclose(mine, keras_weight, rtol=RTOL, atol=ATOL)
    logs = model.evaluate(x, y, batch_size=C.BATCH, verbose=0, return_dict=True)
    assert sorted(logs) == sorted(expected["evaluate"])
    for key, value in expected["evaluate"].items():
        np.testing.assert_allclose(logs[key], value, rtol=RTOL, atol=ATOL, err_msg=key)
    np.testing.assert_allclose(
        model.predict(x, batch_size=7, verbose=0), NUMBERS[f"{name}/predict"], rtol=RTOL, atol=ATOL
    )
    assert model.count_params() == expected["count_params"]
    assert [w.path for w in model.weights] == expected["paths"]
    assert [layer.name for layer in model.layers] == expected["layers"]
    assert (built_before, model.built) == (expected["built_before"], expected["built_after"])
    for key in ("summary_unbuilt", "summary_built"):
        if key in expected:
            assert summary == expected[key]


def test_add_loss_terms_are_the_models_losses():
    model, *_ = _train("add_loss")
    model(C.TRAINING_CASES["add_loss"]["x"]()[:4])
    # Keras's order: the add_loss terms, then the weight regularizers' penalties.
    np.testing.assert_allclose([float(v) for v in model.losses], NUMBERS["add_loss/losses"], rtol=RTOL)


def test_deferred_sequential_config_matches_keras():
    model, *_ = _train("sequential_deferred")
    mine, keras_config = model.get_config(), META["sequential_deferred"]["config"]
    # Keras records the first batch's size (8) where dagnet leaves the batch axis unknown.
    assert keras_config["build_input_shape"] == [8, 5] and mine["build_input_shape"] == [None, 5]
    assert [entry["class_name"] for entry in mine["layers"]] == [e["class_name"] for e in keras_config["layers"]]
    for entry, keras_entry in zip(mine["layers"][1:], keras_config["layers"][1:]):
        assert json.loads(json.dumps(entry["config"])) == keras_entry["config"]


def test_sequential_built_from_length_10_runs_length_12_as_keras():
    dagnet.utils.clear_session()
    model = C.sequential_free_length(dagnet)
    model(C.data(30, (2, 10, 3)))
    assert model.inputs[0].shape == (None, None, 3)  # the conv's length is free before global pooling
    model.set_weights(C.initial_weights(model, 30))
    assert model.count_params() == META["free_length"]["count_params"]
    for length in (10, 12):
        out = model.predict(NUMBERS[f"free_length/x{length}"], verbose=0)
        np.testing.assert_allclose(out, NUMBERS[f"free_length/y{length}"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", C.FILE_CASES)
def test_keras_files_load_in_dagnet(case):
    x = NUMBERS[f"files/{case}/x"]
    loaded = dagnet.models.load_model(os.path.join(FIXTURES, f"keras_{case}.keras"))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), NUMBERS[f"files/{case}/keras"], rtol=RTOL, atol=ATOL)
    made = C.file_model(dagnet, CLASSES, case)  # the same seeded weights give Keras's predictions
    np.testing.assert_allclose(made.predict(x, verbose=0), NUMBERS[f"files/{case}/keras"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", C.FILE_CASES)
def test_dagnet_files_load_in_keras(case, tmp_path):
    """Keras loaded the dagnet-written file and predicted these numbers; dagnet writes that
    file the same way today."""
    committed = os.path.join(FIXTURES, f"dagnet_{case}.keras")
    x = NUMBERS[f"files/{case}/x"]
    keras_predictions = NUMBERS[f"files/{case}/keras_on_dagnet_file"]
    np.testing.assert_allclose(keras_predictions, NUMBERS[f"files/{case}/keras"], rtol=RTOL, atol=ATOL)
    dagnet.utils.clear_session()
    model = C.file_model(dagnet, CLASSES, case)
    model.save(tmp_path / "today.keras")
    assert _archive_config(tmp_path / "today.keras") == _archive_config(committed)
    reloaded = dagnet.models.load_model(tmp_path / "today.keras")
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), keras_predictions, rtol=RTOL, atol=ATOL)


def _archive_config(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


def test_subclassed_weights_files_match_keras_layout(tmp_path):
    x = NUMBERS["files/subclassed_mlp/x"]
    fresh = C.file_model(dagnet, CLASSES, "subclassed_mlp")
    fresh.set_weights([np.zeros_like(w) for w in fresh.get_weights()])
    fresh.load_weights(os.path.join(FIXTURES, "keras_subclassed_mlp.weights.h5"))
    np.testing.assert_allclose(fresh.predict(x, verbose=0), NUMBERS["files/subclassed_mlp/keras"], rtol=RTOL)
    fresh.save_weights(tmp_path / "mine.weights.h5")
    with h5py.File(tmp_path / "mine.weights.h5") as f:
        mine = []
        f.visit(mine.append)
    keras_paths = [p for p in META["weights_h5_paths"] if not p.startswith("optimizer")]  # untrained: no state
    assert mine == keras_paths
    np.testing.assert_allclose(
        NUMBERS["files/subclassed_mlp/keras_on_dagnet_weights"], NUMBERS["files/subclassed_mlp/keras"], rtol=RTOL
    )


def test_keras_archive_weights_of_a_subclassed_model_by_attribute():
    with zipfile.ZipFile(os.path.join(FIXTURES, "keras_subclassed_mlp.keras")) as archive:
        weights = h5py.File(io.BytesIO(archive.read("model.weights.h5")))
        # Keras 3 walks attributes in sorted order, private ones last; `layers` claims the
        # private attribute's layer first.
        assert list(weights) == ["blocks", "first", "heads", "layers", "optimizer", "vars"]
        assert list(weights["layers"]) == ["dense_5"]
