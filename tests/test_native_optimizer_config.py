"""The optimizer's configuration is one table (the engine's optimizer_fields(), Keras's names)
that the Python optimizers, the native Trainer and the program files (.dgn) share: what a
model trains with in Python is what export_native writes and what a native run trains with,
weight constraints included; what the format cannot hold is refused by name."""

import subprocess

import numpy as np
import pytest
from test_native_runner import runner

from dagnet import Input, Model, _engine, constraints, layers, optimizers
from dagnet.engine import Trainer

X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.5, -2.0], [2.0, 1.0]], np.float32)
Y = np.array([[-3.0], [1.0], [-2.0], [-4.0]], np.float32)  # pulls the kernel below zero


def constrained_model(optimizer, constraint=None):
    x = Input(shape=(2,))
    dense = layers.Dense(1, kernel_initializer="ones", kernel_constraint=constraint or constraints.NonNeg())
    model = Model(x, dense(x))
    model.compile(optimizer=optimizer, loss="mse")
    return model, dense


def native_train_step(path, x, y):
    """One step of the file's 'train' program, run by the native Trainer as the file says."""
    program = next(p for p in _engine.read_programs(str(path)) if p["name"] == "train")
    trainer = Trainer(
        program["graph"], program["loss"], program["params"], constraints=program["constraints"], **program["optimizer"]
    )
    feeds = {"x0": x, "y0": y}
    trainer.step([feeds[name] for name in trainer.required_inputs])
    return program, [np.asarray(program["graph"].param_tensor(p)).copy() for p in program["params"]]


def test_export_native_carries_a_kernel_constraint_into_the_native_run(tmp_path):
    model, dense = constrained_model(optimizers.SGD(0.5))
    path = tmp_path / "m.dgn"
    model.export_native(path)
    program, (kernel, bias) = native_train_step(path, X, Y)
    assert program["constraints"] == [(0, {"kind": "non_neg"})]
    model.train_on_batch(X, Y)  # the same step in Python
    np.testing.assert_allclose(kernel, dense.kernel.numpy(), rtol=1e-6)
    np.testing.assert_allclose(bias, dense.bias.numpy(), rtol=1e-6)
    assert np.all(kernel >= 0) and np.any(kernel == 0)  # the step went negative and was clipped
    command = [
        runner(),
        str(path),
        "--mode",
        "train",
        "--batch",
        "4",
        "--length",
        "1",
        "--iterations",
        "2",
        "--warmup",
        "0",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_export_native_refuses_a_python_constraint_by_name(tmp_path):
    def clip_to_half(w):
        return np.minimum(w, 0.5)

    model, _ = constrained_model("sgd", clip_to_half)
    with pytest.raises(ValueError, match=r"cannot carry the constraint clip_to_half of '.*kernel'"):
        model.export_native(tmp_path / "m.dgn")


def test_export_native_refuses_a_learning_rate_schedule_by_name(tmp_path):
    schedule = optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    model, _ = constrained_model(optimizers.SGD(schedule))
    with pytest.raises(ValueError, match="cannot carry a learning-rate schedule"):
        model.export_native(tmp_path / "m.dgn")


@pytest.mark.parametrize(
    "optimizer",
    [
        optimizers.SGD(0.05, momentum=0.5, nesterov=True, clipnorm=1.0),
        optimizers.Adam(0.01, beta_1=0.8, amsgrad=True, global_clipnorm=2.0),
        optimizers.RMSprop(0.01, rho=0.8, momentum=0.3, centered=True, clipvalue=0.5),
        optimizers.AdamW(0.01, weight_decay=0.1),
        optimizers.Adagrad(0.1, initial_accumulator_value=0.5),
        optimizers.Adadelta(1.0, rho=0.9),
        optimizers.Adamax(0.01),
        optimizers.Nadam(0.01),
        optimizers.Lion(0.01, beta_1=0.8),
        optimizers.Ftrl(0.1, l1_regularization_strength=0.01, beta=0.2),
        optimizers.Lamb(0.01, epsilon=1e-5),
        optimizers.Adafactor(0.1, clip_threshold=0.5, relative_step=False),
    ],
    ids=lambda o: type(o).__name__,
)
def test_every_option_travels_through_the_program_file(tmp_path, optimizer):
    model, dense = constrained_model(optimizer)
    path = tmp_path / "m.dgn"
    model.export_native(path)
    program, (kernel, bias) = native_train_step(path, X, Y)
    expected = {**_engine.optimizer_fields(), **optimizer._native_config()}
    assert program["optimizer"] == pytest.approx(expected)
    model.train_on_batch(X, Y)
    np.testing.assert_allclose(kernel, dense.kernel.numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(bias, dense.bias.numpy(), rtol=1e-5, atol=1e-7)


def test_the_python_optimizers_speak_the_engine_table():
    fields = _engine.optimizer_fields()
    for cls in (
        optimizers.SGD,
        optimizers.Adam,
        optimizers.RMSprop,
        optimizers.AdamW,
        optimizers.Adagrad,
        optimizers.Adadelta,
        optimizers.Adamax,
        optimizers.Nadam,
        optimizers.Lion,
        optimizers.Ftrl,
        optimizers.Lamb,
        optimizers.Adafactor,
    ):
        assert cls._kind in _engine.optimizer_kinds()
        assert set(cls()._native_config()) <= set(fields)


def test_an_option_the_engine_does_not_have_is_refused_by_name(tmp_path):
    model, _ = constrained_model("sgd")
    model.train_on_batch(X, Y)
    program = next(p for p in _engine.read_programs(str(_export(model, tmp_path))) if p["name"] == "train")
    with pytest.raises(ValueError, match="unknown optimizer option 'ema_momentum'"):
        Trainer(program["graph"], program["loss"], program["params"], ema_momentum=0.99)
    program["optimizer"]["ema_momentum"] = 0.99
    with pytest.raises(ValueError, match="unknown optimizer option 'ema_momentum'"):
        _engine.write_programs(str(tmp_path / "bad.dgn"), [program])


def test_a_program_file_of_the_old_format_is_refused_clearly(tmp_path):
    old = tmp_path / "old.dgn"
    old.write_bytes(b"DAGNETP1" + b"\0" * 16)
    with pytest.raises(ValueError, match="older dagnet"):
        _engine.read_program_names(str(old))


def _export(model, tmp_path):
    path = tmp_path / "m.dgn"
    model.export_native(path)
    return path
