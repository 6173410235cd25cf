"""Model configs as Keras 3 writes them: json.loads(model.to_json()) of every functional-API
example equals Keras 3.15's (tests/fixtures/keras3_example_configs.json, made by
tests/fixtures/make/keras3_example_configs.py), build_config / compile_config included."""

import importlib
import json
import os

import numpy as np
import pytest

import dagnet
from dagnet import Input, Model, Sequential, layers, utils

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_example_configs.json")
with open(FIXTURE) as _f:
    KERAS = json.load(_f)


def _drop_optimizer_config(config):
    """The optimizer's own config is the optimizer's business (tested with the optimizers)."""
    if isinstance(config, dict):
        return {
            k: (None if k == "config" and config.get("module") == "keras.optimizers" else _drop_optimizer_config(v))
            for k, v in config.items()
        }
    if isinstance(config, list):
        return [_drop_optimizer_config(v) for v in config]
    return config


@pytest.mark.parametrize("name", sorted(k for k in KERAS if k != "keras_version"))
def test_example_configs_equal_keras(name):
    module = importlib.import_module(f"examples.functional_api.{name}")
    utils.clear_session()
    built = module.build()
    ours = [json.loads(m.to_json()) for m in (built if isinstance(built, (list, tuple)) else [built])]
    assert _drop_optimizer_config(ours) == _drop_optimizer_config(KERAS[name])


def test_build_and_compile_config_as_keras():
    utils.clear_session()
    x = Input((8, 8, 3))
    y = layers.MaxPooling2D(2, padding="SAME")(x)
    y = layers.Dropout(0.5)(layers.Flatten()(y))
    out = layers.Dense(2)(y)
    model = Model(x, out)
    config = json.loads(model.to_json())
    assert config["build_config"] == {"input_shape": None}
    assert config["compile_config"] == {}
    by_name = {l["name"]: l for l in config["config"]["layers"]}
    assert by_name["max_pooling2d"]["config"]["padding"] == "SAME"  # kept as given
    assert "build_config" not in by_name["max_pooling2d"] and "build_config" not in by_name["dropout"]
    assert by_name["flatten"]["build_config"] == {"input_shape": [None, 4, 4, 3]}
    assert by_name["dense"]["build_config"] == {"input_shape": [None, 48]}
    assert by_name["dropout"]["inbound_nodes"][0]["kwargs"] == {"training": False}
    model.compile("sgd", "mse", metrics=["mae"])
    compile_config = model.get_compile_config()
    assert compile_config["loss"] == "mse" and compile_config["metrics"] == ["mae"]
    assert compile_config["optimizer"]["class_name"] == "SGD"
    rebuilt = dagnet.models.model_from_json(model.to_json())
    assert rebuilt.compiled  # Keras 3 compiles from the compile_config too
    a = np.random.default_rng(0).standard_normal((2, 8, 8, 3)).astype("float32")
    assert model.predict(a, verbose=0).shape == (2, 2)


def test_sequential_config_has_dtype_and_build_config():
    utils.clear_session()
    model = Sequential([Input((4,)), layers.Dense(2)])
    entry = json.loads(model.to_json())
    assert entry["config"]["dtype"]["config"] == {"name": "float32"}
    assert entry["config"]["build_input_shape"] == [None, 4]
    assert entry["build_config"] == {"input_shape": [None, 4]}
    assert "build_config" not in json.loads(Sequential([layers.Dense(2)]).to_json())


def test_nested_model_nodes_record_mask_as_keras():
    utils.clear_session()
    inner = Sequential([Input((4,)), layers.Dense(2)])
    x = Input((4,))
    outer = Model(x, inner(x))
    nodes = json.loads(outer.to_json())["config"]["layers"][1]["inbound_nodes"]
    assert nodes[0]["kwargs"] == {"mask": None}


def test_training_argument_of_a_node_yields_to_the_models_as_in_keras():
    """Keras 3: `Dropout(...)(x, training=True)` drops in a plain call of the model, but fit,
    predict and `model(x, training=False)` override the node's value."""
    x = Input((200,))
    model = Model(x, layers.Dropout(0.5)(x, training=True))
    a = np.ones((1, 200), "float32")
    assert (np.asarray(model(a)) == 0).sum() > 0
    assert (np.asarray(model(a, training=False)) == 0).sum() == 0
    assert (model.predict(a, verbose=0) == 0).sum() == 0
