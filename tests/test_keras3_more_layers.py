"""AlphaDropout, SpectralNormalization, GroupQueryAttention and adaptive pooling against Keras
3.15 (differential): every case of more_layer_cases.py is built in dagnet, given Keras's weights, and must give
Keras's output shapes, parameter count, outputs and, after one SGD(0.1) train_on_batch
step with mse, Keras's weights; every layer's get_config, weight names and trainable /
non-trainable counts must be Keras's; Keras-saved .keras files load with equal predictions.
Fixtures: fixtures/keras3_more_layers/, made by fixtures/make/keras3_more_layers.py."""

import json
import os
import re
import zipfile

import numpy as np
import pytest
from global_rng_isolation import keep_global_rng  # noqa: F401  (autouse: leaves the global RNG as found)
from more_layer_cases import NO_TRAIN, SPECTRAL, build, targets_for

import dagnet

HERE = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_more_layers")
DATA = np.load(os.path.join(HERE, "numerics.npz"))
META = json.loads(str(DATA["__meta__"]))["cases"]
with open(os.path.join(HERE, "configs.json")) as f:
    CONFIGS = json.load(f)
SAVED = sorted(name[: -len(".keras")] for name in os.listdir(HERE) if name.endswith(".keras"))
RTOL = ATOL = 1e-5


def _arrays(case, key, n):
    return [DATA[f"{case}/{key}{i}"] for i in range(n)]


def _list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _json(value):
    return json.loads(json.dumps(value, default=list))


def _unnamed(config):
    """The config without its own and its wrapped layer's auto-generated names."""
    config = {k: v for k, v in config.items() if k != "name"}
    if isinstance(config.get("layer"), dict):
        inner = dict(config["layer"])
        inner["config"] = {k: v for k, v in inner["config"].items() if k != "name"}
        config["layer"] = inner
    return config


@pytest.mark.parametrize("case", sorted(META))
def test_layer_matches_keras(case):
    meta = META[case]
    model = build(dagnet, case)
    assert [list(t.shape) for t in model.outputs] == meta["shapes"]
    assert model.count_params() == meta["count_params"]
    weights = _arrays(case, "weights", meta["n_weights"])
    model.set_weights(weights)
    xs = _arrays(case, "x", meta["n_x"])
    xin = xs if len(xs) > 1 else xs[0]
    ys = _arrays(case, "y", meta["n_y"])
    got = _list(model.predict(xin, verbose=0))
    assert len(got) == len(ys)
    for g, y in zip(got, ys):
        assert g.shape == y.shape
        np.testing.assert_allclose(g, y, rtol=RTOL, atol=ATOL)
    if not weights or case in NO_TRAIN or case in SPECTRAL:
        return
    targets = targets_for(ys, meta["seed"])
    model.compile(optimizer=dagnet.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.train_on_batch(xin, targets if len(targets) > 1 else targets[0])
    for g, w in zip(model.get_weights(), _arrays(case, "trained", meta["n_weights"])):
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_configs_weights_and_counts_match_keras(case):
    dagnet.backend.clear_session()
    model = build(dagnet, case)
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    # Keras's Python class GroupedQueryAttention is GroupQueryAttention in its files, as dagnet's is.
    names = [c["class_name"].replace("GroupedQuery", "GroupQuery") for c in CONFIGS[case]]
    assert [type(layer).__name__ for layer in layers] == names
    for layer, want in zip(layers, CONFIGS[case]):
        got = _json(layer.get_config())
        want_config = dict(want["config"])
        # Auto-generated names depend on the session's counters; compare everything else.
        got, want_config = _unnamed(got), _unnamed(want_config)
        assert got == want_config, layer
        assert sum(int(np.prod(w.shape)) for w in layer.trainable_weights) == want["trainable"]
        assert sum(int(np.prod(w.shape)) for w in layer.non_trainable_weights) == want["non_trainable"]
        # Keras names a wrapped layer built in a second session "dense_1": drop the counters.
        got_names = [
            re.sub(r"_\d+(/|$)", r"\1", w.path.split("/", 1)[1] if "/" in w.path else w.path) for w in layer.weights
        ]
        assert got_names == [re.sub(r"_\d+(/|$)", r"\1", n) for n in want["weights"]]


# Keras names a GroupQueryAttention "GroupQueryAttention" in config.json but files its weights
# under its Python class, layers/grouped_query_attention; dagnet's weight files name a layer's
# group after its class (saving/weights_h5.py), which is GroupQueryAttention so that Keras can
# load dagnet's config.json. Until weights_h5 takes a per-class name, Keras's GQA files fail.


@pytest.mark.parametrize("case", SAVED)
def test_keras_saved_file_loads_with_equal_predictions(case):
    meta = META[case]
    model = dagnet.models.load_model(os.path.join(HERE, f"{case}.keras"))
    xs = _arrays(case, "x", meta["n_x"])
    got = _list(model.predict(xs if len(xs) > 1 else xs[0], verbose=0))
    for g, y in zip(got, _arrays(case, "y", meta["n_y"])):
        np.testing.assert_allclose(g, y, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(
    "case", ["alpha_dropout", "sn_embedding", "gqa_masked_scores", "gqa_no_bias_gate", "adaptive_avg3d"]
)
def test_dagnet_saved_file_round_trips(case, tmp_path):
    meta = META[case]
    model = build(dagnet, case)
    model.set_weights(_arrays(case, "weights", meta["n_weights"]))
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = dagnet.models.load_model(path)
    xs = _arrays(case, "x", meta["n_x"])
    for g, y in zip(_list(loaded.predict(xs if len(xs) > 1 else xs[0], verbose=0)), _arrays(case, "y", meta["n_y"])):
        np.testing.assert_allclose(g, y, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", SAVED)
def test_node_arguments_are_recorded_as_keras_records_them(case):
    """The call arguments of every node (masks and training defaults on Keras's fast path
    only; a layer called on a list records none), so each file loads with masks in the other."""
    with zipfile.ZipFile(os.path.join(HERE, f"{case}.keras")) as archive:
        keras_layers = json.loads(archive.read("config.json"))["config"]["layers"]
    model = build(dagnet, case)
    ours = model.get_config()["layers"]

    def node_kwargs(layers):
        return [(layer["class_name"], [_json(n["kwargs"]) for n in layer["inbound_nodes"]]) for layer in layers]

    def tensors_to_shapes(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            return ("tensor", tuple(value["config"]["shape"]))
        if isinstance(value, dict):
            return {k: tensors_to_shapes(v) for k, v in value.items()}
        if isinstance(value, list):
            return [tensors_to_shapes(v) for v in value]
        return value

    got = [(c, tensors_to_shapes(k)) for c, k in node_kwargs(ours)]
    want = [(c, tensors_to_shapes(k)) for c, k in node_kwargs(keras_layers)]
    assert got == want
