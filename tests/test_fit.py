"""fit / evaluate / predict loops: convergence, validation split, generators, callbacks
in order, early stopping, learning-rate callbacks, NaN reports and Ctrl-C."""

import math

import numpy as np
import pytest

from dagnet import Input, Model, Sequential, callbacks, layers, optimizers, utils


@pytest.fixture(autouse=True)
def fresh():
    utils.clear_session()
    utils.set_random_seed(0)


def classifier(lr=0.05):
    model = Sequential([layers.Dense(16, activation="relu", input_shape=(6,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizers.Adam(lr), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def separable(n=600, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 6)).astype("float32")
    return x, (x[:, 0] - 0.5 * x[:, 3] > 0).astype("float32")


def test_fit_reaches_high_accuracy_and_returns_history():
    x, y = separable()
    model = classifier()
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0, validation_split=0.2)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["loss"]) == 15 and history.epoch == list(range(15))
    assert history.history["accuracy"][-1] > 0.95 and history.history["val_accuracy"][-1] > 0.9
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc > 0.95 and model.history is history


def test_regression_loss_drops_tenfold():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((512, 4)).astype("float32")
    y = x @ rng.standard_normal((4, 2)).astype("float32")
    model = Sequential([layers.Dense(32, activation="tanh", input_shape=(4,)), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 10
    assert "mae" in history.history


def test_validation_split_takes_the_last_fraction():
    x, y = separable(100)
    model = classifier()
    history = model.fit(x, y, epochs=1, batch_size=100, verbose=0, validation_split=0.25, shuffle=False)
    want = model.evaluate(x[75:], y[75:], verbose=0, return_dict=True)
    assert history.history["val_loss"][0] == pytest.approx(want["loss"], rel=1e-5)


def test_generator_and_sequence_inputs_train():
    x, y = separable(256)

    def batches():
        while True:
            for s in range(0, 256, 32):
                yield x[s : s + 32], y[s : s + 32]

    model = classifier()
    history = model.fit(batches(), steps_per_epoch=8, epochs=10, verbose=0)
    assert history.history["accuracy"][-1] > 0.9

    class Seq:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[i * 64 : (i + 1) * 64], y[i * 64 : (i + 1) * 64]

    history = model.fit(Seq(), epochs=2, verbose=0, validation_data=Seq())
    assert "val_loss" in history.history
    assert model.predict(Seq(), verbose=0).shape == (256, 1)


def test_callbacks_fire_in_order():
    events = []

    class Recorder(callbacks.Callback):
        def on_train_begin(self, logs=None):
            events.append("train_begin")

        def on_epoch_begin(self, epoch, logs=None):
            events.append(f"epoch_begin {epoch}")

        def on_train_batch_begin(self, batch, logs=None):
            events.append(f"batch_begin {batch}")

        def on_train_batch_end(self, batch, logs=None):
            events.append(f"batch_end {batch} {sorted(logs)}")

        def on_epoch_end(self, epoch, logs=None):
            events.append(f"epoch_end {epoch} {sorted(logs)}")

        def on_train_end(self, logs=None):
            events.append("train_end")

    x, y = separable(40)
    classifier().fit(x, y, epochs=2, batch_size=20, verbose=0, callbacks=[Recorder()], initial_epoch=0)
    assert events == [
        "train_begin",
        "epoch_begin 0",
        "batch_begin 0",
        "batch_end 0 ['accuracy', 'loss']",
        "batch_begin 1",
        "batch_end 1 ['accuracy', 'loss']",
        "epoch_end 0 ['accuracy', 'loss']",
        "epoch_begin 1",
        "batch_begin 0",
        "batch_end 0 ['accuracy', 'loss']",
        "batch_begin 1",
        "batch_end 1 ['accuracy', 'loss']",
        "epoch_end 1 ['accuracy', 'loss']",
        "train_end",
    ]


def test_early_stopping_and_restore_best_weights():
    x, y = separable(200)
    model = classifier(lr=0.5)  # a large step makes the loss bounce
    stop = callbacks.EarlyStopping(monitor="loss", patience=1, restore_best_weights=True)
    history = model.fit(x, y, epochs=50, batch_size=200, verbose=0, callbacks=[stop])
    ran = len(history.history["loss"])
    assert ran < 50 and stop.stopped_epoch == ran - 1
    best = int(np.argmin(history.history["loss"]))
    assert stop.best_epoch == best


def test_learning_rate_callbacks_change_the_native_step():
    x, y = separable(64)
    model = classifier(lr=0.01)
    seen = []
    schedule = callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    probe = callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(model.optimizer.learning_rate))
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[schedule, probe])
    assert seen == pytest.approx([0.1, 0.05, 0.1 / 3])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3])
    runner = next(r for (kind, _), r in model._runners.items() if kind == "train")
    assert runner.learning_rate == pytest.approx(0.1 / 3)
    model.optimizer.learning_rate = 0.0
    w = model.get_weights()
    model.train_on_batch(x, y)
    for a, b in zip(w, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_nan_loss_is_reported_and_terminate_on_nan_stops():
    x, y = separable(64)
    x[5, 0] = np.nan
    model = classifier()
    with pytest.warns(UserWarning, match=r"The loss is nan at epoch 1, batch 0"):
        history = model.fit(x, y, epochs=5, batch_size=64, verbose=0, callbacks=[callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) == 1


def test_keyboard_interrupt_stops_after_the_current_batch():
    x, y = separable(128)
    model = classifier()
    state = {}

    class Interrupt(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                state["weights"] = self.model.get_weights()
                raise KeyboardInterrupt

    with pytest.warns(UserWarning, match="interrupted"):
        history = model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[Interrupt()])
    for a, b in zip(state["weights"], model.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing ran after the interrupted step
    assert len(history.history["loss"]) == 1


def test_progress_output(capsys):
    x, y = separable(64)
    classifier().fit(x, y, epochs=2, batch_size=16, verbose=1)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[2] == "Epoch 2/2"
    assert out[1].startswith("4/4 ") and " - loss: " in out[1] and " - accuracy: " in out[1]
    classifier().fit(x, y, epochs=1, batch_size=16, verbose=2)
    line = capsys.readouterr().out.strip()
    assert line.startswith("4/4 - ") and "/step - accuracy: " in line and " - loss: " in line  # sorted, as Keras 3


def test_csv_logger_and_checkpoint_calls(tmp_path):
    x, y = separable(64)
    model = classifier()
    saved = []
    model.save_weights = lambda path, **kwargs: saved.append(path)
    log = tmp_path / "log.csv"
    model.fit(
        x,
        y,
        epochs=2,
        verbose=0,
        validation_split=0.25,
        callbacks=[
            callbacks.CSVLogger(log),
            callbacks.ModelCheckpoint(
                str(tmp_path / "w.{epoch:02d}-{val_loss:.2f}.weights.h5"), save_weights_only=True
            ),
        ],
    )
    rows = log.read_text().splitlines()
    assert rows[0] == "epoch,accuracy,loss,val_accuracy,val_loss" and len(rows) == 3
    assert [p.split("/")[-1][:5] for p in saved] == ["w.01-", "w.02-"]


def test_dict_feeding_by_name_and_missing_keys():
    a, b = Input(shape=(2,), name="a"), Input(shape=(3,), name="b")
    out = layers.Dense(1, name="out")(layers.concatenate([a, b]))
    model = Model([a, b], out)
    model.compile(optimizer="sgd", loss="mse")
    xa, xb, y = np.ones((8, 2)), np.ones((8, 3)), np.zeros((8, 1))
    h1 = model.fit({"b": xb, "a": xa}, {"out": y}, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="Missing data for input"):
        model.fit({"a": xa}, y, verbose=0)
    with pytest.raises(ValueError, match="cardinality"):
        model.fit([xa, xb[:4]], y, verbose=0)
    assert math.isfinite(h1.history["loss"][0])


def test_masked_sequence_loss_and_accuracy_match_keras():
    """Embedding(mask_zero) -> LSTM(return_sequences) -> TimeDistributed softmax: the loss and the
    accuracy average over valid steps only. Weights and expected numbers come from Keras 3.15."""
    import os

    data = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_masked_sequence.npz"))
    tok = Input(shape=(None,), dtype="int32")
    e = layers.Embedding(12, 4, mask_zero=True)(tok)
    s = layers.LSTM(5, return_sequences=True)(e)
    model = Model(tok, layers.TimeDistributed(layers.Dense(3, activation="softmax"))(s))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.set_weights([data[f"arr_{i}"] for i in range(6)])
    loss, acc = model.test_on_batch(data["x"], data["y"])
    np.testing.assert_allclose([loss, acc], data["expected"], rtol=1e-5)


def test_frozen_layers_and_nested_models_in_fit():
    inner_in = Input(shape=(4,))
    inner = Model(inner_in, layers.Dense(4, activation="tanh", name="inner_dense")(inner_in))
    frozen = layers.Dense(4, name="frozen")
    x = Input(shape=(4,))
    out = layers.Dense(1, name="head")(frozen(inner(x)))
    model = Model(x, out)
    frozen.trainable = False
    model.compile(optimizer="sgd", loss="mse")
    before = {l.name: [w.copy() for w in l.get_weights()] for l in (inner, frozen)}
    rng = np.random.default_rng(5)
    model.fit(rng.standard_normal((32, 4)), rng.standard_normal((32, 1)), epochs=2, verbose=0)
    for a, b in zip(before["frozen"], frozen.get_weights()):
        np.testing.assert_array_equal(a, b)  # trainable = False: untouched
    assert any(not np.array_equal(a, b) for a, b in zip(before[inner.name], inner.get_weights()))  # nested: trained
    assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 2


def test_keras2_generator_methods():
    import numpy as np

    from dagnet import Input, Model, layers

    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")

    def batches():
        while True:
            for i in range(0, 64, 16):
                yield x[i : i + 16], y[i : i + 16]

    i = Input((4,))
    model = Model(i, layers.Dense(1, activation="sigmoid")(i))
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit_generator(
        batches(), steps_per_epoch=4, epochs=3, verbose=0, validation_data=batches(), validation_steps=2
    )
    assert len(history.history["loss"]) == 3 and "val_accuracy" in history.history
    loss, acc = model.evaluate_generator(batches(), steps=4)
    np.testing.assert_allclose([loss, acc], model.evaluate(x, y, verbose=0), rtol=1e-5)
    assert model.predict_generator(batches(), steps=2).shape == (32, 1)
