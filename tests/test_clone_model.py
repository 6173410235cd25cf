"""models.clone_model with Keras 3's signature (input_tensors, clone_function, call_function,
recursive); the outcomes below are what Keras 3.15 gives for the same script."""

import numpy as np
import pytest

import dagnet
from dagnet import Input, Model, Sequential, layers as L, models, utils


def _model():
    utils.clear_session()
    x = Input((4,), name="x")
    inner = Sequential([Input((3,)), L.Dense(2, name="sd")], name="inner")
    model = Model(x, inner(L.Dense(3, name="d")(x)), name="m")
    model.compile("sgd", "mse")
    return model


def _rename_dense(layer):
    config = layer.get_config()
    if isinstance(layer, L.Dense):
        config["name"] += "_c"
    return type(layer).from_config(config)


def _dropout_after_dense(layer, *args, **kwargs):
    out = layer(*args, **kwargs)
    return L.Dropout(0.5)(out) if isinstance(layer, L.Dense) else out


def test_clone_function_and_call_function():
    model = _model()
    clone = models.clone_model(model, clone_function=_rename_dense, call_function=_dropout_after_dense)
    assert [l.name for l in clone.layers] == ["x", "d_c", "dropout", "inner"]
    assert clone.compiled and clone.name == "m"
    assert clone.get_layer("inner") is not model.get_layer("inner")


def test_recursive_clones_nested_models_layer_by_layer():
    clone = models.clone_model(_model(), clone_function=_rename_dense, recursive=True)
    assert [l.name for l in clone.layers] == ["x", "d_c", "inner"]
    assert [l.name for l in clone.layers[2].layers] == ["sd_c"]


def test_input_tensors():
    model = _model()
    t = Input((4,), name="t")
    clone = models.clone_model(model, input_tensors=t)
    assert clone.inputs[0] is t and [l.name for l in clone.layers] == ["t", "d", "inner"]
    seq = models.clone_model(model.get_layer("inner"), input_tensors=[Input((3,), name="q")])
    assert [l.name for l in seq.layers] == ["sd"] and seq.inputs[0].name == "q"
    with pytest.raises(ValueError, match="call_function"):
        models.clone_model(model.get_layer("inner"), call_function=_dropout_after_dense)
    with pytest.raises(ValueError, match="same structure"):
        models.clone_model(model, input_tensors=[t, Input((4,))])


def test_clone_function_can_keep_layers_and_weights():
    model = _model()
    same = models.clone_model(model, clone_function=lambda layer: layer)
    a = np.ones((2, 4), "float32")
    np.testing.assert_array_equal(same.predict(a, verbose=0), model.predict(a, verbose=0))
    assert same.get_layer("d") is model.get_layer("d")


def test_shared_layer_stays_shared_in_the_clone():
    utils.clear_session()
    a, b = Input((3,)), Input((3,))
    shared = L.Dense(2)
    model = Model([a, b], L.add([shared(a), shared(b)]))
    clone = models.clone_model(model)
    dense = [l for l in clone.layers if isinstance(l, L.Dense)]
    assert len(dense) == 1 and len(dense[0]._inbound_nodes) == 2


def test_input_with_tensor_reuses_it():
    t = Input((5,), name="t5")
    x = Input(tensor=t)
    assert x is t and x._keras_history.operation.batch_shape == (None, 5)


def test_saving_namespace():
    from dagnet import saving

    assert dagnet.saving is saving
    for name in (
        "serialize_keras_object",
        "deserialize_keras_object",
        "register_keras_serializable",
        "get_registered_object",
        "get_registered_name",
        "custom_object_scope",
        "CustomObjectScope",
        "get_custom_objects",
        "save_model",
        "load_model",
        "save_weights",
        "load_weights",
    ):
        assert callable(getattr(saving, name)), name
    layer = L.Dense(3, name="dd")
    config = saving.serialize_keras_object(layer)
    assert config["module"] == "keras.layers" and config["class_name"] == "Dense"
    assert saving.deserialize_keras_object(config).get_config() == layer.get_config()
