"""ONNX export of the recurrent and normalization ops (gru, simple_rnn, Bidirectional and
stacked cells; normalize, normalize_with_stats, fold_batch_norm) with the Keras layer
options that change their graphs, and the registry's coverage of the native ops: each
inference op has a converter or a stated reason why it has none."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason='ONNX export needs `pip install "dagnet[onnx]"`')
ort = pytest.importorskip("onnxruntime", reason="the ONNX tests run the exported models with onnxruntime")

from onnx_check import check_onnx, random_inputs  # noqa: E402

from dagnet import Input, Model, _engine, layers, ops  # noqa: E402
from dagnet.export.converters import CONVERTERS, NOT_EXPORTED  # noqa: E402


def _ids(batch, length, seed, vocabulary=9):
    """Token ids with padding (0) inside, at the start and for a whole row."""
    ids = np.random.default_rng(seed).integers(1, vocabulary, size=(batch, length))
    ids[0, length // 2 :] = 0
    ids[1, :2] = 0
    ids[2] = 0
    return ids


def _op_types(proto):
    return {n.op_type for n in proto.graph.node}


# -- registry coverage -------------------------------------------------------------------


def test_every_native_op_converts_or_says_why_not():
    native = set(_engine.op_names())
    assert set(CONVERTERS) <= native, f"converters of ops the engine lacks: {sorted(set(CONVERTERS) - native)}"
    both = set(CONVERTERS) & set(NOT_EXPORTED)
    assert not both, f"ops both converted and refused: {sorted(both)}"
    unclassified = native - set(CONVERTERS) - set(NOT_EXPORTED)
    assert not unclassified, f"native ops with neither an ONNX converter nor a reason: {sorted(unclassified)}"
    assert all(len(reason) > 20 for reason in NOT_EXPORTED.values())


def test_a_refused_op_is_named_with_its_reason(tmp_path, monkeypatch):
    from dagnet.export.converters import registry

    inputs = Input((3,), name="x")
    model = Model(inputs, layers.Dense(2)(inputs), name="refused")
    monkeypatch.delitem(CONVERTERS, "dense")
    monkeypatch.setitem(registry.NOT_EXPORTED, "dense", "a reason given for this test only")
    with pytest.raises(NotImplementedError, match=r"native op 'dense'\) cannot be exported: a reason given"):
        model.export(str(tmp_path / "m.onnx"), format="onnx")
    assert not (tmp_path / "m.onnx").exists()


# -- GRU and SimpleRNN -------------------------------------------------------------------

RNN_OPTIONS = {
    "default": {},
    "sequences_backwards": {"return_sequences": True, "go_backwards": True},
    "hard_sigmoid_relu": {"recurrent_activation": "hard_sigmoid", "activation": "relu", "return_sequences": True},
    "linear_no_bias": {"activation": "linear", "use_bias": False},
    "unroll": {"unroll": True, "return_sequences": True},
}


def _rnn_layer(kind, units, **options):
    if kind == "simple_rnn":
        options.pop("recurrent_activation", None)
        return layers.SimpleRNN(units, **options)
    return layers.GRU(units, **options)


@pytest.mark.parametrize("option", sorted(RNN_OPTIONS))
@pytest.mark.parametrize("kind", ["gru", "gru_reset_before", "simple_rnn"])
def test_gru_and_simple_rnn_unmasked(kind, option, tmp_path):
    options = dict(RNN_OPTIONS[option])
    if kind == "gru_reset_before":
        options["reset_after"] = False
    inputs = Input((None, 4), name="seq")
    layer = _rnn_layer("simple_rnn" if kind == "simple_rnn" else "gru", 5, **options)
    model = Model(inputs, layer(inputs), name=f"{kind}_{option}")
    rng = np.random.default_rng(0)
    for w in layer.weights:  # non-zero biases
        w.assign(rng.normal(scale=0.5, size=w.shape).astype("float32"))
    proto = check_onnx(model, [random_inputs(model, 3, length=6), random_inputs(model, 1, seed=1, length=2)], tmp_path)
    onnx_op = "RNN" if kind == "simple_rnn" else "GRU"
    assert (onnx_op in _op_types(proto)) == (options.get("activation") != "linear")
    if onnx_op == "GRU" and "GRU" in _op_types(proto):
        (gru,) = [n for n in proto.graph.node if n.op_type == "GRU"]
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in gru.attribute}
        assert attrs["linear_before_reset"] == int(kind == "gru")


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("kind", ["gru", "gru_reset_before", "simple_rnn"])
def test_gru_and_simple_rnn_masked_with_states(kind, go_backwards, tmp_path):
    """Masks from Embedding(mask_zero) (a Scan), initial states in, final states out, and
    zero_output_for_mask."""
    ids = Input((7,), dtype="int64", name="ids")
    h0 = Input((3,), name="h0")
    embedded = layers.Embedding(9, 4, mask_zero=True)(ids)
    base = "simple_rnn" if kind == "simple_rnn" else "gru"
    options = {"reset_after": False} if kind == "gru_reset_before" else {}
    first = _rnn_layer(
        base, 3, return_sequences=True, return_state=True, go_backwards=go_backwards, name="first", **options
    )
    sequence, state = first(embedded, initial_state=[h0])
    second = _rnn_layer(base, 2, return_sequences=True, zero_output_for_mask=True, name="second", **options)(sequence)
    last = _rnn_layer(base, 2, name="last", **options)(embedded)
    model = Model([ids, h0], [sequence, state, second, last], name=f"masked_{kind}_{int(go_backwards)}")
    rng = np.random.default_rng(2)
    for w in model.weights:
        w.assign(rng.normal(scale=0.5, size=w.shape).astype("float32"))
    h0_values = rng.normal(size=(4, 3)).astype("float32")
    proto = check_onnx(model, [[_ids(4, 7, 3), h0_values], [_ids(4, 7, 4)[:3], h0_values[:3]]], tmp_path)
    assert "Scan" in _op_types(proto)


@pytest.mark.parametrize("kind", ["gru", "simple_rnn", "lstm"])
def test_unmasked_initial_states_use_onnx_ops(kind, tmp_path):
    inputs, h0, c0 = Input((5, 3), name="x"), Input((4,), name="h0"), Input((4,), name="c0")
    states = [h0, c0] if kind == "lstm" else [h0]
    layer = {"gru": layers.GRU, "simple_rnn": layers.SimpleRNN, "lstm": layers.LSTM}[kind]
    outputs = layer(4, return_state=True, go_backwards=True)(inputs, initial_state=states)
    model = Model([inputs] + states, outputs, name=f"{kind}_states")
    check_onnx(model, [random_inputs(model, 3), random_inputs(model, 2, seed=1)], tmp_path)


def test_repeated_output_names_get_suffixes(tmp_path):
    """A layer's several outputs share its name in output_names; ONNX's names must differ."""
    inputs = Input((5, 3), name="x")
    sequence, state = layers.GRU(2, return_sequences=True, return_state=True, name="rnn")(inputs)
    model = Model(inputs, [sequence, state, layers.GRU(2, name="rnn_1")(sequence)], name="repeated_names")
    path = str(tmp_path / "repeated.onnx")
    model.export(path, format="onnx")
    names = [o.name for o in ort.InferenceSession(path, providers=["CPUExecutionProvider"]).get_outputs()]
    assert names[0] == "rnn" and len(set(names)) == 3 and all(n.startswith("rnn") for n in names)
    x = random_inputs(model, 2)
    got = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"x": x[0]})
    for g, w in zip(got, model.predict(x[0], verbose=0)):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul", None])
def test_bidirectional_merge_modes(merge_mode, tmp_path):
    inputs = Input((None, 4), name="seq")
    outputs = layers.Bidirectional(layers.GRU(3, return_sequences=True), merge_mode=merge_mode)(inputs)
    model = Model(inputs, outputs, name=f"bidirectional_{merge_mode}")
    check_onnx(model, [random_inputs(model, 2, length=5), random_inputs(model, 3, seed=1, length=3)], tmp_path)


@pytest.mark.parametrize("kind", ["gru", "simple_rnn", "lstm"])
def test_bidirectional_masked_states_and_stacked(kind, tmp_path):
    """A masked Bidirectional with return_state over a stack of two Bidirectional layers."""
    layer = {"gru": layers.GRU, "simple_rnn": layers.SimpleRNN, "lstm": layers.LSTM}[kind]
    ids = Input((6,), dtype="int64", name="ids")
    h = layers.Embedding(9, 4, mask_zero=True)(ids)
    h = layers.Bidirectional(layer(3, return_sequences=True))(h)
    outputs = layers.Bidirectional(layer(2, return_state=True), merge_mode="sum")(h)
    model = Model(ids, outputs, name=f"bidirectional_{kind}")
    check_onnx(model, [[_ids(3, 6, 5)], [_ids(3, 6, 6)[:1]]], tmp_path)


def test_bidirectional_initial_states(tmp_path):
    """initial_state: the forward layer's states, then the backward layer's."""
    inputs = Input((5, 3), name="x")
    states = [Input((4,), name=f"state{i}") for i in range(4)]
    layer = layers.Bidirectional(layers.LSTM(4, return_sequences=True, return_state=True), merge_mode="ave")
    model = Model([inputs] + states, layer(inputs, initial_state=states), name="bidirectional_states")
    check_onnx(model, [random_inputs(model, 3), random_inputs(model, 1, seed=1)], tmp_path)


@pytest.mark.parametrize("go_backwards", [False, True])
def test_stacked_cells(go_backwards, tmp_path):
    """RNN(StackedRNNCells) lowers to one native op per cell (a backwards first cell
    flips the mask of the next)."""
    ids = Input((6,), dtype="int64", name="ids")
    h = layers.Embedding(9, 4, mask_zero=True)(ids)
    cells = [layers.GRUCell(3), layers.SimpleRNNCell(4), layers.LSTMCell(2)]
    outputs = layers.RNN(cells, return_sequences=True, go_backwards=go_backwards)(h)
    model = Model(ids, outputs, name=f"stacked_{int(go_backwards)}")
    check_onnx(model, [[_ids(3, 6, 7)]], tmp_path)


def test_recurrent_dropout_is_inference_free(tmp_path):
    """dropout and recurrent_dropout draw masks in training only: predict's graph has none."""
    inputs = Input((5, 3), name="x")
    outputs = layers.GRU(4, dropout=0.5, recurrent_dropout=0.5)(inputs)
    model = Model(inputs, outputs, name="gru_dropout")
    check_onnx(model, [random_inputs(model, 2)], tmp_path)


def test_stateful_layers_are_refused(tmp_path):
    inputs = Input((5, 3), batch_size=2, name="x")
    model = Model(inputs, layers.GRU(4, stateful=True, name="stateful_gru")(inputs), name="stateful")
    with pytest.raises(NotImplementedError, match=r"layer 'stateful_gru' is stateful"):
        model.export(str(tmp_path / "m.onnx"), format="onnx")


# -- normalizations ----------------------------------------------------------------------


def _randomize(model, seed=3):
    """Random weights, positive variances: what a trained model's statistics look like."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        value = rng.normal(scale=0.5, size=w.shape)
        if "variance" in w.path:
            value = np.abs(value) + 0.1
        w.assign(value.astype("float32"))


BATCH_NORMS = {
    "default": (lambda: layers.BatchNormalization(), (5,)),
    "channels_first": (lambda: layers.BatchNormalization(axis=1, center=False), (3, 4, 2)),
    "no_scale": (lambda: layers.BatchNormalization(scale=False, epsilon=0.1), (4, 3)),
    "two_axes": (lambda: layers.BatchNormalization(axis=[1, 2], center=False, scale=False), (3, 2, 4)),
    "renorm": (lambda: layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 2.0}), (4,)),
}


@pytest.mark.parametrize("case", sorted(BATCH_NORMS))
def test_batch_norm_in_inference(case, tmp_path):
    make, shape = BATCH_NORMS[case]
    inputs = Input(shape, name="x")
    model = Model(inputs, make()(layers.Activation("relu")(inputs)), name=f"bn_{case}")
    _randomize(model)
    check_onnx(model, [random_inputs(model, 3), random_inputs(model, 1, seed=1)], tmp_path)


@pytest.mark.parametrize("producer", ["dense", "dense_no_bias", "conv2d", "conv1d_channels_first"])
def test_batch_norm_folded_into_dense_and_conv(producer, tmp_path):
    """predict folds a batch norm after a dense/conv into its kernel (fold_batch_norm): the
    export folds it the same way."""
    if producer.startswith("dense"):
        inputs = Input((8, 3), name="x")  # folded where the kernel is no larger than an example's output
        h = layers.Dense(4, use_bias=producer == "dense")(inputs)
    elif producer == "conv2d":
        inputs = Input((5, 5, 2), name="x")
        h = layers.Conv2D(3, 3, padding="same")(inputs)
    else:
        inputs = Input((2, 7), name="x")
        h = layers.Conv1D(3, 2, data_format="channels_first")(inputs)
    axis = 1 if producer.endswith("channels_first") else -1
    outputs = layers.Activation("relu")(layers.BatchNormalization(axis=axis)(h))
    model = Model(inputs, outputs, name=f"folded_{producer}")
    _randomize(model)
    proto = check_onnx(model, [random_inputs(model, 3), random_inputs(model, 1, seed=1)], tmp_path)
    assert "ReduceMean" not in _op_types(proto) and "Sqrt" not in _op_types(proto)


class _InTrainingMode(layers.Layer):
    """A layer called with training=True inside another layer's call: predict runs it in
    training mode (the functional API's replay decides `training` itself)."""

    def __init__(self, layer, masked=False, **kwargs):
        super().__init__(**kwargs)
        self.embedding = layers.Embedding(9, 4, mask_zero=masked)
        self.layer = layer

    def call(self, ids):
        return self.layer(self.embedding(ids), training=True)


@pytest.mark.parametrize("masked", [False, True])
def test_batch_norm_called_in_training_mode(masked, tmp_path):
    """The batch's statistics (weighted by the mask when there is one); the moving
    statistics' updates are left out, the outputs do not read them."""
    ids = Input((5,), dtype="int64", name="ids")
    model = Model(ids, _InTrainingMode(layers.BatchNormalization(), masked)(ids), name=f"bn_training_{int(masked)}")
    _randomize(model)
    proto = check_onnx(model, [[_ids(4, 5, 8)], [_ids(3, 5, 9)]], tmp_path)
    assert "ReduceSum" in _op_types(proto) if masked else "ReduceMean" in _op_types(proto)


def test_a_prediction_that_reads_the_state_it_updates_is_refused(tmp_path):
    """Batch renormalization in training mode corrects the batch's statistics with its
    renorm statistics, which each prediction updates: ONNX would freeze them."""
    ids = Input((5,), dtype="int64", name="ids")
    model = Model(ids, _InTrainingMode(layers.BatchNormalization(renorm=True, name="renorm"))(ids), name="renorm")
    with pytest.raises(NotImplementedError, match=r"reads the variable '.*renorm/renorm_(mean|stddev)', which each"):
        model.export(str(tmp_path / "m.onnx"), format="onnx")
    assert not (tmp_path / "m.onnx").exists()


NORMALIZATIONS = {
    "layer_norm": (lambda: layers.LayerNormalization(), (3, 5)),
    "layer_norm_axes": (lambda: layers.LayerNormalization(axis=[1, 2], epsilon=0.01), (3, 4, 2)),
    "layer_norm_middle_axis": (lambda: layers.LayerNormalization(axis=1, center=False), (3, 4, 2)),
    "layer_norm_rms_scaling": (lambda: layers.LayerNormalization(rms_scaling=True), (6,)),
    "layer_norm_plain": (lambda: layers.LayerNormalization(scale=False, center=False), (4,)),
    "group_norm": (lambda: layers.GroupNormalization(groups=2), (3, 4)),
    "group_norm_channels_first": (lambda: layers.GroupNormalization(groups=3, axis=1), (6, 2, 2)),
    "group_norm_instance": (lambda: layers.GroupNormalization(groups=-1, center=False), (5, 3)),
    "group_norm_one_group": (lambda: layers.GroupNormalization(groups=1, scale=False), (2, 2, 4)),
    "rms_norm": (lambda: layers.RMSNormalization(), (3, 5)),
    "rms_norm_axes": (lambda: layers.RMSNormalization(axis=[1, 2], epsilon=0.1), (3, 2)),
    "unit_norm": (lambda: layers.UnitNormalization(), (5,)),
    "unit_norm_axes": (lambda: layers.UnitNormalization(axis=[1, 2]), (3, 4)),
}


@pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`, which is deprecated")
@pytest.mark.parametrize("case", sorted(NORMALIZATIONS))
def test_normalization_layers(case, tmp_path):
    make, shape = NORMALIZATIONS[case]
    inputs = Input(shape, name="x")
    model = Model(inputs, make()(inputs), name=case)
    _randomize(model)
    xs = random_inputs(model, 3)
    xs[0][0] = 0.0  # a zero row: epsilon decides (unit norm's clamp)
    check_onnx(model, [xs, random_inputs(model, 1, seed=1)], tmp_path)


def test_normalizations_of_dynamic_sizes(tmp_path):
    """Sizes known only at run time: a group norm's split reads them with Shape nodes."""
    inputs = Input((None, None, 6), name="image")
    h = layers.GroupNormalization(groups=3)(inputs)
    h = layers.RMSNormalization()(layers.LayerNormalization()(h))
    model = Model(inputs, layers.UnitNormalization(axis=[1, 2])(h), name="dynamic_sizes")
    _randomize(model)
    check_onnx(model, [random_inputs(model, 2, length=3), random_inputs(model, 1, seed=1, length=5)], tmp_path)


def test_normalization_ops(tmp_path):
    """keras.ops: layer_normalization, rms_normalization, normalize, batch_normalization,
    moments, on a dynamic-length input."""
    x = Input((None, 4), name="x")
    gamma, beta = np.linspace(0.5, 1.5, 4).astype("float32"), np.linspace(-1, 1, 4).astype("float32")
    mean, var = np.linspace(-0.5, 0.5, 4).astype("float32"), np.linspace(0.5, 2, 4).astype("float32")
    outputs = [
        ops.layer_normalization(x, gamma, beta, epsilon=1e-3),
        ops.rms_normalization(x, gamma, axis=-1),
        ops.normalize(x, axis=1),
        ops.normalize(x, axis=-1, order=1),
        ops.batch_normalization(x, mean, var, axis=-1, offset=beta, scale=gamma),
        *ops.moments(x, axes=[1]),
    ]
    model = Model(x, outputs, name="normalization_ops")
    check_onnx(model, [random_inputs(model, 2, length=5), random_inputs(model, 3, seed=1, length=1)], tmp_path)


# -- dropout -----------------------------------------------------------------------------


@pytest.mark.parametrize("noise_shape", [None, (None, 1, 4)])
def test_dropout_called_in_training_mode(noise_shape, tmp_path):
    """Dropout(training=True) in a prediction graph stays random: ONNX's Dropout in training
    mode. Its masks are its own, so the check is the rule: each output is 0 or x / (1 - rate),
    a share of about `rate` dropped (the same positions along a noise_shape's size-1 axis)."""
    ids = Input((50,), dtype="int64", name="ids")
    wrapper = _InTrainingMode(layers.Dropout(0.25, noise_shape=noise_shape, seed=1))
    model = Model(ids, wrapper(ids), name="dropout_training")
    ids = np.random.default_rng(0).integers(1, 9, size=(40, 50))
    path = str(tmp_path / "dropout.onnx")
    model.export(path, format="onnx")
    onnx.checker.check_model(onnx.load(path), full_check=True)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    (y,) = session.run(None, {session.get_inputs()[0].name: ids})
    x = np.asarray(wrapper.embedding.embeddings)[ids]
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / 0.75, rtol=1e-6)
    assert 0.2 < 1 - kept.mean() < 0.3
    if noise_shape is not None:
        assert (kept == kept[:, :1]).all()


@pytest.mark.parametrize("opset", [18, onnx.defs.onnx_opset_version()])
def test_new_converters_at_the_oldest_and_newest_opsets(opset, tmp_path):
    ids = Input((6,), dtype="int64", name="ids")
    h = layers.Embedding(9, 4, mask_zero=True)(ids)
    h = layers.Bidirectional(layers.GRU(3, return_sequences=True))(h)
    h = layers.GroupNormalization(groups=2)(layers.LayerNormalization()(h))
    h = layers.SimpleRNN(4, return_sequences=True)(layers.RMSNormalization()(h))
    h = layers.BatchNormalization()(layers.Conv1D(4, 2)(h))
    model = Model(ids, layers.UnitNormalization()(layers.GRU(2, reset_after=False)(h)), name=f"opset_{opset}")
    _randomize(model)
    proto = check_onnx(model, [[_ids(3, 6, 10)]], tmp_path, opset_version=opset)
    assert proto.opset_import[0].version == opset
