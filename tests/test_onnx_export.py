"""model.export(format="onnx"): onnx.checker passes (full check, with shape inference) and
onnxruntime reproduces dagnet's predictions (rtol = atol = 1e-5) at two batch sizes, for
every functional-API example, every layer-numerics case (with Keras's fixture weights and
inputs), every raw-ops case, variable-length sequences, and the error paths."""

import os
import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason='ONNX export needs `pip install "dagnet[onnx]"`')
ort = pytest.importorskip("onnxruntime", reason="the ONNX tests run the exported models with onnxruntime")

import layer_numerics_cases  # noqa: E402
import raw_ops_cases  # noqa: E402
from onnx_check import check_onnx, random_inputs  # noqa: E402

import dagnet  # noqa: E402
from dagnet import Input, Model, layers, ops  # noqa: E402
from dagnet.export import DEFAULT_OPSET  # noqa: E402
from dagnet.export.converters import CONVERTERS  # noqa: E402

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "examples", "functional_api"))
NUMERICS = np.load(os.path.join(HERE, "fixtures", "keras3_layers", "numerics.npz"))
RAW_OPS = os.path.join(HERE, "fixtures", "keras3_raw_ops")


def _example_models():
    import inception
    import instrumentation
    import multi_output_posts
    import question_answering
    import residual
    import shared_vision
    import siamese_lstm
    import visual_qa

    yield "inception", lambda: inception.create_inception_network((16, 16), 3)
    yield "inception_dual", lambda: inception.create_dual_input_network((16, 16), 3)
    yield "residual", residual.build
    yield "question_answering", question_answering.build
    yield "multi_output_posts", multi_output_posts.build
    yield "siamese_lstm", lambda: siamese_lstm.build(timesteps=12, features=16)
    yield "shared_vision", shared_vision.build
    yield "visual_qa", lambda: visual_qa.build(image=16, question_length=6)
    yield "instrumentation", instrumentation.build


EXAMPLES = dict(_example_models())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_model(name, tmp_path):
    built = EXAMPLES[name]()
    models = [m for m in (built if isinstance(built, tuple) else (built,)) if isinstance(m, Model)]
    assert models
    length = 300 if name == "multi_output_posts" else 6  # its example length (five convolutions, two poolings)
    for model in models:
        batches = [random_inputs(model, 1, length=length), random_inputs(model, 4, seed=1, length=length + 7)]
        check_onnx(model, batches, tmp_path)


def _numerics_cases():
    import json

    meta = json.loads(str(NUMERICS["__meta__"]))["cases"]
    return {case: m for case, m in meta.items() if "error" not in m}


NUMERIC_CASES = _numerics_cases()


@pytest.mark.parametrize("case", sorted(NUMERIC_CASES))
def test_every_layer_numerics_case(case, tmp_path):
    meta = NUMERIC_CASES[case]
    model = layer_numerics_cases.build(dagnet, case)
    model.set_weights([NUMERICS[f"{case}/weights{i}"] for i in range(meta["n_weights"])])
    xs = [NUMERICS[f"{case}/x{i}"] for i in range(meta["n_x"])]
    two_more = [np.concatenate([x, x[:2]]) for x in xs]  # batch 3 + 2: a second batch size
    check_onnx(model, [xs, [x[:1] for x in xs], two_more], tmp_path)


@pytest.mark.parametrize("case", sorted(raw_ops_cases.CASES))
def test_every_raw_ops_case(case, tmp_path):
    model = dagnet.models.load_model(os.path.join(RAW_OPS, f"{case}.keras"))
    data = np.load(os.path.join(RAW_OPS, f"{case}.npz"))
    xs = [data[f"x{i}"] for i in range(len(model.inputs))]
    check_onnx(model, [xs, [x[:1] for x in xs]], tmp_path)


def test_sequence_length_stays_dynamic(tmp_path):
    inputs = Input((None, 4), name="tokens")
    h = layers.Conv1D(5, 3, padding="causal", activation="relu")(inputs)
    h = layers.LSTM(6, return_sequences=True, go_backwards=True)(h)
    outputs = layers.GlobalMaxPooling1D()(layers.TimeDistributed(layers.Dense(3))(h))
    model = Model(inputs, outputs, name="variable_length")
    rng = np.random.default_rng(0)
    proto = check_onnx(
        model,
        [[rng.normal(size=(2, 7, 4)).astype("float32")], [rng.normal(size=(5, 3, 4)).astype("float32")]],
        tmp_path,
    )
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in dims] == ["batch", "dim_0_1", 4]
    assert "LSTM" in {n.op_type for n in proto.graph.node}  # unmasked: ONNX's own LSTM op
    assert proto.opset_import[0].version == DEFAULT_OPSET == 18


def test_masked_lstm_states_and_nested_models(tmp_path):
    """Masks from Embedding(mask_zero): inside steps, leading and whole rows."""
    ids = Input((7,), dtype="int64", name="ids")
    embedded = layers.Embedding(9, 4, mask_zero=True)(ids)
    encoder = Model(ids, layers.LSTM(5, return_sequences=True)(embedded), name="encoder")
    outer_ids = Input((7,), dtype="int64", name="outer_ids")
    sequence, h, c = layers.LSTM(3, return_sequences=True, return_state=True)(
        layers.Embedding(9, 5, mask_zero=True)(outer_ids)
    )
    merged = layers.concatenate([layers.GlobalAveragePooling1D()(encoder(outer_ids)), h, c])
    model = Model(outer_ids, [merged, sequence], name="masked")
    rng = np.random.default_rng(3)
    batch = rng.integers(0, 9, size=(4, 7))
    batch[0, 3:] = 0
    batch[1, :2] = 0
    batch[2] = 0
    proto = check_onnx(model, [[batch], [batch[:1]]], tmp_path)
    assert {n.op_type for n in proto.graph.node} >= {"Scan"}  # masked: the recurrence written out


@pytest.mark.parametrize("go_backwards", [False, True])
def test_masked_lstm_zero_output_for_mask(tmp_path, go_backwards):
    """Masked steps output zeros (what Bidirectional sets on its layers' sequences)."""
    ids = Input((6,), dtype="int64", name="ids")
    lstm = layers.LSTM(3, return_sequences=True, zero_output_for_mask=True, go_backwards=go_backwards)
    model = Model(ids, lstm(layers.Embedding(9, 4, mask_zero=True)(ids)), name="zero_output")
    batch = np.random.default_rng(4).integers(0, 9, size=(3, 6))
    batch[0, 2:4] = 0
    batch[1] = 0
    check_onnx(model, [[batch]], tmp_path)
    assert not model.predict(batch, verbose=0)[1].any()


def test_opset_input_signature_and_formats(tmp_path):
    inputs = Input((None, 3), name="x")
    model = Model(inputs, layers.Dense(2)(inputs), name="small")
    x = np.ones((2, 4, 3), "float32")
    proto = check_onnx(model, [[x]], tmp_path, opset_version=21, input_signature=[layers.InputSpec(shape=(None, 4, 3))])
    assert proto.opset_import[0].version == 21
    assert [d.dim_param or d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim] == ["batch", 4, 3]
    with pytest.raises(ValueError, match="opset_version must be between 18 and"):
        model.export(str(tmp_path / "m.onnx"), format="onnx", opset_version=11)
    with pytest.raises(ValueError, match=r"Unrecognized format=pb\. Supported formats are: \['tf_saved_model', "):
        model.export(str(tmp_path / "m.pb"), format="pb")
    with pytest.raises(ValueError, match="needs TensorFlow, which dagnet does not use"):
        model.export(str(tmp_path / "m"))
    with pytest.raises(ValueError, match="input_signature\\[0\\] has shape"):
        model.export(str(tmp_path / "m.onnx"), format="onnx", input_signature=[layers.InputSpec(shape=(None, 4, 5))])
    model.export(str(tmp_path / "m.dgn"), format="dgn")
    assert (tmp_path / "m.dgn").stat().st_size > 0


def test_an_op_without_a_converter_is_named(tmp_path, monkeypatch):
    inputs = Input((3,), name="x")
    model = Model(inputs, ops.erf(layers.Dense(2, name="proj")(inputs)), name="erf_model")
    monkeypatch.delitem(CONVERTERS, "unary")
    with pytest.raises(NotImplementedError, match=r"node '.*' \(native op 'unary'\) has no ONNX converter"):
        model.export(str(tmp_path / "m.onnx"), format="onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_a_missing_onnx_package_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    inputs = Input((3,))
    with pytest.raises(ImportError, match=r'pip install "dagnet\[onnx\]"'):
        Model(inputs, layers.Dense(2)(inputs)).export(str(tmp_path / "m.onnx"), format="onnx")


def test_image_size_stays_dynamic(tmp_path):
    """Strided 'same' windows over sizes known only at run time (ONNX's SAME_UPPER)."""
    inputs = Input((None, None, 3), name="image")
    h = layers.Conv2D(4, 3, strides=2, padding="same", activation="relu")(inputs)
    h = layers.MaxPooling2D(3, strides=2, padding="same")(h)
    h = layers.AveragePooling2D(2, padding="same", data_format="channels_first")(h)
    outputs = layers.GlobalAveragePooling2D()(layers.Conv2D(3, 2, dilation_rate=2, padding="same")(h))
    model = Model(inputs, outputs, name="any_size")
    rng = np.random.default_rng(1)
    check_onnx(
        model,
        [[rng.normal(size=(2, 9, 11, 3)).astype("float32")], [rng.normal(size=(1, 16, 7, 3)).astype("float32")]],
        tmp_path,
    )


@pytest.mark.parametrize("masked", [False, True])
def test_lstm_hard_sigmoid_and_linear_activations(tmp_path, masked):
    ids = Input((6,), dtype="int64", name="ids")
    h = layers.Embedding(8, 4, mask_zero=masked)(ids)
    h = layers.LSTM(3, recurrent_activation="hard_sigmoid", return_sequences=True)(h)
    outputs = layers.LSTM(2, activation="linear", go_backwards=True)(h)
    model = Model(ids, outputs, name=f"lstm_activations_{int(masked)}")
    batch = np.random.default_rng(5).integers(0, 8, size=(3, 6))
    batch[0, 4:] = 0
    check_onnx(model, [[batch], [batch[1:]]], tmp_path)
