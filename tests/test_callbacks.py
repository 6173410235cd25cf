"""Callbacks driven by hand, with a fake model and hand-made logs.

The expected numbers (epochs run, stopped epoch, learning-rate sequences, checkpoint file
names, printed and warning texts) were observed by running the same scenarios through
Keras 3.15's callbacks; they are kept here as constants.
"""

import itertools
import math
import sys
import warnings

import numpy as np
import pytest

from dagnet import _progbar
from dagnet.callbacks import (
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgbarLogger,
    ReduceLROnPlateau,
    TerminateOnNaN,
)


class FakeOptimizer:
    def __init__(self, learning_rate):
        self.learning_rate = learning_rate


class FakeModel:
    """What callbacks touch on a model.  ``weights`` stands for the weights: the drivers
    below set it to the epoch index, so a restore shows which epoch it came from."""

    def __init__(self, learning_rate=0.1, metrics=None):
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.weights = None
        self.calls = []
        if metrics is not None:
            self.metrics = metrics

    def get_weights(self):
        return [self.weights]

    def set_weights(self, weights):
        self.calls.append(("set_weights", weights[0]))
        self.weights = weights[0]

    def save(self, filepath, overwrite=True):
        self.calls.append(("save", filepath, overwrite))

    def save_weights(self, filepath, overwrite=True):
        self.calls.append(("save_weights", filepath, overwrite))


class FakeMetric:
    def __init__(self, name, direction):
        self.name = name
        self._direction = direction


def run_epochs(callback, values, monitor="val_loss", model=None, stop=True):
    """A minimal fit loop over epochs: logs ``{monitor: value, 'loss': 1.0}``.
    Returns the model, the number of epochs run and the learning rate after each."""
    model = model or FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    rates = []
    for epoch, value in enumerate(values):
        model.weights = epoch
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, {monitor: value, "loss": 1.0})
        rates.append(model.optimizer.learning_rate)
        if stop and model.stop_training:
            break
    callback.on_train_end()
    return model, len(rates), rates


@pytest.fixture(autouse=True)
def plain_stdout(monkeypatch):
    """Progress bars in these tests write plain lines (pytest's stdout is not a TTY) and
    read a frozen clock, so every duration shows as 0."""
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    monkeypatch.setattr(_progbar, "_now", lambda: 0.0)


# ------------------------------------------------------------------ Callback / CallbackList


class Recorder(Callback):
    """Records every hook call as (tag, hook, args...)."""

    def __init__(self, tag, events):
        super().__init__()
        self.tag, self.events = tag, events

    def __getattribute__(self, name):
        if name.startswith("on_"):

            def hook(*args, **kwargs):
                self.events.append((object.__getattribute__(self, "tag"), name) + args + tuple(sorted(kwargs)))

            return hook
        return object.__getattribute__(self, name)


def test_base_callback_hooks_do_nothing_and_batch_hooks_use_keras2_aliases():
    seen = []

    class Old(Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch, logs))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs))

    cb = Old()
    cb.on_train_batch_begin(3, {"a": 1})
    cb.on_train_batch_end(3, logs={"loss": 0.5})
    cb.on_test_batch_end(3)  # not aliased
    cb.on_predict_batch_end(3)
    assert seen == [("begin", 3, {"a": 1}), ("end", 3, {"loss": 0.5})]
    base = Callback()
    assert base.model is None and base.params is None
    for hook in (
        "on_train_begin",
        "on_train_end",
        "on_test_begin",
        "on_test_end",
        "on_predict_begin",
        "on_predict_end",
    ):
        assert getattr(base, hook)() is None
    model = FakeModel()
    base.set_model(model)
    base.set_params({"epochs": 2})
    assert base.model is model and base.params == {"epochs": 2}


def test_callback_list_adds_history_and_progbar_last_and_wires_model_and_params():
    model = FakeModel()
    user = Callback()
    cbs = CallbackList([user], add_history=True, add_progbar=True, model=model, verbose=1, epochs=3, steps=10)
    assert cbs.callbacks[0] is user
    assert isinstance(cbs.callbacks[1], History) and isinstance(cbs.callbacks[2], ProgbarLogger)
    assert model.history is cbs.callbacks[1]
    for cb in cbs.callbacks:
        assert cb.model is model
        assert cb.params == {"verbose": 1, "epochs": 3, "steps": 10}
    assert cbs.callbacks[2].target == 10 and cbs.callbacks[2].epochs == 3


def test_callback_list_keeps_given_history_and_progbar_and_flattens():
    history, progbar = History(), ProgbarLogger()
    a, b = Callback(), Callback()
    cbs = CallbackList(
        [[a, progbar], (history, [b])],
        add_history=True,
        add_progbar=True,
        model=FakeModel(),
        verbose=1,
        epochs=1,
        steps=1,
    )
    assert cbs.callbacks == [a, progbar, history, b]
    assert [type(c) for c in CallbackList([a]).callbacks] == [Callback]  # nothing added
    assert CallbackList(None).callbacks == []


def test_callback_list_without_params_or_model_leaves_callbacks_alone():
    cb = Callback()
    CallbackList([cb], model=None)
    assert cb.model is None and cb.params is None


def test_hook_order_through_a_fit_like_loop():
    events = []
    model = FakeModel()
    cbs = CallbackList([Recorder("a", events), Recorder("b", events)], model=model)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    cbs.on_test_begin()
    cbs.on_test_batch_begin(0)
    cbs.on_test_batch_end(0, {"loss": 1.0})
    cbs.on_test_end({"loss": 1.0})
    cbs.on_epoch_end(0, {"loss": 1.0})
    cbs.on_train_end()
    cbs.on_predict_begin()
    cbs.on_predict_batch_begin(0)
    cbs.on_predict_batch_end(0, {"outputs": None})
    cbs.on_predict_end()
    cbs.on_batch_begin(5)
    cbs.on_batch_end(5)
    # Batch hooks get logs by keyword, the others positionally (as Keras calls them).
    hooks = [
        ("on_train_begin", {}),
        ("on_epoch_begin", 0, {}),
        ("on_train_batch_begin", 0, "logs"),
        ("on_train_batch_end", 0, "logs"),
        ("on_test_begin", {}),
        ("on_test_batch_begin", 0, "logs"),
        ("on_test_batch_end", 0, "logs"),
        ("on_test_end", {"loss": 1.0}),
        ("on_epoch_end", 0, {"loss": 1.0}),
        ("on_train_end", {}),
        ("on_predict_begin", {}),
        ("on_predict_batch_begin", 0, "logs"),
        ("on_predict_batch_end", 0, "logs"),
        ("on_predict_end", {}),
        ("on_batch_begin", 5, "logs"),
        ("on_batch_end", 5, "logs"),
    ]
    expected = [(tag,) + h for h in hooks for tag in ("a", "b")]
    assert events == expected


def test_logs_are_pythonified_sorted_flattened_and_shared():
    got = []

    class AddKey(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["extra"] = 1.0

    class Grab(Callback):
        def on_epoch_end(self, epoch, logs=None):
            got.append(logs)

    model = FakeModel()
    cbs = CallbackList([AddKey(), Grab()], add_history=True, model=model)
    cbs.on_train_begin()
    logs = {
        "val_loss": np.float32(0.5),
        "acc": np.array(0.25),
        "loss": 2,
        "out": {"out_mse": np.float64(1.5)},
        "vec": np.array([1.0, 2.0]),
    }
    cbs.on_epoch_end(0, logs)
    (seen,) = got
    assert list(seen) == ["acc", "loss", "out_mse", "val_loss", "vec", "extra"]
    assert all(type(seen[k]) is float for k in ("acc", "loss", "out_mse", "val_loss"))
    assert seen["val_loss"] == float(np.float32(0.5)) and isinstance(seen["vec"], np.ndarray)
    assert "out" in logs and "extra" not in logs  # the caller's dict is left alone
    assert model.history.history["extra"] == [1.0]  # History (after) sees the added key


def test_unbalanced_end_raises():
    cbs = CallbackList([])
    cbs.on_test_begin()
    cbs.on_test_end()
    with pytest.raises(ValueError, match="`on_xxx_end` called without corresponding"):
        cbs.on_train_end()


# ----------------------------------------------------------------------------- History


def test_history_records_epochs_and_is_set_on_model():
    model = FakeModel()
    cbs = CallbackList([], add_history=True, model=model, verbose=0, epochs=3, steps=4)
    history = model.history
    cbs.on_train_begin()
    for epoch in range(3):
        cbs.on_epoch_begin(epoch)
        cbs.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1), "val_loss": 2.0})
    cbs.on_train_end()
    assert history.history == {"loss": [1.0, 0.5, 1.0 / 3], "val_loss": [2.0, 2.0, 2.0]}
    assert history.epoch == [0, 1, 2]
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 4}
    # Reused by a second fit: epochs restart, the history keeps growing (as in Keras).
    cbs.on_train_begin()
    cbs.on_epoch_end(0, {"loss": 0.1})
    assert history.epoch == [0] and history.history["loss"] == [1.0, 0.5, 1.0 / 3, 0.1]


# ------------------------------------------------------------------------- ProgbarLogger


def fit_with_progbar(verbose, epochs=2, steps=3, validate=True):
    model = FakeModel()
    cbs = CallbackList(
        [], add_history=True, add_progbar=verbose != 0, model=model, verbose=verbose, epochs=epochs, steps=steps
    )
    cbs.on_train_begin()
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch)
        for step in range(steps if steps is not None else 4):
            cbs.on_train_batch_begin(step)
            cbs.on_train_batch_end(step, {"loss": 0.5, "acc": 0.25})
        logs = {"loss": 0.5 / (epoch + 1), "acc": 0.25}
        if validate:  # inside fit, validation runs silently through the same list
            cbs.on_test_begin()
            cbs.on_test_batch_begin(0)
            cbs.on_test_batch_end(0, {"loss": 9.0})
            cbs.on_test_end({"loss": 0.75})
            logs["val_loss"] = 0.75
        cbs.on_epoch_end(epoch, logs)
    cbs.on_train_end()
    return model


def test_progbar_logger_plain_output_per_epoch(capsys):
    fit_with_progbar(verbose=1)
    bar = "━" * 20
    assert capsys.readouterr().out == (
        "Epoch 1/2\n"
        f"3/3 {bar} 0s 0s/step - acc: 0.2500 - loss: 0.5000 - val_loss: 0.7500\n"
        "Epoch 2/2\n"
        f"3/3 {bar} 0s 0s/step - acc: 0.2500 - loss: 0.2500 - val_loss: 0.7500\n"
    )


def test_progbar_logger_verbose_2_and_single_epoch_has_no_header(capsys):
    fit_with_progbar(verbose=2, epochs=1, validate=False)
    assert capsys.readouterr().out == "3/3 - 0s - 0s/step - acc: 0.2500 - loss: 0.5000\n"


def test_progbar_logger_verbose_0_adds_no_logger(capsys):
    fit_with_progbar(verbose=0)
    assert capsys.readouterr().out == ""


def test_progbar_logger_unknown_steps_learns_the_epoch_length(capsys):
    fit_with_progbar(verbose=2, epochs=2, steps=None, validate=False)
    assert capsys.readouterr().out == (
        "Epoch 1/2\n4/4 - 0s - 0s/step - acc: 0.2500 - loss: 0.5000\n"
        "Epoch 2/2\n4/4 - 0s - 0s/step - acc: 0.2500 - loss: 0.2500\n"
    )


def test_progbar_logger_evaluate_and_predict(capsys):
    model = FakeModel()
    cbs = CallbackList([], add_progbar=True, model=model, verbose="auto", epochs=1, steps=2)
    cbs.on_test_begin()
    for step in range(2):
        cbs.on_test_batch_begin(step)
        cbs.on_test_batch_end(step, {"loss": 1.0})
    cbs.on_test_end({"loss": 0.25, "acc": 0.75})
    cbs = CallbackList([], add_progbar=True, model=model, verbose=1, epochs=1, steps=2)
    cbs.on_predict_begin()
    for step in range(2):
        cbs.on_predict_batch_end(step, {"outputs": np.zeros(3)})
    cbs.on_predict_end()
    bar = "━" * 20
    # Columns keep the order in which names first appeared (batch logs had only loss).
    assert capsys.readouterr().out == (f"2/2 {bar} 0s 0s/step - loss: 0.2500 - acc: 0.7500\n2/2 {bar} 0s 0s/step\n")


def test_progbar_logger_live_bar_on_a_tty(monkeypatch):
    class Tty:
        def __init__(self):
            self.text = ""

        def write(self, s):
            self.text += s

        def flush(self):
            pass

        def isatty(self):
            return True

    out = Tty()
    monkeypatch.setattr("sys.stdout", out)
    ticks = itertools.count(0.0, 0.5)  # each reading of the clock is 0.5 s later
    monkeypatch.setattr(_progbar, "_now", lambda: next(ticks))
    fit_with_progbar(verbose=1, epochs=1, steps=2, validate=False)
    frames = out.text.split("\r")
    assert frames[0] == ""  # no header for a single epoch
    frames = [f.rstrip("\b ") for f in frames[1:]]
    bold = lambda s: f"\x1b[1m{s}\x1b[0m"
    green = lambda n: f"\x1b[32m{'━' * n}\x1b[0m"
    white = lambda n: f"\x1b[37m{'━' * n}\x1b[0m"
    assert frames == [
        f"{bold('1/2')} {green(10)}{white(10)} {bold('0s')} 500ms/step - acc: 0.2500 - loss: 0.5000",
        f"{bold('2/2')} {green(20)}{white(0)} {bold('0s')} 500ms/step - acc: 0.2500 - loss: 0.5000",
        # The epoch-end frame repeats step 2, 1 s after it (the wait since step 1), and
        # blanks the 3 columns the shorter "1s/step" leaves.
        f"{bold('2/2')} {green(20)}{white(0)} {bold('2s')} 1s/step - acc: 0.2500 - loss: 0.5000" + " " * 3 + "\n",
    ]


# ------------------------------------------------------------------------ EarlyStopping

L = [1.0, 0.9, 0.95, 0.92, 0.91, 0.5, 0.4]

# (values, kwargs) -> (epochs run, stopped_epoch, best, weights at the end, best_epoch,
# wait), as Keras 3.15 produced them.
EARLY_STOPPING_CASES = [
    (L, {}, (3, 2, 0.9, 2, 1, 1)),
    (L, dict(patience=2), (4, 3, 0.9, 3, 1, 2)),
    (L, dict(patience=2, restore_best_weights=True), (4, 3, 0.9, 1, 1, 2)),
    ([1.0, 0.95, 0.91, 0.88, 0.87, 0.86], dict(patience=2, min_delta=0.05), (5, 4, 0.91, 4, 2, 2)),
    (
        [1.0, 0.95, 0.91, 0.88, 0.87, 0.86],
        dict(patience=2, min_delta=-0.05),
        (5, 4, 0.91, 4, 2, 2),
    ),  # the sign of min_delta is ignored
    ([0.5, 0.6, 0.55, 0.58, 0.7], dict(monitor="val_acc", patience=1, mode="max"), (3, 2, 0.6, 2, 1, 1)),
    ([0.5, 0.6, 0.55, 0.58, 0.7], dict(patience=1, mode="max"), (3, 2, 0.6, 2, 1, 1)),
    ([0.9, 0.8, 0.7, 0.6, 0.5], dict(patience=2, baseline=0.65, restore_best_weights=True), (5, 0, 0.5, 4, 4, 0)),
    ([0.9, 0.8, 0.6, 0.7, 0.75, 0.5], dict(patience=2, baseline=0.65), (5, 4, 0.6, 4, 2, 2)),
    ([0.9, 0.95, 0.97, 0.99, 0.8], dict(patience=2, baseline=0.65, restore_best_weights=True), (2, 1, 0.9, 0, 0, 2)),
    ([1.0, 1.1, 1.2, 1.3, 0.9, 1.0, 1.1], dict(patience=1, start_from_epoch=3), (6, 5, 0.9, 5, 4, 1)),
    (
        [1.0, 1.1, 1.2, 1.3, 0.9, 1.0, 1.1],
        dict(patience=1, start_from_epoch=3, restore_best_weights=True),
        (6, 5, 0.9, 4, 4, 1),
    ),
    ([1.0, 1.0, 1.0], {}, (2, 1, 1.0, 1, 0, 1)),
    (
        [3.0, 2.0, 1.0, 0.5, 0.4, 0.45, 0.3, 0.35, 0.36, 0.37],
        dict(patience=3, restore_best_weights=True),
        (10, 9, 0.3, 6, 6, 3),
    ),
]


@pytest.mark.parametrize("values,kwargs,expected", EARLY_STOPPING_CASES)
def test_early_stopping_matches_keras(values, kwargs, expected):
    cb = EarlyStopping(**kwargs)
    model, epochs_run, _ = run_epochs(cb, values, monitor=kwargs.get("monitor", "val_loss"))
    assert (epochs_run, cb.stopped_epoch, cb.best, model.weights, cb.best_epoch, cb.wait) == expected
    assert model.stop_training == (cb.stopped_epoch > 0)


def test_early_stopping_restores_weights_through_set_weights_and_reports(capsys):
    cb = EarlyStopping(monitor="loss", verbose=1, restore_best_weights=True)
    model, _, _ = run_epochs(cb, [1.0, 1.0, 1.0], monitor="loss")
    assert model.calls == [("set_weights", 0)]
    assert capsys.readouterr().out == (
        "Epoch 2: early stopping\nRestoring model weights from the end of the best epoch: 1.\n"
    )


def test_early_stopping_is_reusable_across_fits():
    cb = EarlyStopping(patience=0)
    run_epochs(cb, [1.0, 2.0])
    assert cb.stopped_epoch == 1
    model, epochs_run, _ = run_epochs(cb, [5.0, 4.0, 3.0])
    assert epochs_run == 3 and cb.stopped_epoch == 0 and cb.best == 3.0


def test_early_stopping_warns_when_metric_missing():
    cb = EarlyStopping()
    cb.set_model(FakeModel())
    cb.on_train_begin()
    with pytest.warns(UserWarning) as record:
        cb.on_epoch_end(0, {"loss": 1.0, "acc": 0.5})
    assert str(record[0].message) == (
        "Early stopping conditioned on metric `val_loss` which is not available. Available metrics are: loss,acc"
    )
    assert not cb.model.stop_training


def test_unknown_mode_warns_and_falls_back_to_auto():
    with pytest.warns(UserWarning, match="EarlyStopping mode 'bogus' is unknown, fallback to auto mode."):
        cb = EarlyStopping(mode="bogus")
    assert cb.mode == "auto"


# What Keras 3.15 infers in mode="auto" for a model compiled with
# metrics=["acc", "auc", "mse"]: accuracy-like and AUC go up, errors and losses go down.
@pytest.mark.parametrize(
    "monitor,increasing",
    [
        ("val_acc", True),
        ("acc", True),
        ("val_auc", True),
        ("val_mse", False),
        ("mse", False),
        ("loss", False),
        ("val_loss", False),
        ("accuracy", True),
        ("val_sparse_categorical_accuracy", True),
        ("val_mean_absolute_error", False),
        ("out_a_loss", False),
        ("val_out_a_loss", False),
    ],
)
def test_auto_mode_direction_from_names(monitor, increasing):
    cb = EarlyStopping(monitor=monitor, min_delta=0.1)
    cb.set_model(FakeModel())
    cb._set_monitor_op()
    assert cb._is_improvement(2.0, 1.0) is increasing
    assert cb.min_delta == (0.1 if increasing else -0.1)


def test_auto_mode_asks_the_models_metric_objects_first():
    class Container:  # like Keras's CompileMetrics: holds the user's metrics
        name = "compile_metrics"

        def __init__(self, metrics):
            self.metrics = metrics

    model = FakeModel(metrics=[Container([FakeMetric("my_score", "up"), FakeMetric("acc", "down")])])
    for monitor, increasing in (("val_my_score", True), ("acc", False)):
        cb = EarlyStopping(monitor=monitor)
        cb.set_model(model)
        cb._set_monitor_op()
        assert cb._is_improvement(2.0, 1.0) is increasing


def test_auto_mode_unknown_metric_raises_keras_error():
    cb = EarlyStopping(monitor="foo")
    cb.set_model(FakeModel())
    cb.on_train_begin()
    with pytest.raises(ValueError) as info:
        cb.on_epoch_end(0, {"foo": 1.0})
    assert str(info.value) == (
        "EarlyStopping callback received monitor=foo, but Keras isn't able to automatically "
        "determine whether that metric should be maximized or minimized. Pass `mode='max'` "
        "in order to monitor based on the highest metric value, or pass `mode='min'` in "
        "order to use the lowest value."
    )


# ----------------------------------------------------------------------- ModelCheckpoint


def checkpoint_calls(values, filepath, monitor="val_loss", **kwargs):
    cb = ModelCheckpoint(filepath, monitor=monitor, **kwargs)
    model, _, _ = run_epochs(cb, values, monitor=monitor, stop=False)
    return [call[:2] for call in model.calls]


def test_checkpoint_formats_filepath_every_epoch(tmp_path):
    pattern = str(tmp_path / "ck" / "weights.{epoch:02d}-{val_loss:.2f}.weights.h5")
    calls = checkpoint_calls([0.5, 0.4, 0.45, 0.3], pattern, save_weights_only=True)
    assert calls == [
        ("save_weights", str(tmp_path / "ck" / name))
        for name in (
            "weights.01-0.50.weights.h5",
            "weights.02-0.40.weights.h5",
            "weights.03-0.45.weights.h5",
            "weights.04-0.30.weights.h5",
        )
    ]
    assert (tmp_path / "ck").is_dir()  # the folder is created for the saver


def test_checkpoint_save_best_only(tmp_path):
    pattern = str(tmp_path / "m.{epoch:03d}.keras")
    calls = checkpoint_calls([0.5, 0.4, 0.45, 0.3, 0.3], pattern, save_best_only=True)
    assert calls == [("save", str(tmp_path / n)) for n in ("m.001.keras", "m.002.keras", "m.004.keras")]
    # With a starting threshold, only values below it count.
    path = str(tmp_path / "m.keras")
    calls = checkpoint_calls([0.5, 0.4, 0.45, 0.3, 0.3], path, save_best_only=True, initial_value_threshold=0.42)
    assert calls == [("save", path)] * 2
    calls = checkpoint_calls(
        [0.5, 0.6, 0.55, 0.7],
        str(tmp_path / "m{epoch}-{val_acc:.3f}.keras"),
        monitor="val_acc",
        mode="max",
        save_best_only=True,
    )
    assert calls == [("save", str(tmp_path / n)) for n in ("m1-0.500.keras", "m2-0.600.keras", "m4-0.700.keras")]


def test_checkpoint_passes_overwrite_true(tmp_path):
    cb = ModelCheckpoint(str(tmp_path / "m.keras"))
    model, _, _ = run_epochs(cb, [1.0], stop=False)
    assert model.calls == [("save", str(tmp_path / "m.keras"), True)]


def test_checkpoint_every_n_batches(tmp_path):
    model = FakeModel()
    cb = ModelCheckpoint(str(tmp_path / "b{epoch}-{batch}.keras"), save_freq=3)
    cb.set_model(model)
    cb.on_train_begin()
    for epoch in range(2):
        cb.on_epoch_begin(epoch)
        for batch in range(5):
            cb.on_train_batch_end(batch, {"loss": 1.0})
        cb.on_epoch_end(epoch, {"loss": 1.0})
    # Counting carries over the epoch boundary: batches 3, 6 (= epoch 2 batch 1), 9.
    assert [c[1] for c in model.calls] == [str(tmp_path / n) for n in ("b1-3.keras", "b2-1.keras", "b2-4.keras")]


def test_checkpoint_messages(tmp_path, capsys):
    path = str(tmp_path / "v.keras")
    run_epochs(ModelCheckpoint(path, verbose=1, save_best_only=True), [1.0, 0.5, 1.0], stop=False)
    run_epochs(ModelCheckpoint(path, verbose=1), [1.0], stop=False)
    assert capsys.readouterr().out == (
        f"\nEpoch 1: val_loss improved from None to 1.00000, saving model to {path}\n"
        f"\nEpoch 1: finished saving model to {path}\n"
        f"\nEpoch 2: val_loss improved from 1.00000 to 0.50000, saving model to {path}\n"
        f"\nEpoch 2: finished saving model to {path}\n"
        "\nEpoch 3: val_loss did not improve from 0.50000\n"
        f"\nEpoch 1: saving model to {path}\n"
        f"\nEpoch 1: finished saving model to {path}\n"
    )


def test_checkpoint_missing_monitor_warns_and_saves(tmp_path):
    cb = ModelCheckpoint(str(tmp_path / "x.keras"), save_best_only=True)
    model = FakeModel()
    cb.set_model(model)
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available."):
        cb.on_epoch_end(0, {"loss": 1.0})
    assert len(model.calls) == 1


def test_checkpoint_argument_errors(tmp_path):
    with pytest.raises(ValueError) as info:
        ModelCheckpoint("/tmp/x.h5", save_weights_only=True)
    assert str(info.value) == (
        "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided "
        "must end in `.weights.h5` (Keras weights format). Received: filepath=/tmp/x.h5"
    )
    with pytest.raises(ValueError) as info:
        ModelCheckpoint("/tmp/x.weights")
    assert str(info.value) == (
        "The filepath provided must end in `.keras` (Keras model format). Received: filepath=/tmp/x.weights"
    )
    with pytest.raises(
        ValueError, match="Unrecognized save_freq: batch. Expected save_freq are 'epoch' or integer values"
    ):
        ModelCheckpoint("/tmp/x.keras", save_freq="batch")
    ModelCheckpoint(tmp_path / "pathlike.keras")  # os.PathLike is accepted
    cb = ModelCheckpoint("/tmp/{foo}.keras")
    cb.set_model(FakeModel())
    with pytest.raises(KeyError) as info:
        cb.on_epoch_end(0, {"loss": 1.0})
    assert info.value.args[0] == ("Failed to format this callback filepath: \"/tmp/{foo}.keras\". Reason: 'foo'")
    (tmp_path / "dir.keras").mkdir()
    cb = ModelCheckpoint(str(tmp_path / "dir.keras"))
    cb.set_model(FakeModel())
    with pytest.raises(IOError, match="Please specify a non-directory filepath"):
        cb.on_epoch_end(0, {"loss": 1.0})


# --------------------------------------------------------------------- ReduceLROnPlateau

# (values, kwargs, starting rate) -> learning rate after each epoch, as in Keras 3.15.
REDUCE_LR_CASES = [
    ([1.0] * 8, dict(patience=2), 0.1, [0.1, 0.1, 0.01, 0.01, 0.001, 0.001, 1e-4, 1e-4]),
    ([1.0] * 10, dict(patience=1, cooldown=2), 0.1, [0.1, 0.01, 0.01, 0.001, 0.001, 1e-4, 1e-4, 1e-5, 1e-5, 1e-6]),
    ([1.0] * 8, dict(patience=1, factor=0.5, min_lr=0.02), 0.1, [0.1, 0.05, 0.025, 0.02, 0.02, 0.02, 0.02, 0.02]),
    (
        [1.0, 0.99995, 0.9999, 0.9, 0.9, 0.9],
        dict(patience=1),
        0.1,
        [0.1, 0.01, 0.001, 0.001, 1e-4, 1e-5],
    ),  # min_delta=1e-4 by default
    ([1.0, 0.99995, 0.9999, 0.9, 0.9, 0.9], dict(patience=1, min_delta=0), 0.1, [0.1, 0.1, 0.1, 0.1, 0.01, 0.001]),
    ([1.0] * 6, dict(patience=0), 0.1, [0.1, 0.01, 0.001, 1e-4, 1e-5, 1e-6]),
    ([1.0] * 6, dict(patience=1, min_lr=0.001), 0.001, [0.001] * 6),
    (
        [1.0, 0.5, 0.6, 0.4, 0.45, 0.46, 0.47, 0.3],
        dict(patience=2, cooldown=1, factor=0.5),
        0.1,
        [0.1] * 5 + [0.05] * 3,
    ),
]


@pytest.mark.parametrize("values,kwargs,start,expected", REDUCE_LR_CASES)
def test_reduce_lr_on_plateau_matches_keras(values, kwargs, start, expected):
    cb = ReduceLROnPlateau(**kwargs)
    _, _, rates = run_epochs(cb, values, model=FakeModel(start), stop=False)
    assert rates == pytest.approx(expected, rel=1e-6)  # Keras reads the rate back from float32


def test_reduce_lr_logs_rate_warns_and_reports(capsys):
    cb = ReduceLROnPlateau(monitor="val_acc", mode="max")
    cb.set_model(FakeModel(0.25))
    cb.on_train_begin()
    logs = {"loss": 1.0}
    with pytest.warns(UserWarning) as record:
        cb.on_epoch_end(0, logs)
    assert logs["learning_rate"] == 0.25
    assert str(record[0].message) == (
        "Learning rate reduction is conditioned on metric `val_acc` which is not available. "
        "Available metrics are: loss,learning_rate."
    )
    run_epochs(ReduceLROnPlateau(verbose=1, patience=1), [1.0, 1.0, 1.0], stop=False)
    assert capsys.readouterr().out == (
        # Keras multiplies the float32 rate read back: float(float32(0.1)) * 0.1
        "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.010000000149011612.\n"
        "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.0009999999776482583.\n"
    )
    with pytest.raises(
        ValueError,
        match=r"ReduceLROnPlateau does not support a factor >= "
        r"1.0. Received factor=1.0",
    ):
        ReduceLROnPlateau(factor=1.0)


# ------------------------------------------------------------------ LearningRateScheduler


def schedule_rates(schedule, epochs=3, start=0.5):
    model = FakeModel(start)
    cb = LearningRateScheduler(schedule)
    cb.set_model(model)
    logged = []
    for epoch in range(epochs):
        cb.on_epoch_begin(epoch)
        logs = {"loss": 1.0}
        cb.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
    return logged


def test_scheduler_one_and_two_argument_forms():
    # logged as Keras reads its float32 variable back
    assert schedule_rates(lambda epoch: 0.1 / (epoch + 1)) == [float(np.float32(v)) for v in (0.1, 0.05, 0.1 / 3)]
    assert schedule_rates(lambda epoch, lr: lr * 0.5) == [0.25, 0.125, 0.0625]
    assert schedule_rates(lambda epoch: np.float32(0.5)) == [0.5, 0.5, 0.5]


def test_scheduler_requires_a_float():
    for bad, shown in ((lambda epoch: 1, "1"), (lambda epoch: "x", "x")):
        with pytest.raises(ValueError) as info:
            schedule_rates(bad)
        assert str(info.value) == (f"The output of the `schedule` function should be a float. Got: {shown}")
    cb = LearningRateScheduler(lambda epoch: 0.1)
    model = FakeModel()
    model.optimizer = object()
    cb.set_model(model)
    with pytest.raises(ValueError, match='Optimizer must have a "learning_rate" attribute.'):
        cb.on_epoch_begin(0)


def test_scheduler_sets_rate_before_the_epoch_and_history_records_it(capsys):
    model = FakeModel(0.1)
    seen = []
    probe = LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(model.optimizer.learning_rate))
    cbs = CallbackList(
        [LearningRateScheduler(lambda e: 0.01 * (e + 1), verbose=1), probe],
        add_history=True,
        model=model,
        verbose=0,
        epochs=2,
        steps=1,
    )
    cbs.on_train_begin()
    for epoch in range(2):
        cbs.on_epoch_begin(epoch)
        cbs.on_epoch_end(epoch, {"loss": 1.0})
    cbs.on_train_end()
    assert seen == [0.01, 0.02]
    assert model.history.history == {
        "loss": [1.0, 1.0],
        "learning_rate": [float(np.float32(0.01)), float(np.float32(0.02))],
    }
    assert capsys.readouterr().out == (
        "\nEpoch 1: LearningRateScheduler setting learning rate to 0.01.\n"
        "\nEpoch 2: LearningRateScheduler setting learning rate to 0.02.\n"
    )


# ---------------------------------------------------------------------------- CSVLogger


def log_epochs(cb, epochs_logs):
    cb.set_model(FakeModel())
    cb.on_train_begin()
    for epoch, logs in enumerate(epochs_logs):
        cb.on_epoch_end(epoch, logs)
    cb.on_train_end()


def test_csv_logger_content(tmp_path):
    path = tmp_path / "log.csv"
    log_epochs(CSVLogger(path), [{"loss": 0.5, "acc": 0.25}, {"loss": 0.1, "acc": 1 / 3}])
    # Sorted columns; without val_* keys the val_* columns are added as NA (as Keras does).
    assert path.read_bytes() == (
        b"epoch,acc,loss,val_acc,val_loss\r\n0,0.25,0.5,NA,NA\r\n1,0.3333333333333333,0.1,NA,NA\r\n"
    )


def test_csv_logger_append_and_separator(tmp_path):
    path = str(tmp_path / "log.csv")
    log_epochs(CSVLogger(path), [{"loss": 0.5, "acc": 0.25}])
    log_epochs(CSVLogger(path, separator=";", append=True), [{"loss": 0.5, "acc": 0.25, "val_loss": 1.5}])
    with open(path, newline="") as f:
        assert f.read() == (
            "epoch,acc,loss,val_acc,val_loss\r\n0,0.25,0.5,NA,NA\r\n0;0.25;0.5;1.5\r\n"
        )  # no second header
    fresh = str(tmp_path / "fresh.csv")
    log_epochs(CSVLogger(fresh, append=True), [{"loss": 1.0}])  # new file: header written
    with open(fresh, newline="") as f:
        assert f.read() == "epoch,loss,val_loss\r\n0,1.0,NA\r\n"


def test_csv_logger_missing_keys_and_sequences(tmp_path):
    path = tmp_path / "log.csv"
    log_epochs(CSVLogger(str(path)), [{"loss": 0.5, "val_loss": 0.7, "lst": [1, 2]}, {"loss": 0.4}])
    assert path.read_bytes() == (b'epoch,loss,lst,val_loss\r\n0,0.5,"""[1, 2]""",0.7\r\n1,0.4,NA,NA\r\n')


def test_csv_logger_overwrites_and_is_reusable(tmp_path):
    path = tmp_path / "log.csv"
    cb = CSVLogger(str(path))
    log_epochs(cb, [{"loss": 9.0}])
    log_epochs(cb, [{"loss": 1.0}])
    assert path.read_bytes() == b"epoch,loss,val_loss\r\n0,1.0,NA\r\n"


# ------------------------------------------------------------------------ LambdaCallback


def test_lambda_callback_through_callback_list():
    calls = []
    cb = LambdaCallback(
        on_train_begin=lambda logs: calls.append(("train_begin", logs)),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch, logs)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, logs)),
        on_train_end=lambda logs: calls.append(("train_end", logs)),
        on_test_end=lambda logs: calls.append(("test_end", logs)),  # any hook by keyword
    )
    cbs = CallbackList([cb], model=FakeModel())
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    cbs.on_test_begin()
    cbs.on_test_end({"loss": 2.0})
    cbs.on_epoch_end(0, {"loss": 1.0})
    cbs.on_train_end({"loss": 1.0})
    assert calls == [
        ("train_begin", {}),
        ("epoch_begin", 0),
        ("batch_begin", 0),
        ("batch_end", 0, {"loss": 1.0}),
        ("test_end", {"loss": 2.0}),
        ("epoch_end", 0, {"loss": 1.0}),
        ("train_end", {"loss": 1.0}),
    ]


def test_lambda_callback_keras2_batch_alias():
    calls = []
    cb = LambdaCallback(on_batch_end=lambda batch, logs: calls.append(batch))
    cb.on_train_batch_end(4, {"loss": 1.0})  # the default forwards to on_batch_end
    cb.on_epoch_end(0, {})  # unset hooks stay no-ops
    assert calls == [4]


# ------------------------------------------------------------------------ TerminateOnNaN


def test_terminate_on_nan_stops_and_says_so(capsys):
    cb = TerminateOnNaN()
    model = FakeModel()
    cbs = CallbackList([cb], model=model)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    cbs.on_train_batch_end(1, {"acc": 0.5})  # no loss: nothing to check
    assert not model.stop_training
    cbs.on_train_batch_end(3, {"loss": np.float32("nan")})
    assert model.stop_training
    model.stop_training = False
    cbs.on_train_batch_end(4, {"loss": math.inf})
    assert model.stop_training
    assert capsys.readouterr().out == (
        "Batch 3: Invalid loss, terminating training\nBatch 4: Invalid loss, terminating training\n"
    )


def test_terminate_on_nan_can_raise():
    cb = TerminateOnNaN(raise_error=True)
    cb.set_model(FakeModel())
    with pytest.raises(RuntimeError) as info:
        cb.on_train_batch_end(3, {"loss": float("nan")})
    assert str(info.value) == (
        "NaN or Inf loss encountered at batch 3. Loss value: nan. Terminating training immediately."
    )


def test_no_warnings_in_a_clean_run(tmp_path):
    model = FakeModel()
    cbs = CallbackList(
        [
            EarlyStopping(patience=1, restore_best_weights=True),
            ModelCheckpoint(str(tmp_path / "m.keras"), save_best_only=True),
            ReduceLROnPlateau(patience=1),
            CSVLogger(str(tmp_path / "l.csv")),
            TerminateOnNaN(),
        ],
        add_history=True,
        model=model,
        verbose=0,
        epochs=5,
        steps=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cbs.on_train_begin()
        for epoch, val in enumerate([1.0, 0.8, 0.9, 0.95, 0.5]):
            model.weights = epoch
            cbs.on_epoch_begin(epoch)
            for step in range(2):
                cbs.on_train_batch_begin(step)
                cbs.on_train_batch_end(step, {"loss": 1.0})
            cbs.on_epoch_end(epoch, {"loss": 1.0, "val_loss": val})
            if model.stop_training:
                break
        cbs.on_train_end()
    assert len(model.history.epoch) == 3 and model.weights == 1
    assert model.history.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.1])
    assert [c[0] for c in model.calls] == ["save", "save", "set_weights"]
