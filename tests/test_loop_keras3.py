"""The training loop's observable behaviour against Keras 3.15 (values recorded from
keras 3.15 / TF with the same weights and data): hook order and arguments, logs at every
hook, params, validation through the fit's own callbacks, predict hooks, validation_freq
lists, steps_per_epoch with arrays, PyDataset."""

import warnings

import numpy as np
import pytest

import dagnet as keras
from dagnet import callbacks, layers

HOOKS = [
    "on_train_begin",
    "on_train_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_begin",
    "on_test_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_begin",
    "on_predict_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
]


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []


def _make_hook(name):
    def hook(self, *args, logs=None):
        # positional logs come last in args; batch hooks get them by keyword
        self.events.append((name,) + args + (logs,))

    return hook


for _name in HOOKS:
    setattr(Recorder, _name, _make_hook(_name))


def make_model(metrics=("mae",)):
    inp = keras.Input((3,))
    out = layers.Dense(1)(layers.Dense(4, activation="relu")(inp))
    model = keras.Model(inp, out)
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype("float32") * 0.5 for w in model.get_weights()])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=list(metrics))
    return model


def data(n=10, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, (x.sum(1, keepdims=True) * 0.5).astype("float32")


def shape_of(events):
    """(hook, step-or-epoch, sorted log keys) with positional/keyword logs told apart."""
    out = []
    for event in events:
        name, *args, kw = event
        out.append(
            (
                name,
                *[a if isinstance(a, int) else ("pos", tuple(a)) for a in args],
                None if kw is None else ("kw", tuple(kw)),
            )
        )
    return out


def test_fit_hook_order_logs_and_params_match_keras():
    model, rec = make_model(), Recorder()
    x, y = data()
    history = model.fit(
        x, y, batch_size=4, epochs=2, validation_data=data(5, seed=2), callbacks=[rec], verbose=0, shuffle=False
    )
    train_keys, all_keys = ("loss", "mae"), ("loss", "mae", "val_loss", "val_mae")
    expected = [("on_train_begin", ("pos", ()), None)]
    for epoch in range(2):
        expected.append(("on_epoch_begin", epoch, ("pos", ()), None))
        for step in range(3):
            expected += [("on_train_batch_begin", step, ("kw", ())), ("on_train_batch_end", step, ("kw", train_keys))]
        expected.append(("on_test_begin", ("pos", ()), None))
        for step in range(2):
            expected += [("on_test_batch_begin", step, ("kw", ())), ("on_test_batch_end", step, ("kw", train_keys))]
        expected.append(("on_test_end", ("pos", train_keys), None))
        expected.append(("on_epoch_end", epoch, ("pos", all_keys), None))
    expected.append(("on_train_end", ("pos", all_keys), None))
    assert shape_of(rec.events) == expected
    batch_logs = [e[-1] for e in rec.events if e[0] == "on_train_batch_end"]
    # Keras 3: running averages over the epoch so far
    assert [round(b["loss"], 4) for b in batch_logs] == [0.2374, 0.3062, 0.7891, 0.2467, 0.3094, 0.7856]
    assert [round(b["mae"], 4) for b in batch_logs] == [0.4106, 0.4841, 0.6264, 0.4218, 0.4886, 0.6301]
    test_logs = [e[-1] for e in rec.events if e[0] == "on_test_batch_end"]
    assert [round(b["loss"], 4) for b in test_logs] == [0.0788, 0.076, 0.0797, 0.0754]
    assert all(type(v) is float for b in batch_logs for v in b.values())
    assert rec.params == {"verbose": 0, "epochs": 2, "steps": 3} == history.params
    assert rec.model is model and model.history is history and history.epoch == [0, 1]
    assert history.history["loss"] == pytest.approx([0.7891165614128113, 0.7855656147003174], rel=1e-6)
    assert history.history["val_loss"] == pytest.approx([0.07598467171192169, 0.07542165368795395], rel=1e-6)
    assert history.history["val_mae"] == pytest.approx([0.2504391670227051, 0.2492305487394333], rel=1e-6)
    # the epoch logs are the ones the validation's on_test_end saw, prefixed
    test_end = [e[1] for e in rec.events if e[0] == "on_test_end"]
    assert test_end[1] == {"loss": history.history["val_loss"][1], "mae": history.history["val_mae"][1]}


def test_evaluate_and_predict_hooks_match_keras():
    model, rec = make_model(), Recorder()
    x, y = data()
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    assert model.evaluate(x, y, batch_size=4, callbacks=[rec], verbose=0) == pytest.approx([0.779, 0.6337], abs=1e-4)
    assert [e[0] for e in rec.events] == ["on_test_begin"] + ["on_test_batch_begin", "on_test_batch_end"] * 3 + [
        "on_test_end"
    ]
    assert rec.params == {"verbose": 0, "epochs": 1, "steps": 3}
    rec.events.clear()
    history = model.history
    model.predict(x, batch_size=4, callbacks=[rec], verbose=0)
    assert model.history is history  # evaluate/predict add no History
    assert [e[0] for e in rec.events] == ["on_predict_begin"] + [
        "on_predict_batch_begin",
        "on_predict_batch_end",
    ] * 3 + ["on_predict_end"]
    assert rec.events[0] == ("on_predict_begin", {}, None) and rec.events[-1] == ("on_predict_end", {}, None)
    ends = [e[-1] for e in rec.events if e[0] == "on_predict_batch_end"]
    assert [list(e) for e in ends] == [["outputs"]] * 3
    assert [e["outputs"].shape for e in ends] == [(4, 1), (4, 1), (2, 1)]
    assert rec.params == {"verbose": 0, "epochs": 1, "steps": 3}


def test_evaluate_rejects_unknown_arguments_like_keras():
    model = make_model()
    with pytest.raises(ValueError, match=r"Arguments not recognized: \{'foo': 1\}"):
        model.evaluate(*data(), foo=1)


def test_validation_freq_list_and_initial_epoch():
    model, rec = make_model(), Recorder()
    x, y = data()
    history = model.fit(
        x, y, batch_size=4, epochs=4, callbacks=[rec], verbose=0, validation_data=(x, y), validation_freq=[1, 3]
    )
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2
    assert [e[1] for e in rec.events if e[0] == "on_epoch_end" and "val_loss" in e[2]] == [0, 2]
    history = model.fit(x, y, batch_size=4, epochs=4, initial_epoch=2, verbose=0)
    assert history.epoch == [2, 3] and history.params == {"verbose": 0, "epochs": 4, "steps": 3}
    with pytest.raises(ValueError, match="Expected `validation_freq` to be a list or int"):
        model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y), validation_freq=(1,))


def test_steps_per_epoch_with_arrays_runs_on_across_epochs():
    model, rec = make_model(), Recorder()
    x, y = data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y, batch_size=4, epochs=3, steps_per_epoch=2, callbacks=[rec], verbose=0)
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 2}
    # 3 batches of data: epoch 1 gets batches 0, 1; epoch 2 batch 2 then runs out; epoch 3 starts afresh
    assert [e[1] for e in rec.events if e[0] == "on_train_batch_end"] == [0, 1, 0, 0, 1]
    assert any("Your input ran out of data" in str(w.message) for w in caught)


def test_validation_split_takes_the_last_fraction_and_checks_size():
    model = make_model()
    x, y = data()
    with pytest.raises(ValueError, match="Training data contains 2 samples, which is not sufficient"):
        model.fit(x[:2], y[:2], validation_split=0.6, verbose=0)
    h1 = model.fit(x, y, validation_split=0.5, verbose=0, shuffle=False, batch_size=2, epochs=1)
    model2 = make_model()
    h2 = model2.fit(x[:5], y[:5], validation_data=(x[5:], y[5:]), verbose=0, shuffle=False, batch_size=2, epochs=1)
    assert h1.history == h2.history and h1.params["steps"] == 3


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size, self.events = x, y, batch_size, []

    def __len__(self):
        return (len(self.x) + self.batch_size - 1) // self.batch_size

    def __getitem__(self, index):
        self.events.append(index)
        piece = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return (self.x[piece], self.y[piece]) if self.y is not None else self.x[piece]

    def on_epoch_begin(self):
        self.events.append("begin")

    def on_epoch_end(self):
        self.events.append("end")


def test_pydataset_fit_evaluate_predict():
    assert keras.utils.Sequence is keras.utils.PyDataset
    model = make_model()
    x, y = data()
    ds = Batches(x, y, 4)
    history = model.fit(ds, epochs=2, verbose=0, shuffle=False)
    # Keras ends an epoch once when it resets the adapter, then begin/end around each epoch
    assert ds.events == ["end", "begin", 0, 1, 2, "end", "begin", 0, 1, 2, "end"]
    assert history.params == {"verbose": 0, "epochs": 2, "steps": 3}
    assert history.history["loss"] == pytest.approx([0.7891, 0.7856], abs=1e-4)
    assert model.evaluate(ds, verbose=0) == pytest.approx([0.779, 0.6337], abs=1e-4)
    assert model.predict(Batches(x, None, 4), verbose=0).shape == (10, 1)
    shuffled = Batches(x, y, 4)
    model.fit(shuffled, epochs=1, verbose=0)  # shuffle=True shuffles the batch order
    assert sorted(i for i in shuffled.events if isinstance(i, int)) == [0, 1, 2]


def test_generator_fit_warns_that_shuffle_is_ignored():
    model = make_model()
    x, y = data()

    def gen():
        for i in range(3):
            yield x[i * 4 : (i + 1) * 4], y[i * 4 : (i + 1) * 4]

    with pytest.warns(UserWarning, match="`shuffle=True` was passed, but will be ignored"):
        history = model.fit(gen(), epochs=1, verbose=0)
    assert history.params == {"verbose": 0, "epochs": 1, "steps": None}
    assert history.history["loss"] == pytest.approx([0.7891], abs=1e-4)  # the same batches as arrays


def test_stop_evaluating_and_stop_predicting():
    model = make_model()
    x, y = data()

    class Stop(callbacks.Callback):
        def on_test_batch_end(self, batch, logs=None):
            self.model.stop_evaluating = True

        def on_predict_batch_end(self, batch, logs=None):
            self.model.stop_predicting = True

    assert model.predict(x, batch_size=4, callbacks=[Stop()], verbose=0).shape == (4, 1)
    first = model.evaluate(x[:4], y[:4], verbose=0)
    assert model.evaluate(x, y, batch_size=4, callbacks=[Stop()], verbose=0) == pytest.approx(first)


def test_backup_and_restore_resumes_like_keras(tmp_path):
    x, y = data()
    backup = str(tmp_path / "bk")

    class Boom(callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("boom")

    model = make_model()
    with pytest.raises(RuntimeError):
        model.fit(
            x,
            y,
            batch_size=4,
            epochs=4,
            callbacks=[callbacks.BackupAndRestore(backup), Boom()],
            verbose=0,
            shuffle=False,
        )
    import os

    assert sorted(os.listdir(backup)) == ["latest.weights.h5", "training_metadata.json"]
    assert open(os.path.join(backup, "training_metadata.json")).read() == '{"epoch": 2, "batch": 0}'
    resumed = make_model()
    history = resumed.fit(
        x, y, batch_size=4, epochs=4, callbacks=[callbacks.BackupAndRestore(backup)], verbose=0, shuffle=False
    )
    # Keras 3.15's values: the weights after two epochs were restored
    assert history.epoch == [2, 3]
    assert history.history["loss"] == pytest.approx([0.7823, 0.7792], abs=1e-4)
    assert not os.path.exists(backup)  # delete_checkpoint=True
    assert resumed.fit(x, y, batch_size=4, epochs=4, verbose=0).epoch == [2, 3]  # Keras keeps _initial_epoch
    kept = callbacks.BackupAndRestore(backup, save_freq=2, delete_checkpoint=False)
    make_model().fit(x, y, batch_size=4, epochs=2, callbacks=[kept], verbose=0, shuffle=False)
    assert open(os.path.join(backup, "training_metadata.json")).read() == '{"epoch": 1, "batch": 2}'
    with pytest.raises(ValueError, match="Invalid value for argument `save_freq`. Received: save_freq=x."):
        callbacks.BackupAndRestore(backup, save_freq="x")
    with pytest.raises(ValueError, match="Empty `backup_dir` argument passed"):
        callbacks.BackupAndRestore("")


def test_remote_monitor_exists():
    monitor = callbacks.RemoteMonitor()
    assert (monitor.root, monitor.path, monitor.field) == ("http://localhost:9000", "/publish/epoch/end/", "data")
