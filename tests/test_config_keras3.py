"""keras.config's global switches: the debugging caps on epochs and steps (and their
environment variables), interactive logging, the settings shared with keras.backend."""

import logging
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import dagnet
from dagnet import config


@pytest.fixture(autouse=True)
def _restore_switches():
    yield
    config.set_max_epochs(None)
    config.set_max_steps_per_epoch(None)
    config.enable_interactive_logging()
    config.enable_traceback_filtering()
    config.enable_flash_attention()


def _model():
    model = dagnet.Sequential([dagnet.Input((4,)), dagnet.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def test_max_epochs_caps_fit_with_keras_warning():
    config.set_max_epochs(2)
    assert config.max_epochs() == 2
    with pytest.warns(UserWarning, match="Limiting epochs to 2"):
        history = _model().fit(np.zeros((10, 4)), np.zeros((10, 1)), epochs=5, verbose=0)
    assert len(history.history["loss"]) == 2


def test_max_steps_per_epoch_caps_every_loop_and_sizes_array_batches_like_keras():
    # Keras: with steps and no batch_size, arrays are cut into ceil(n / steps)-sample
    # batches, so 3 capped steps still cover all 100 samples.
    config.set_max_steps_per_epoch(3)
    model = _model()
    seen = []
    counter = dagnet.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
        model.fit(np.zeros((100, 4)), np.zeros((100, 1)), epochs=2, verbose=0, callbacks=[counter])
    assert seen == [0, 1, 2, 0, 1, 2]
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
        assert model.predict(np.zeros((100, 4)), verbose=0).shape == (100, 1)
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
        model.evaluate(np.zeros((100, 4)), np.zeros((100, 1)), verbose=0)


def test_explicit_steps_without_batch_size_cover_all_samples():
    model = _model()
    assert model.predict(np.zeros((100, 4)), steps=3, verbose=0).shape == (100, 1)
    assert model.predict(np.zeros((100, 4)), steps=3, batch_size=10, verbose=0).shape == (30, 1)


def test_a_smaller_explicit_steps_is_kept_under_the_cap():
    config.set_max_steps_per_epoch(5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = _model().predict(np.zeros((100, 4)), steps=2, batch_size=10, verbose=0)
    assert out.shape == (20, 1)


@pytest.mark.parametrize("bad", [1.5, "3", True])
def test_caps_refuse_non_integers(bad):
    with pytest.raises(TypeError, match="integer"):
        config.set_max_epochs(bad)
    with pytest.raises(TypeError, match="integer"):
        config.set_max_steps_per_epoch(bad)


def test_caps_start_from_the_environment():
    code = "import dagnet; print(dagnet.config.max_epochs(), dagnet.config.max_steps_per_epoch())"
    env = {"KERAS_MAX_EPOCHS": "4", "KERAS_MAX_STEPS_PER_EPOCH": "7"}
    out = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["4", "7"]


def test_disabled_interactive_logging_sends_messages_to_the_logger(capsys, caplog):
    assert config.is_interactive_logging_enabled() and dagnet.utils.is_interactive_logging_enabled()
    config.disable_interactive_logging()
    assert not dagnet.utils.is_interactive_logging_enabled()
    with caplog.at_level(logging.INFO, logger="dagnet"):
        _model().fit(np.zeros((8, 4)), np.zeros((8, 1)), epochs=2, verbose=2)
    assert capsys.readouterr().out == ""
    assert any("Epoch 2/2" in r.getMessage() for r in caplog.records)
    assert any("loss" in r.getMessage() for r in caplog.records)
    dagnet.utils.enable_interactive_logging()
    _model().fit(np.zeros((8, 4)), np.zeros((8, 1)), epochs=2, verbose=2)
    assert "Epoch 2/2" in capsys.readouterr().out


def test_settings_shared_with_backend():
    assert config.floatx() == "float32" and config.epsilon() == dagnet.backend.epsilon()
    assert config.image_data_format() == "channels_last"
    config.set_epsilon(1e-5)
    try:
        assert dagnet.backend.epsilon() == 1e-5
    finally:
        config.set_epsilon(1e-7)
    with pytest.raises(ValueError, match="float32"):
        config.set_floatx("float16")
    assert isinstance(config.backend(), str)


def test_switches_record_their_state_as_keras_does():
    assert config.is_traceback_filtering_enabled() is True
    config.disable_traceback_filtering()
    assert config.is_traceback_filtering_enabled() is False
    assert config.is_flash_attention_enabled() is None
    config.disable_flash_attention()
    assert config.is_flash_attention_enabled() is False
    config.enable_flash_attention()
    assert config.is_flash_attention_enabled() is None
    assert config.is_nnx_enabled() is False
