"""The functional API: symbolic tensors, nodes, shared layers, nested models, Sequential,
naming and the node accessors, with Keras 3's behaviour as the reference."""

import numpy as np
import pytest

import dagnet
from dagnet import Input, Model, Sequential, layers, utils
from dagnet.keras_tensor import KerasTensor


@pytest.fixture(autouse=True)
def fresh_names():
    utils.clear_session()
    yield


def test_input_is_symbolic_with_history():
    x = Input(shape=(32,), name="img")
    assert isinstance(x, KerasTensor)
    assert x.shape == (None, 32) and x.dtype == "float32" and x.name == "img"
    layer, node_index, tensor_index = x._keras_history
    assert isinstance(layer, layers.InputLayer) and (node_index, tensor_index) == (0, 0)
    assert x._keras_history.layer is layer  # Keras 2 spelling
    assert Input(shape=(None, 5), batch_size=8).shape == (8, None, 5)
    assert Input(shape=(3,), dtype="int32").dtype == "int32"
    with pytest.raises(ValueError, match="You must pass a `shape` argument"):
        Input()
    with pytest.raises(ValueError, match="both `shape` and `batch_shape`"):
        Input(shape=(3,), batch_shape=(None, 3))


def test_symbolic_tensors_refuse_concrete_use():
    x = Input(shape=(3,))
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(x)
    with pytest.raises(TypeError, match="symbolic"):
        bool(x)


def test_auto_names_follow_keras():
    x = Input(shape=(4,))
    assert x._keras_history.operation.name == "input_layer"
    d1, d2 = layers.Dense(2), layers.Dense(2)
    assert (d1.name, d2.name) == ("dense", "dense_1")
    assert layers.Conv2D(1, 3).name == "conv2d"
    assert layers.MaxPooling2D().name == "max_pooling2d"
    assert layers.GlobalAveragePooling1D().name == "global_average_pooling1d"
    assert layers.LSTM(2).name == "lstm" and layers.TimeDistributed(layers.Dense(1)).name == "time_distributed"
    model = Model(x, d1(x))
    assert model.name == "functional"
    assert Model(x, d2(x)).name == "functional_1"
    assert Sequential().name == "sequential"


def test_calling_a_layer_adds_a_node_and_builds_weights():
    x = Input(shape=(4,))
    dense = layers.Dense(3, activation="relu")
    assert not dense.built
    y = dense(x)
    assert dense.built and y.shape == (None, 3)
    assert [w.shape for w in dense.weights] == [(4, 3), (3,)]
    assert [w.name for w in dense.weights] == ["kernel", "bias"]
    assert len(dense._inbound_nodes) == 1
    assert dense.input is x and dense.output is y
    assert dense.input_shape == (None, 4) and dense.output_shape == (None, 3)
    assert dense.count_params() == 15
    assert y._keras_history == (dense, 0, 0)


def test_shared_layer_nodes_and_accessors():
    a, b = Input(shape=(5,)), Input(shape=(5,))
    shared = layers.Dense(2)
    _, yb = shared(a), shared(b)
    assert len(shared._inbound_nodes) == 2
    assert shared.get_input_at(0) is a and shared.get_input_at(1) is b
    assert shared.get_output_at(1) is yb
    assert shared.get_input_shape_at(1) == (None, 5) and shared.get_output_shape_at(0) == (None, 2)
    assert shared.output_shape == (None, 2)  # all nodes agree
    assert yb._keras_history.node_index == 1
    with pytest.raises(AttributeError, match="get_output_at"):
        shared.output
    with pytest.raises(AttributeError, match="get_input_at"):
        shared.input
    with pytest.raises(ValueError, match="Asked to get output at node 2, but the layer has only 2 inbound nodes"):
        shared.get_output_at(2)
    with pytest.raises(RuntimeError, match="has never been called"):
        layers.Dense(3).get_output_at(0)
    with pytest.raises(AttributeError, match="has never been called"):
        layers.Dense(3).output


def test_shared_layer_with_different_shapes_has_no_single_input_shape():
    conv = layers.Dense(3)
    conv(Input(shape=(4,)))
    conv(Input(shape=(2, 4)))
    with pytest.raises(AttributeError, match="get_input_shape_at"):
        conv.input_shape


def test_output_names_are_the_output_layers_names_as_keras():
    """Keras 3.15: output layers' names in flattened order (a dict's sorted keys), repeats
    kept, assignable; the history still names a dict's outputs by their keys."""
    x = Input(shape=(3,), name="x")
    seq, state = layers.GRU(2, return_sequences=True, return_state=True, name="rnn")(layers.Reshape((3, 1))(x))
    assert Model(x, [seq, state]).output_names == ["rnn", "rnn"]
    q = layers.Dense(2, name="second")(x)
    p = layers.Dense(1, name="first")(x)
    model = Model(x, {"q": q, "p": p})
    assert model.output_names == ["first", "second"]
    model.compile("sgd", {"p": "mse", "q": "mse"})
    history = model.fit(np.ones((4, 3)), {"p": np.ones((4, 1)), "q": np.ones((4, 2))}, verbose=0)
    assert sorted(history.history) == ["loss", "p_loss", "q_loss"]
    model.output_names = ["a", "b"]
    assert model.output_names == ["a", "b"]


def test_model_structure_layers_order_and_names():
    a = Input(shape=(4,), name="a")
    b = Input(shape=(3,), name="b")
    ha = layers.Dense(8, name="ha")(a)
    hb = layers.Dense(8, name="hb")(b)
    merged = layers.concatenate([ha, hb], name="merge")
    out = layers.Dense(1, name="out")(merged)
    model = Model(inputs=[a, b], outputs=out, name="two")
    assert [l.name for l in model.layers] == ["a", "b", "ha", "hb", "merge", "out"]
    assert model.inputs == [a, b] and model.outputs == [out]
    assert model.input == [a, b] and model.output is out
    assert model.input_names == ["a", "b"] and model.output_names == ["out"]
    assert model.input_shape == [(None, 4), (None, 3)] and model.output_shape == (None, 1)
    assert model.get_layer("merge").name == "merge" and model.get_layer(index=2).name == "ha"
    assert model.count_params() == 40 + 32 + 17
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="Was asked to retrieve layer at index 9 but model only has 6 layers"):
        model.get_layer(index=9)
    with pytest.raises(ValueError, match="Provide only a layer name or a layer index"):
        model.get_layer("a", 0)
    with pytest.raises(ValueError, match="Provide either a layer name or layer index"):
        model.get_layer()
    with pytest.raises(AttributeError, match="reserved"):
        model.layers = []


def test_model_called_on_arrays_and_dicts():
    a = Input(shape=(4,), name="a")
    b = Input(shape=(3,), name="b")
    out = layers.Dense(2)(layers.concatenate([layers.Dense(5)(a), layers.Dense(5)(b)]))
    model = Model([a, b], out)
    xa = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    xb = np.random.default_rng(1).standard_normal((6, 3)).astype(np.float32)
    by_list = model([xa, xb])
    by_dict = model({"b": xb, "a": xa})
    np.testing.assert_array_equal(by_list, by_dict)
    assert by_list.shape == (6, 2)
    with pytest.raises(ValueError, match="missing data for input"):
        model({"a": xa})


def test_eager_layer_call_matches_numpy():
    dense = layers.Dense(3, activation="tanh")
    x = np.random.default_rng(2).standard_normal((5, 4)).astype(np.float32)
    y = dense(x)
    kernel, bias = dense.get_weights()
    np.testing.assert_allclose(y, np.tanh(x @ kernel + bias), rtol=1e-5, atol=1e-6)
    assert isinstance(y, np.ndarray)


def test_model_as_layer_shares_weights_and_nests():
    inner_in = Input(shape=(4,))
    inner = Model(inner_in, layers.Dense(3, name="inner_dense")(inner_in), name="encoder")
    x1, x2 = Input(shape=(4,)), Input(shape=(4,))
    y1, y2 = inner(x1), inner(x2)
    assert y1.shape == (None, 3) and y1._keras_history == (inner, 0, 0) and y2._keras_history.node_index == 1
    outer = Model([x1, x2], layers.add([y1, y2]), name="outer")
    assert outer.count_params() == inner.count_params() == 15
    assert len(outer.weights) == 2
    data = np.ones((2, 4), np.float32)
    single = inner(data)
    np.testing.assert_allclose(outer([data, data]), 2 * single, rtol=1e-6)
    # Weights changed through the inner model are seen by the outer one (one copy).
    inner.get_layer("inner_dense").set_weights([np.ones((4, 3)), np.zeros(3)])
    np.testing.assert_allclose(outer([data, data]), np.full((2, 3), 8.0))
    # Nest again.
    top_in = Input(shape=(4,))
    top = Model(top_in, outer([top_in, top_in]))
    np.testing.assert_allclose(top(data), np.full((2, 3), 8.0))


def test_instrumentation_model_on_internal_tensors():
    x = Input(shape=(6,))
    h1 = layers.Dense(5, activation="relu", name="h1")(x)
    h2 = layers.Dense(4, activation="relu", name="h2")(h1)
    out = layers.Dense(2, name="out")(h2)
    model = Model(x, out)
    probe = Model(inputs=model.input, outputs=[layer.output for layer in model.layers[1:]])
    data = np.random.default_rng(3).standard_normal((3, 6)).astype(np.float32)
    acts = probe(data)
    assert [a.shape for a in acts] == [(3, 5), (3, 4), (3, 2)]
    np.testing.assert_allclose(acts[-1], model(data), rtol=1e-6)


def test_sequential_forms():
    seq = Sequential([layers.Dense(4, activation="relu", input_shape=(3,)), layers.Dense(2)])
    assert seq.built and seq.output_shape == (None, 2)
    assert [l.name for l in seq.layers] == ["dense", "dense_1"]
    assert seq.count_params() == 16 + 10
    seq2 = Sequential()
    seq2.add(Input(shape=(3,)))
    seq2.add(layers.Dense(2))
    assert seq2.output_shape == (None, 2)
    deferred = Sequential([layers.Dense(2)])
    assert not deferred.built
    x = Input(shape=(7,))
    y = deferred(x)
    assert y.shape == (None, 2) and deferred.count_params() == 16
    # A Sequential inside a functional model.
    z = layers.Dense(1)(seq(Input(shape=(3,))))
    assert z.shape == (None, 1)
    with pytest.raises(ValueError, match="unique names"):
        Sequential([layers.Dense(1, name="d"), layers.Dense(1, name="d")])


def test_get_and_set_weights_layouts_and_errors():
    dense = layers.Dense(3)
    dense(Input(shape=(2,)))
    w = [np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, 2, 3], np.float32)]
    dense.set_weights(w)
    for got, want in zip(dense.get_weights(), w):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="weight shape \\(2, 3\\) is not compatible with provided weight shape"):
        dense.set_weights([np.zeros((3, 2)), np.zeros(3)])
    with pytest.raises(ValueError, match="expecting 2 weights"):
        dense.set_weights([np.zeros((2, 3))])
    with pytest.raises(ValueError, match="isn't built"):
        layers.Dense(3).count_params()


def test_trainable_flag_moves_weights():
    x = Input(shape=(3,))
    d = layers.Dense(2)
    model = Model(x, d(x))
    assert len(model.trainable_weights) == 2 and not model.non_trainable_weights
    d.trainable = False
    assert not model.trainable_weights and len(model.non_trainable_weights) == 2
    model.trainable = False
    d.trainable = True
    assert not model.trainable_weights


def test_seeded_initializers_are_reproducible():
    from dagnet import initializers

    a = layers.Dense(4, kernel_initializer=initializers.GlorotUniform(seed=3))
    b = layers.Dense(4, kernel_initializer=initializers.GlorotUniform(seed=3))
    a(Input(shape=(5,)))
    b(Input(shape=(5,)))
    np.testing.assert_array_equal(a.get_weights()[0], b.get_weights()[0])
    limit = np.sqrt(6 / (5 + 4))
    assert np.abs(a.get_weights()[0]).max() <= limit
    utils.set_random_seed(1)
    c = layers.Dense(4)
    c(Input(shape=(5,)))
    utils.set_random_seed(1)
    d = layers.Dense(4)
    d(Input(shape=(5,)))
    np.testing.assert_array_equal(c.get_weights()[0], d.get_weights()[0])


def test_build_time_errors_name_the_layer():
    a, b = Input(shape=(4,)), Input(shape=(5,))
    with pytest.raises(
        ValueError, match=r"Inputs have incompatible shapes. Received shapes \(4,\) and \(5,\) \(layer \"add\"\)"
    ):
        layers.Add(name="add")([a, b])
    with pytest.raises(
        ValueError, match=r"requires inputs with matching shapes except for the concatenation axis.*layer \"cat\""
    ):
        layers.Concatenate(name="cat")([a, Input(shape=(2, 3))])
    with pytest.raises(ValueError, match='Input 0 of layer "d" is incompatible with the layer: expected axis -1'):
        d = layers.Dense(2, name="d")
        d(a)
        d(b)
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
        layers.Dense(2)(Input(batch_shape=(4,)))
    with pytest.raises(ValueError, match="should be called on a list of at least 2 inputs"):
        layers.Add()([a])


def test_graph_errors():
    a, b = Input(shape=(3,), name="a"), Input(shape=(3,), name="b")
    y = layers.Dense(2)(b)
    with pytest.raises(ValueError, match="Graph disconnected"):
        Model(a, y)
    x = Input(shape=(3,))
    h = layers.Dense(2, name="same")(x)
    with pytest.raises(ValueError, match='The name "same" is used 2 times'):
        Model(x, layers.Dense(2, name="same")(h))
    with pytest.raises(ValueError, match="All `outputs` values must be KerasTensors"):
        Model(x, 0)
    with pytest.raises(ValueError, match="redundant"):
        Model([x, x], h)


def test_raw_ops_on_symbolic_tensors_are_operations_not_layers():
    x = Input(shape=(3,))
    y = layers.Dense(3)(x)
    z = dagnet.ops.relu(y)
    model = Model(x, z)
    assert [type(l).__name__ for l in model.layers] == ["InputLayer", "Dense"]
    assert len(model.operations) == 3
    data = np.random.default_rng(4).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(model(data), np.maximum(model.layers[1](data), 0), rtol=1e-6)


def test_elementwise_merges_broadcast_size_one_dims_as_keras():
    rng = np.random.default_rng(5)
    a, b = Input(shape=(3, 1)), Input(shape=(3, 4))
    xa, xb = rng.standard_normal((2, 3, 1)).astype("float32"), rng.standard_normal((2, 3, 4)).astype("float32")
    for layer, want in [
        (layers.Add(), xa + xb),
        (layers.Average(), (xa + xb) / 2),
        (layers.Multiply(), xa * xb),
        (layers.Maximum(), np.maximum(xa, xb)),
        (layers.Subtract(), xa - xb),
    ]:
        out = layer([a, b])
        assert out.shape == (None, 3, 4)
        np.testing.assert_allclose(Model([a, b], out).predict([xa, xb], verbose=0), want, rtol=1e-6)


def test_one_output_list_unpacks_on_arrays_as_keras3():
    """Keras 3: a model built with outputs=[o] returns the bare array from predict,
    predict_on_batch and an eager call, but a symbolic call keeps the list."""
    i = Input((3,))
    o = layers.Dense(2)(i)
    x = np.ones((4, 3), "float32")
    for outputs in ([o], (o,)):
        model = Model(i, outputs)
        assert isinstance(model.predict(x, verbose=0), np.ndarray)
        assert isinstance(model.predict_on_batch(x), np.ndarray)
        assert model(x).shape == (4, 2)
        symbolic = model(Input((3,)))
        assert isinstance(symbolic, (list, tuple)) and len(symbolic) == 1
    assert isinstance(Model(i, o).output, type(o)) and isinstance(Model(i, [o]).output, list)
