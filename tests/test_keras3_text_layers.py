"""The data preprocessing layers against Keras 3's outputs (tests/fixtures/keras3_text,
written by tests/fixtures/make/keras3_text_layers.py from tests/text_layer_cases.py): the
vocabulary after adapt (order, OOV and mask slots), outputs of every mode, idf weights, bin
boundaries, hash buckets, and the config round trip."""

import json
import os

import numpy as np
import pytest

import dagnet as keras

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures", "keras3_text", "cases.json"), encoding="utf-8") as f:
    RECORDS = json.load(f)


def _build(record):
    kwargs = dict(record["kwargs"])
    if isinstance(kwargs.get("ngrams"), list):  # a tuple in text_layer_cases.py, a list in JSON
        kwargs["ngrams"] = tuple(kwargs["ngrams"])
    layer = getattr(keras.layers, record["layer"])(**kwargs)
    if record["batches"] is not None:
        layer.adapt((np.array(b) for b in record["batches"]), steps=record["steps"])
    elif record["adapt"] is not None:
        layer.adapt(record["adapt"])
    return layer


def _call(layer, record):
    kwargs = {k: np.asarray(v, "float32") for k, v in (record.get("call_kwargs") or {}).items()}
    return layer(np.asarray(record["inputs"]), **kwargs)


@pytest.mark.parametrize("record", RECORDS, ids=[f"{r['layer']}-{r['name']}" for r in RECORDS])
def test_matches_keras(record):
    layer = _build(record)
    out = _call(layer, record)
    assert isinstance(out, np.ndarray)
    assert list(out.shape) == record["output_shape"]
    if record["output_dtype"] == "string":
        assert out.tolist() == record["output"]
    else:
        assert out.dtype.name == record["output_dtype"]
        np.testing.assert_allclose(out, np.asarray(record["output"]), rtol=1e-6, atol=1e-6)
    if "vocabulary" in record:
        assert layer.get_vocabulary() == record["vocabulary"]
        assert layer.vocabulary_size() == record["vocabulary_size"]
    if "bin_boundaries" in record:
        np.testing.assert_allclose(layer.bin_boundaries, record["bin_boundaries"], rtol=1e-6)
    if "idf_weights" in record:
        lookup = getattr(layer, "_lookup_layer", layer)
        np.testing.assert_allclose(lookup.idf_weights, record["idf_weights"], rtol=1e-6)


def _comparable(config):
    config = {k: v for k, v in config.items() if k not in ("name", "dtype")}
    return json.loads(json.dumps(config))


@pytest.mark.parametrize("record", RECORDS, ids=[f"{r['layer']}-{r['name']}" for r in RECORDS])
def test_config_matches_keras_and_round_trips(record):
    layer = _build(record)
    config = layer.get_config()
    assert _comparable(config) == _comparable(record["config"])
    clone = type(layer).from_config(json.loads(json.dumps(config)))
    expected = _comparable(config)
    if record["adapt"] is not None or record["batches"] is not None:
        # As in Keras, an adapted vocabulary is not part of the config (a .keras file keeps it
        # as an asset), so the clone has only its special tokens.
        expected.pop("vocabulary_size", None)
        got = _comparable(clone.get_config())
        got.pop("vocabulary_size", None)
        assert got == expected
    else:
        assert _comparable(clone.get_config()) == expected


def test_compute_output_shape_matches_keras():
    import text_layer_cases as C

    with open(os.path.join(HERE, "fixtures", "keras3_text", "output_shapes.json")) as f:
        expected = json.load(f)
    for (name, kwargs, shape), want in zip(C.SHAPE_CASES, expected):
        got = getattr(keras.layers, name)(**kwargs).compute_output_shape(tuple(shape))
        assert list(got) == want, (name, kwargs, shape)
