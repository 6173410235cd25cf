"""Keras 3's learning-rate schedules (`keras.optimizers.schedules`).

A schedule maps the optimizer's step count (`optimizer.iterations`, the number of
completed updates) to a learning rate. The optimizer evaluates it before each native
training step and writes the result into the engine's float64 learning-rate scalar, so
the step itself is unchanged. The formulas are Keras's, computed in float32 as Keras
does (its rates are float32 tensors), so the rates agree to the last bit in most steps.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..serialization.object_registration import get_registered_object, registered_name_of

_f32 = np.float32


class LearningRateSchedule:
    """Base class: subclasses define `__call__(self, step)` and `get_config()`."""

    def __call__(self, step: Any) -> Any:
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' must override "
            "`get_config()` in order to be serializable."
        )

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        return cls(**config)


def _check_steps(name, value):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class _StepDecay(LearningRateSchedule):
    """Schedules of `step / decay_steps` (floored when `staircase`) with a `decay_rate`."""

    def __init__(
        self,
        initial_learning_rate: Any,
        decay_steps: Any,
        decay_rate: Any,
        staircase: bool = False,
        name: str | None = None,
    ) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name or type(self).__name__
        _check_steps("decay_steps", decay_steps)

    def _progress(self, step):
        p = _f32(step) / _f32(self.decay_steps)
        return np.floor(p) if self.staircase else p

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class ExponentialDecay(_StepDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)` (floored when `staircase`)."""

    def __init__(
        self,
        initial_learning_rate: Any,
        decay_steps: Any,
        decay_rate: Any,
        staircase: bool = False,
        name: str | None = "ExponentialDecay",
    ) -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> Any:
        return _f32(self.initial_learning_rate) * np.power(_f32(self.decay_rate), self._progress(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while step <= boundaries[0], `values[i]` while boundaries[i-1] < step <=
    boundaries[i], `values[-1]` after the last boundary."""

    def __init__(self, boundaries: Any, values: Any, name: str | None = "PiecewiseConstant") -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. Received: "
                f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length "
                f"{len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step: Any) -> Any:
        step = int(step)
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return _f32(value)
        return _f32(self.values[-1])

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """`(initial - end) * (1 - step / decay_steps) ** power + end`; step stops at
    decay_steps, or with `cycle` decay_steps grows to the next multiple of itself."""

    def __init__(
        self,
        initial_learning_rate: Any,
        decay_steps: Any,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str | None = "PolynomialDecay",
    ) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_steps("decay_steps", decay_steps)

    def __call__(self, step: Any) -> Any:
        initial, end = _f32(self.initial_learning_rate), _f32(self.end_learning_rate)
        step_f, decay_steps = _f32(step), _f32(self.decay_steps)
        if self.cycle:
            multiplier = _f32(1.0) if step_f == 0 else np.ceil(step_f / decay_steps)
            decay_steps = decay_steps * multiplier
        else:
            step_f = min(step_f, decay_steps)
        p = step_f / decay_steps
        return (initial - end) * np.power(_f32(1) - p, _f32(self.power)) + end

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(_StepDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)` (floored when `staircase`)."""

    def __init__(
        self,
        initial_learning_rate: Any,
        decay_steps: Any,
        decay_rate: Any,
        staircase: bool = False,
        name: str | None = "InverseTimeDecay",
    ) -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> Any:
        return _f32(self.initial_learning_rate) / (_f32(1) + _f32(self.decay_rate) * self._progress(step))


class CosineDecay(LearningRateSchedule):
    """Cosine decay from `initial_learning_rate` (or, after a linear warmup of
    `warmup_steps` to `warmup_target`, from the target) to `alpha` times it over
    `decay_steps`, then constant."""

    def __init__(
        self,
        initial_learning_rate: Any,
        decay_steps: Any,
        alpha: float = 0.0,
        name: str | None = "CosineDecay",
        warmup_target: Any = None,
        warmup_steps: int = 0,
    ) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_steps("decay_steps", decay_steps)

    def _decay(self, step, decay_steps, decay_from):
        fraction = step / decay_steps
        cosine = _f32(0.5) * (_f32(1) + np.cos(_f32(math.pi) * fraction))
        return decay_from * ((_f32(1) - _f32(self.alpha)) * cosine + _f32(self.alpha))

    def __call__(self, step: Any) -> Any:
        initial = _f32(self.initial_learning_rate)
        decay_steps, step_f = _f32(self.decay_steps), _f32(step)
        if self.warmup_target is None:
            return self._decay(min(step_f, decay_steps), decay_steps, initial)
        target, warmup_steps = _f32(self.warmup_target), _f32(self.warmup_steps)
        step_f = min(step_f, decay_steps + warmup_steps)
        if step_f < warmup_steps:
            return (target - initial) * (step_f / warmup_steps) + initial
        return self._decay(step_f - warmup_steps, decay_steps, target)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """SGDR: cosine decay over `first_decay_steps`, restarting with periods growing by
    `t_mul` and peaks scaled by `m_mul`."""

    def __init__(
        self,
        initial_learning_rate: Any,
        first_decay_steps: Any,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
        name: str | None = "SGDRDecay",
    ) -> None:
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        _check_steps("first_decay_steps", first_decay_steps)

    def __call__(self, step: Any) -> Any:
        one = _f32(1)
        alpha, t_mul, m_mul = _f32(self.alpha), _f32(self._t_mul), _f32(self._m_mul)
        fraction = _f32(step) / _f32(self.first_decay_steps)
        if t_mul == 1:
            i_restart = np.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = np.floor(np.log(one - fraction * (one - t_mul)) / np.log(t_mul))
            sum_r = (one - np.power(t_mul, i_restart)) / (one - t_mul)
            fraction = (fraction - sum_r) / np.power(t_mul, i_restart)
        cosine = _f32(0.5) * np.power(m_mul, i_restart) * (one + np.cos(_f32(math.pi) * fraction))
        return _f32(self.initial_learning_rate) * ((one - alpha) * cosine + alpha)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


_BUILT_IN: dict[str, type[LearningRateSchedule]] = {
    cls.__name__: cls
    for cls in (
        ExponentialDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
        InverseTimeDecay,
        CosineDecay,
        CosineDecayRestarts,
    )
}


def serialize(learning_rate_schedule: Any) -> dict:
    """Keras 3's `{"module", "class_name", "config", "registered_name"}` entry."""
    registered = registered_name_of(learning_rate_schedule)
    cls_name = type(learning_rate_schedule).__name__
    built_in = _BUILT_IN.get(cls_name) is type(learning_rate_schedule)
    return {
        "module": "keras.optimizers.schedules" if built_in else None,
        "class_name": cls_name,
        "config": learning_rate_schedule.get_config(),
        "registered_name": None if built_in else (registered or cls_name),
    }


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> LearningRateSchedule:
    if isinstance(config, LearningRateSchedule):
        return config
    class_name = str(config.get("class_name"))
    cls = None
    for name in (config.get("registered_name"), class_name):
        if name and cls is None:
            cls = get_registered_object(name, custom_objects)
    if cls is None:
        cls = _BUILT_IN.get(class_name)
    if cls is None:
        raise ValueError(
            f"Unknown learning rate schedule: '{class_name}'. Pass it in `custom_objects` or "
            "register it with `register_keras_serializable`."
        )
    return cls.from_config(dict(config.get("config", {})))


def get(identifier: Any) -> Any:
    if isinstance(identifier, LearningRateSchedule):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret learning rate schedule identifier: {identifier}")
