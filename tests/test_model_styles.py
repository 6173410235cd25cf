"""The three model styles beyond the numbers test_model_styles_keras3.py compares with Keras:
deferred Sequential builds (any batch size, free lengths, rebuilds), subclassed models
(traced once per input signature, tracking, saving, nesting), functional subclasses, the
losses from inside a model, and the errors that say what to do."""

import json
import warnings

import numpy as np
import pytest

import dagnet
from dagnet import Input, Model, Sequential, layers, ops

RNG = np.random.default_rng(0)


def _xy(n=32, features=5, outputs=2):
    return RNG.normal(size=(n, features)).astype("float32"), RNG.normal(size=(n, outputs)).astype("float32")


# -- deferred Sequential ---------------------------------------------------------------------
def test_deferred_sequential_takes_any_batch_size_after_its_first_call():
    x, y = _xy()
    model = Sequential([layers.Dense(8, activation="relu"), layers.Dense(2)])
    model(x[:2])  # built on a batch of 2 ...
    model.compile("sgd", "mse")
    model.fit(x, y, batch_size=32, verbose=0)  # ... trains on 32 and predicts on 7
    assert model.predict(x[:7], verbose=0).shape == (7, 2)
    assert model.inputs[0].shape == (None, 5)


def test_unbuilt_sequential_says_what_keras_says():
    model = Sequential([layers.Dense(3)])
    assert not model.built and model.weights == []
    with pytest.raises(ValueError, match="isn't built"):
        model.count_params()
    with pytest.raises(AttributeError, match="no defined inputs yet: it builds on its first call"):
        model.inputs
    model.build()  # Keras 3 builds nothing without a shape (and yet calls the model built)
    assert model.built and model.weights == []
    model.build((None, 4))
    assert model.count_params() == 15 and model.inputs[0].shape == (None, 4)


def test_a_length_the_weights_fix_stays_fixed():
    x = RNG.normal(size=(4, 10, 3)).astype("float32")
    model = Sequential([layers.Conv1D(4, 3), layers.Flatten(), layers.Dense(2)])
    model(x)
    assert model.inputs[0].shape == (None, 10, 3)  # Flatten's width reaches the Dense kernel
    with pytest.raises(ValueError, match=r"expected shape=\(None, 10, 3\), found shape=\(2, 12, 3\)"):
        model.predict(np.zeros((2, 12, 3), "float32"), verbose=0)


def test_adding_a_layer_rebuilds_from_the_first_data_shape():
    tokens = RNG.integers(0, 10, size=(4, 7))
    model = Sequential([layers.Embedding(10, 3)])
    model(tokens)
    assert model.inputs[0].shape == (None, None)  # an embedding takes any length
    model.add(layers.Flatten())
    model.add(layers.Dense(1))  # needs the length the model was first built for
    assert model.inputs[0].shape == (None, 7)
    assert model.predict(tokens, verbose=0).shape == (4, 1)


def test_deferred_sequential_round_trips_through_a_keras_file(tmp_path):
    x, y = _xy()
    model = Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    model.compile("adam", "mse")
    model.fit(x, y, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = dagnet.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(x[:3], verbose=0), model.predict(x[:3], verbose=0), rtol=1e-6)
    assert loaded.get_config()["build_input_shape"] == [None, 5]


# -- subclassed models -----------------------------------------------------------------------
class Recurrent(Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.embed = layers.Embedding(10, 3)
        self.lstm = layers.LSTM(4)
        self.out = layers.Dense(1)
        self.traces = 0

    def call(self, inputs, training=None):
        self.traces += 1  # Python runs only while the model is traced
        return self.out(self.lstm(self.embed(inputs)))


def test_call_is_traced_once_per_input_signature_not_per_step():
    tokens, y = RNG.integers(0, 10, size=(64, 7)), RNG.normal(size=(64, 1)).astype("float32")
    model = Recurrent()
    model.compile("sgd", "mse")
    model.fit(tokens, y, batch_size=4, verbose=0)
    traces = model.traces
    model.fit(tokens, y, batch_size=4, epochs=3, verbose=0)  # 48 more steps
    assert model.traces == traces
    assert model.predict(RNG.integers(0, 10, size=(5, 9)), verbose=0).shape == (5, 1)  # any length
    assert model.traces == traces + 1  # the prediction graph


class Small(Model):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = layers.Dense(units, activation="relu")

    def call(self, inputs):
        return self.dense(inputs)


def test_subclassed_model_nests_in_a_functional_model():
    x, y = _xy(outputs=1)
    inputs = Input((5,))
    small = Small(name="small")
    model = Model(inputs, layers.Dense(1)(small(inputs)))
    model.compile("sgd", "mse")
    before = small.get_weights()
    model.fit(x, y, verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(before, small.get_weights()))
    assert [layer.name for layer in model.layers][1] == "small"


def test_build_traces_call_and_summary_lists_the_layers():
    model = Small(name="small_model")
    lines = []
    model.summary(print_fn=lines.append)
    assert "?" in lines[0] and "0 (unbuilt)" in lines[0]
    model.build((None, 5))
    assert model.built and [w.shape for w in model.weights] == [(5, 3), (3,)]
    lines = []
    model.summary(print_fn=lines.append)
    assert "(None, 3)" in lines[0] and " Total params: 18 " in lines[0]


def test_trainable_flags_reach_layers_in_lists_and_dicts():
    class Holder(Model):
        def __init__(self):
            super().__init__()
            self.stack = [layers.Dense(2), layers.Dense(2)]
            self.named = {"last": layers.Dense(1)}

        def call(self, x):
            for layer in self.stack:
                x = layer(x)
            return self.named["last"](x)

    model = Holder()
    model(np.ones((1, 3), "float32"))
    assert len(model.trainable_weights) == 6 and len(model.layers) == 3
    model.stack[0].trainable = False
    assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 2
    model.trainable = False
    assert model.trainable_weights == [] and not model.named["last"].trainable


def test_unregistered_subclass_loads_with_custom_objects(tmp_path):
    x, y = _xy(outputs=3)
    model = Small(units=3)
    model.compile("sgd", "mse")
    model.fit(x, y, verbose=0)
    assert model.get_config()["units"] == 3
    entry = json.loads(model.to_json())
    assert (entry["module"], entry["class_name"], entry["registered_name"]) == (None, "Small", "Small")  # Keras 3
    model.save(tmp_path / "small.keras")
    loaded = dagnet.models.load_model(tmp_path / "small.keras", custom_objects={"Small": Small})
    assert isinstance(loaded, Small) and loaded.units == 3
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    model.save_weights(tmp_path / "small.weights.h5")
    fresh = Small(units=3)
    fresh.build((None, 5))
    fresh.load_weights(tmp_path / "small.weights.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_a_subclass_with_non_serializable_arguments_must_write_get_config():
    class Wrapping(Model):
        def __init__(self, inner, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner

        def call(self, x):
            return self.inner(x)

    model = Wrapping(layers.Dense(2))
    with pytest.raises(NotImplementedError, match="must override `get_config\\(\\)`"):
        model.get_config()


def test_subclassed_inputs_as_list_tuple_and_dict():
    class Pair(Model):
        def __init__(self):
            super().__init__()
            self.left, self.right = layers.Dense(2), layers.Dense(2)

        def call(self, inputs):
            a, b = (inputs["a"], inputs["b"]) if isinstance(inputs, dict) else inputs
            return self.left(a) + self.right(b)

    a, b = RNG.normal(size=(8, 3)).astype("float32"), RNG.normal(size=(8, 4)).astype("float32")
    y = RNG.normal(size=(8, 2)).astype("float32")
    for x in ([a, b], (a, b), {"a": a, "b": b}):
        model = Pair()
        model.compile("sgd", "mse")
        assert np.isfinite(model.fit(x, y, batch_size=4, verbose=0).history["loss"][0])
        assert model.predict_on_batch(x).shape == (8, 2)
        assert np.isfinite(model.train_on_batch(x, y)) and np.isfinite(model.test_on_batch(x, y))


def test_subclassed_list_outputs_name_their_losses_as_keras():
    class Heads(Model):
        def __init__(self):
            super().__init__()
            self.a, self.b = layers.Dense(2), layers.Dense(3)

        def call(self, x):
            return [self.a(x), self.b(x)]

    x = RNG.normal(size=(8, 5)).astype("float32")
    model = Heads()
    model.compile("sgd", ["mse", "mae"], metrics=[["mae"], []])
    history = model.fit(x, [np.ones((8, 2)), np.ones((8, 3))], verbose=0).history
    # Keras 3 names an unnamed output's loss after its loss function, and its metric plainly.
    assert sorted(history) == ["loss", "mae", "mae_loss", "mse_loss"]


def test_train_step_is_one_native_step():
    x, y = _xy(n=8)
    model = Sequential([layers.Dense(2)])
    model.compile("sgd", "mse")
    logs = model.train_step((x, y))
    assert set(logs) == {"loss"} and np.isfinite(logs["loss"])
    assert set(model.test_step((x, y))) == {"loss"}
    assert model.predict_step((x,)).shape == (8, 2)


@pytest.mark.parametrize("step", ["train_step", "test_step", "predict_step"])
def test_python_step_overrides_are_refused_with_what_to_do(step):
    def python_step(self, data):
        return {}

    Custom = type("Custom", (Small,), {step: python_step})
    model = Custom()
    model.compile("sgd", "mse")
    x, y = _xy(n=4, outputs=3)
    run = {"train_step": lambda: model.fit(x, y, verbose=0), "test_step": lambda: model.evaluate(x, y, verbose=0)}
    run["predict_step"] = lambda: model.predict(x, verbose=0)
    advice = "put the computation in `call`" if step == "predict_step" else "Override `compute_loss"
    with pytest.raises(NotImplementedError, match=f"overrides `{step}`.*(?i:{advice})"):
        run[step]()


# -- losses from inside the model -----------------------------------------------------------
def test_fit_without_targets_needs_a_loss_without_targets():
    x, _ = _xy()
    model = Sequential([layers.Dense(2)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="needs targets: pass `y`"):
        model.fit(x, verbose=0)
    model.compile("sgd")
    with pytest.raises(ValueError, match="No loss to compute. Provide a `loss` argument in `compile\\(\\)`."):
        model.fit(x, np.zeros((32, 2)), verbose=0)


def test_generator_of_inputs_only_trains_an_add_loss_model():
    class Denoise(Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(4)

        def call(self, x):
            out = self.dense(x)
            self.add_loss(ops.mean(ops.square(out - x)))
            return out

    x = RNG.normal(size=(16, 4)).astype("float32")
    model = Denoise()
    model.compile(dagnet.optimizers.SGD(0.1))
    first = model.evaluate(x, verbose=0)
    model.fit((x[i : i + 4] for i in range(0, 16, 4)), steps_per_epoch=4, shuffle=False, verbose=0)
    assert model.evaluate(x, verbose=0) < first


def test_losses_of_an_eager_call_and_regularizers():
    inputs = Input((3,))
    dense = layers.Dense(2, kernel_regularizer=dagnet.regularizers.L2(0.5), activity_regularizer="l1")
    model = Model(inputs, dense(inputs))
    x = np.ones((4, 3), "float32")
    out = model(x)
    kernel = dense.kernel.numpy()
    expected = [0.01 * np.abs(out).sum() / 4, 0.5 * np.square(kernel).sum()]  # add_loss terms first
    np.testing.assert_allclose([float(v) for v in model.losses], expected, rtol=1e-5)


def test_compute_loss_runs_inside_the_native_steps_only():
    model = Small()
    with pytest.raises(RuntimeError, match="runs inside fit / evaluate"):
        model.compute_loss(None, np.ones(2), np.ones(2))


# -- functional subclasses ---------------------------------------------------------------------
def test_a_functional_subclass_is_a_functional_model_with_its_own_methods():
    class Scaled(Model):
        def __init__(self, scale=2.0, **kwargs):
            inputs = Input((3,))
            super().__init__(inputs, layers.Dense(2)(inputs), **kwargs)
            self.scale = scale

        def scaled(self, x):
            return self.scale * self.predict(x, verbose=0)

    model = Scaled(name="scaled")
    assert isinstance(model, dagnet.models.Functional) and model.count_params() == 8
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(model.scaled(x), 2.0 * model.predict(x, verbose=0))
    assert model.get_config() == {
        "name": "scaled",
        "trainable": True,
        "dtype": {
            "module": "keras",
            "class_name": "DTypePolicy",
            "config": {"name": "float32"},
            "registered_name": None,
        },
    }  # Keras 3: a constructor unlike Functional's writes only the base config


def test_inputs_with_a_batch_size_still_take_any_batch():
    inputs = Input(batch_shape=(2, 3))
    model = Model(inputs, layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    assert model.predict(np.ones((5, 3), "float32"), verbose=0).shape == (5, 1)
    assert model(np.ones((3, 3), "float32")).shape == (3, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(np.ones((6, 3)), np.ones((6, 1)), batch_size=4, verbose=0)


def test_subclassed_model_exports_to_onnx_after_seeing_data(tmp_path):
    pytest.importorskip("onnx")
    onnxruntime = pytest.importorskip("onnxruntime")
    x, _ = _xy(n=6)
    model = Small(units=3)
    with pytest.raises(ValueError, match="never called"):
        model.export(tmp_path / "small.onnx", format="onnx")
    expected = model.predict(x, verbose=0)
    model.export(tmp_path / "small.onnx", format="onnx")
    session = onnxruntime.InferenceSession(str(tmp_path / "small.onnx"))
    (got,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_frozen_weights_regularizers_leave_the_loss_as_in_keras():
    inputs = Input((3,))
    frozen = layers.Dense(2, kernel_regularizer=dagnet.regularizers.L2(1.0), kernel_initializer="ones")
    model = Model(inputs, layers.Dense(1, kernel_initializer="ones")(frozen(inputs)))
    frozen.trainable = False
    model.compile("sgd", "mse")
    assert model.test_on_batch(np.ones((2, 3)), np.zeros((2, 1))) == 36.0  # Keras 3.15: mse only
    frozen.trainable = True
    model.compile("sgd", "mse")
    assert model.test_on_batch(np.ones((2, 3)), np.zeros((2, 1))) == 42.0  # + 1.0 * sum(ones(3, 2) ** 2)


def test_compute_metrics_entries_must_be_tensors_or_logged_values():
    class Doubled(Small):
        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            results = super().compute_metrics(x, y, y_pred, sample_weight)
            return {"twice": results["loss"], "oops": "text"}

    model = Doubled()
    model.compile("sgd", "mse")
    x, y = _xy(n=4, outputs=3)
    with pytest.raises(TypeError, match="compute_metrics returned 'text' for 'oops'"):
        model.fit(x, y, verbose=0)


def test_weights_of_an_unbuilt_model_are_refused_as_in_keras(tmp_path):
    model = Small()
    with pytest.raises(ValueError, match="saving a model that has not yet been built. Try building"):
        model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="loading weights into a model that has not yet been built"):
        model.load_weights(tmp_path / "w.weights.h5")
    with pytest.warns(UserWarning, match="has not yet been built"):
        model.save(tmp_path / "m.keras")
    model.build((None, 2))
    model.save_weights(tmp_path / "w.weights.h5")
