"""Raw ops in functional models (``x * 2``, ``ops.sum(x, axis=1)``, ``x[:, 0]``) against
Keras 3.15: its saved models load with the predictions Keras gave, and dagnet writes the
configs (operation classes, constructor arguments, node args) and summary rows Keras wrote
for the same construction (fixtures/keras3_raw_ops, made by fixtures/make/keras3_raw_ops.py)."""

import json
import os

import numpy as np
import pytest
from raw_ops_cases import CASES, build

import dagnet
from dagnet import ops, utils

HERE = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_raw_ops")
with open(os.path.join(HERE, "configs.json"), encoding="utf-8") as _f:
    KERAS = json.load(_f)


def _data(case):
    arrays = np.load(os.path.join(HERE, f"{case}.npz"))
    xs = [arrays[f"x{i}"] for i in range(len([k for k in arrays if k.startswith("x")]))]
    ys = [arrays[f"y{i}"] for i in range(len([k for k in arrays if k.startswith("y")]))]
    return xs, ys


def _predict(model, xs):
    out = model.predict(xs, verbose=0)
    return out if isinstance(out, list) else [out]


def _bool_as_float(config):
    """dagnet has no bool tensors: comparisons give float32 (0/1), so their symbolic
    tensors' dtype reads float32 where Keras writes bool. Nothing else may differ."""
    text = json.dumps(config).replace('"dtype": "bool"', '"dtype": "float32"')
    return json.loads(text)


@pytest.mark.parametrize("case", sorted(CASES))
def test_keras_saved_raw_ops_load_with_keras_predictions(case):
    xs, ys = _data(case)
    model = dagnet.models.load_model(os.path.join(HERE, f"{case}.keras"))
    got = _predict(model, xs)
    assert len(got) == len(ys)
    for i, (a, b) in enumerate(zip(got, ys)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5, err_msg=f"output {i}")
    # and it writes back the config it was given
    assert _bool_as_float(json.loads(model.to_json())) == _bool_as_float(KERAS[case]["json"])


@pytest.mark.parametrize("case", sorted(CASES))
def test_raw_op_configs_are_keras3s(case):
    utils.clear_session()
    model = build(dagnet, case)
    ours, theirs = _bool_as_float(json.loads(model.to_json())), _bool_as_float(KERAS[case]["json"])
    for a, b in zip(ours["config"]["layers"], theirs["config"]["layers"]):
        assert a == b
    assert ours == theirs


@pytest.mark.parametrize("case", sorted(CASES))
def test_raw_op_summary_rows_are_keras3s(case, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    utils.clear_session()
    model = build(dagnet, case)
    lines = []
    model.summary(print_fn=lines.append)
    assert "".join(lines).splitlines() == KERAS[case]["summary"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_raw_op_models_round_trip(case, tmp_path):
    utils.clear_session()
    model = build(dagnet, case)
    xs, _ = _data(case)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = dagnet.models.load_model(path)
    for a, b in zip(_predict(loaded, xs), _predict(model, xs)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    again = dagnet.models.model_from_json(model.to_json()) if hasattr(dagnet.models, "model_from_json") else None
    if again is not None:
        again.set_weights(model.get_weights())
        for a, b in zip(_predict(again, xs), _predict(model, xs)):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_operation_config_and_node_args():
    utils.clear_session()
    x = dagnet.Input((3, 4), name="x")
    y = ops.sum(x[:, 1:, ...], axis=(1, 2), keepdims=True)
    model = dagnet.Model(x, y)
    layers = model.get_config()["layers"]
    get_item, total = layers[1], layers[2]
    assert (get_item["module"], get_item["class_name"], get_item["registered_name"]) == (
        "keras.src.ops.numpy",
        "GetItem",
        "GetItem",
    )
    assert json.loads(json.dumps(get_item["inbound_nodes"][0]["args"][1])) == [
        {"class_name": "__slice__", "config": {"start": None, "stop": None, "step": None}},
        {"class_name": "__slice__", "config": {"start": 1, "stop": None, "step": None}},
        {"class_name": "__ellipsis__", "config": {}},
    ]
    assert total["config"] == {"name": "sum", "axis": (1, 2), "keepdims": True}
    assert len(total["inbound_nodes"][0]["args"]) == 1 and total["inbound_nodes"][0]["kwargs"] == {}
    assert [op.name for op in model.operations if op not in model.layers] == ["get_item", "sum"]


def test_unsupported_keras_operation_is_named():
    config = {
        "module": "keras.src.ops.numpy",
        "class_name": "Einsum",
        "config": {"name": "einsum"},
        "registered_name": "Einsum",
    }
    with pytest.raises(ValueError, match="Einsum"):
        dagnet.saving.deserialize_keras_object(config)


def test_operation_rejects_arguments_it_cannot_honour():
    config = {
        "module": "keras.src.ops.numpy",
        "class_name": "Round",
        "config": {"name": "round", "decimals": 0, "unknown": 3},
        "registered_name": "Round",
    }
    with pytest.raises(ValueError, match="Round"):
        dagnet.saving.deserialize_keras_object(config)
