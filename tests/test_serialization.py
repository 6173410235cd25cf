"""get_config / from_config, JSON and clone_model in Keras 3's format, including a model
config written by real Keras 3.15 (fixtures/keras3_model.json)."""

import json
import os

import numpy as np
import pytest

import dagnet
from dagnet import Input, Model, Sequential, layers, models, ops, saving, utils

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


@pytest.fixture(autouse=True)
def fresh():
    utils.clear_session()


def shared_nested_model():
    vin = Input(shape=(6,))
    inner = Model(vin, layers.Dense(4, activation="tanh", name="enc_dense")(vin), name="encoder")
    a, b = Input(shape=(6,), name="a"), Input(shape=(6,), name="b")
    shared = layers.Dense(4, name="shared")
    merged = layers.concatenate([shared(inner(a)), shared(inner(b))])
    return Model([a, b], layers.Dense(1, activation="sigmoid", name="out")(merged), name="siamese")


def test_functional_json_round_trip_is_identical():
    model = shared_nested_model()
    text = model.to_json()
    config = json.loads(text)
    assert config["class_name"] == "Functional" and config["config"]["name"] == "siamese"
    assert config["config"]["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    shared = next(l for l in config["config"]["layers"] if l["name"] == "shared")
    assert len(shared["inbound_nodes"]) == 2
    encoder_refs = [n["args"][0]["config"]["keras_history"] for n in shared["inbound_nodes"]]
    assert encoder_refs == [["encoder", 0, 0], ["encoder", 1, 0]]
    rebuilt = models.model_from_json(text)
    assert rebuilt.to_json() == text
    assert [l.name for l in rebuilt.layers] == [l.name for l in model.layers]
    assert rebuilt.count_params() == model.count_params()


def test_rebuilt_model_predicts_like_the_original_after_set_weights():
    model = shared_nested_model()
    rebuilt = Model.from_config(model.get_config())
    rebuilt.set_weights(model.get_weights())
    rng = np.random.default_rng(0)
    xa, xb = rng.standard_normal((3, 6)).astype("float32"), rng.standard_normal((3, 6)).astype("float32")
    np.testing.assert_array_equal(rebuilt([xa, xb]), model([xa, xb]))


def test_clone_model_has_new_weights_same_structure():
    model = shared_nested_model()
    clone = models.clone_model(model)
    assert clone.count_params() == model.count_params()
    assert all(w1 is not w2 for w1, w2 in zip(clone.weights, model.weights))
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]


def test_sequential_round_trip():
    seq = Sequential([Input(shape=(5,)), layers.Dense(3, activation="relu"), layers.Dropout(0.2), layers.Dense(1)])
    rebuilt = Sequential.from_config(seq.get_config())
    assert rebuilt.count_params() == seq.count_params() and rebuilt.output_shape == (None, 1)
    assert json.loads(models.model_from_json(seq.to_json()).to_json()) == json.loads(seq.to_json())


def test_every_layer_type_round_trips():
    tok = Input(shape=(None,), dtype="int32")
    e = layers.Embedding(30, 6, mask_zero=True)(tok)
    l = layers.LSTM(5, return_sequences=True)(e)
    td = layers.TimeDistributed(layers.Dense(3))(l)
    c1 = layers.Conv1D(4, 3, padding="causal", dilation_rate=2)(td)
    p1 = layers.GlobalMaxPooling1D()(layers.MaxPooling1D(2, padding="same")(c1))
    img = Input(shape=(8, 8, 2))
    c2 = layers.Conv2D(3, (3, 2), strides=2, padding="same", activation="elu")(img)
    p2 = layers.Flatten()(layers.AveragePooling2D(2, padding="same")(c2))
    r = layers.Reshape((3, -1))(p2)
    g = layers.GlobalAveragePooling1D()(r)
    merged = layers.concatenate([p1, g, layers.Average()([p1, p1]), layers.Maximum()([p1, p1])])
    out = layers.Dense(2, activation="softmax", kernel_regularizer=dagnet.regularizers.l2(0.01))(
        layers.Activation("relu")(merged)
    )
    model = Model([tok, img], out)
    text = model.to_json()
    rebuilt = models.model_from_json(text)
    assert rebuilt.to_json() == text
    rebuilt.set_weights(model.get_weights())
    rng = np.random.default_rng(1)
    data = [rng.integers(0, 30, (2, 7)).astype("int32"), rng.standard_normal((2, 8, 8, 2)).astype("float32")]
    np.testing.assert_allclose(rebuilt(data), model(data), rtol=1e-6)


def test_custom_layer_with_registration_and_custom_objects():
    @saving.register_keras_serializable(package="Tests")
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    class Plain(layers.Layer):
        def call(self, x):
            return ops.square(x)

    x = Input(shape=(3,))
    model = Model(x, Plain(name="plain")(Scale(3.0, name="scale")(x)))
    config = model.get_config()
    scale = next(l for l in config["layers"] if l["name"] == "scale")
    assert scale["registered_name"] == "Tests>Scale" and scale["config"]["factor"] == 3.0
    with pytest.raises(ValueError, match="Could not locate class 'Plain'"):
        Model.from_config(config)
    rebuilt = Model.from_config(config, custom_objects={"Plain": Plain})
    np.testing.assert_allclose(rebuilt(np.ones((1, 3), "float32")), [[9.0, 9.0, 9.0]])


def test_lambda_round_trip_needs_safe_mode_off():
    x = Input(shape=(2,))
    model = Model(x, layers.Lambda(lambda t: t * 3 + 1)(x))
    with pytest.raises(ValueError, match="safe_mode=False"):
        models.model_from_json(model.to_json())  # Keras 3: safe mode is on by default
    rebuilt = saving.deserialize_keras_object(json.loads(model.to_json()), safe_mode=False)
    np.testing.assert_allclose(rebuilt(np.ones((1, 2), "float32")), [[4.0, 4.0]])


def test_loads_a_model_config_written_by_keras():
    with open(os.path.join(FIXTURES, "keras3_model.json")) as f:
        model = models.model_from_json(f.read())
    assert model.name == "combo" and model.count_params() == 1000
    assert [l.name for l in model.layers] == [
        "a",
        "b",
        "vision",
        "seq",
        "concatenate",
        "embedding",
        "dense",
        "lstm",
        "concatenate_1",
        "out",
    ]
    rng = np.random.default_rng(2)
    imgs = rng.uniform(size=(2, 8, 8, 1)).astype("float32")
    out = model([imgs, imgs, np.array([[1, 2, 0], [3, 0, 0]], "int32")])
    assert out.shape == (2, 1) and np.all((out > 0) & (out < 1))


def test_invalid_configs_raise():
    model = shared_nested_model()
    config = model.get_config()
    config["layers"] = [l for l in config["layers"] if l["name"] != "encoder"]
    with pytest.raises(ValueError, match="Missing node: encoder"):
        Model.from_config(config)
