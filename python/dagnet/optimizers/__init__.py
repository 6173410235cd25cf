"""Optimizers with Keras's names, defaults and update formulas. The update itself is a
fused native op per parameter inside the training step; these objects carry the
hyper-parameters, and the learning rate can change between steps (callbacks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._typing import TensorLike
from . import schedules
from .schedules import LearningRateSchedule


class Optimizer:
    # Default names are Keras 3's: the class name in snake case ('sgd', 'rm_sprop', 'adam_w');
    # they prefix the optimizer's variables in saved files.
    name = "optimizer"
    # The native update this optimizer runs (one of dagnet._engine.optimizer_kinds()), and its
    # hyper-parameters: Keras's config keys, which are also the names of the engine's
    # optimizer table (dagnet._engine.optimizer_fields()). One list serves get_config, the
    # native Trainer and export_native; a name the engine does not have is refused by name.
    _kind: str | None = None
    _hyperparameters: tuple[str, ...] = ()
    # The Keras 3 base-optimizer options the native step carries (None = 0 = off).
    _BASE_OPTIONS = ("clipnorm", "global_clipnorm", "clipvalue", "weight_decay")

    def __init__(self, learning_rate: Any = 0.001, name: str | None = None, **kwargs: Any) -> None:
        if "lr" in kwargs:  # Keras 2 spelling
            learning_rate = kwargs.pop("lr")
        # Keras configs carry these; only their "off" values are supported here.
        kwargs.pop("ema_momentum", None)
        kwargs.pop("ema_overwrite_frequency", None)
        for unsupported in ("decay", "use_ema", "loss_scale_factor", "gradient_accumulation_steps"):
            value = kwargs.pop(unsupported, None)
            if value not in (None, 0, 0.0, False):
                raise ValueError(f"{type(self).__name__}: `{unsupported}` is not supported")
        self.weight_decay = kwargs.pop("weight_decay", None)
        self.clipnorm = kwargs.pop("clipnorm", None)
        self.global_clipnorm = kwargs.pop("global_clipnorm", None)
        self.clipvalue = kwargs.pop("clipvalue", None)
        if sum(v is not None for v in (self.clipnorm, self.global_clipnorm, self.clipvalue)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                f"clipnorm={self.clipnorm}, clipvalue={self.clipvalue}, "
                f"global_clipnorm={self.global_clipnorm}"
            )
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected keyword arguments: {sorted(kwargs)}")
        self.name = name or self.name
        self._trainers: list = []  # native trainers whose steps read this learning rate
        # a LearningRateSchedule or a no-argument callable, evaluated per step
        self._schedule: LearningRateSchedule | Callable[[], Any] | None = None
        self._learning_rate = 0.0
        self.learning_rate = learning_rate

    @property
    def learning_rate(self) -> Any:
        """The rate the next step uses: a float, or a schedule's value at `iterations`."""
        if self._schedule is not None:
            return self._current_learning_rate(self.iterations)
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: TensorLike) -> None:
        if isinstance(value, dict):
            value = schedules.deserialize(value)
        if isinstance(value, LearningRateSchedule) or callable(value):
            self._schedule = value
            return
        if isinstance(self._schedule, LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable. If you "
                "need the learning rate to be settable, you should instantiate the optimizer with a "
                "float `learning_rate` argument."
            )
        self._schedule = None
        self._learning_rate = float(value)
        for trainer in self._trainers:
            trainer.learning_rate = self._learning_rate

    def _current_learning_rate(self, step: int) -> float:
        """The schedule's rate at `step` completed updates (Keras calls it with optimizer.iterations)."""
        schedule = self._schedule
        if schedule is None:
            raise ValueError("The optimizer has no learning-rate schedule")
        value = schedule(np.int64(step)) if isinstance(schedule, LearningRateSchedule) else schedule()
        return float(np.asarray(value))

    def _before_step(self, runner: Any) -> None:
        """Called before each native step: a schedule sets that step's rate."""
        if self._schedule is not None:
            runner.engine.learning_rate = self._current_learning_rate(runner.engine.iterations)

    lr = learning_rate

    @property
    def built(self) -> bool:
        return bool(self._trainers)

    @property
    def iterations(self) -> int:
        if self._trainers and hasattr(self._trainers[-1], "iterations"):
            return self._trainers[-1].iterations
        return getattr(self, "_restored_iterations", 0)  # loaded from a file, before the first step

    @property
    def variables(self) -> list:
        """Optimizer state (slot arrays), as NumPy views (host copies for a model on a device)."""
        if not self._trainers:
            return []
        trainer, graph = self._trainers[-1], self._trainers[-1]._graph
        return [graph.param_tensor(v).numpy() for slots in trainer.slots for v in slots]

    def _native_config(self) -> dict:
        """The native step's optimizer configuration, by the names of the engine's table: the
        kind, the current learning rate, the hyper-parameters and the base options."""
        if self._kind is None:
            raise NotImplementedError(f"{type(self).__name__} has no native update")
        config = {"optimizer": self._kind, "learning_rate": float(self.learning_rate)}
        config.update({key: getattr(self, key) for key in self._hyperparameters})
        config.update({key: float(getattr(self, key) or 0.0) for key in self._BASE_OPTIONS})
        return config

    def _learning_rate_config(self):
        if isinstance(self._schedule, LearningRateSchedule):
            return schedules.serialize(self._schedule)
        if self._schedule is not None:
            return float(self.learning_rate)
        return self._learning_rate

    def get_config(self) -> dict:
        # Keras keeps the rate in a float32 variable, and lists its EMA / loss-scaling /
        # accumulation options (off here) in every config.
        rate = self._learning_rate_config()
        return {
            "name": self.name,
            "learning_rate": float(np.float32(rate)) if isinstance(rate, float) else rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": False,
            "ema_momentum": 0.99,
            "ema_overwrite_frequency": None,
            "loss_scale_factor": None,
            "gradient_accumulation_steps": None,
            **{key: getattr(self, key) for key in self._hyperparameters},
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Optimizer:
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)


class SGD(Optimizer):
    name = "sgd"
    _kind = "sgd"
    _hyperparameters = ("momentum", "nesterov")

    def __init__(
        self,
        learning_rate: Any = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, name, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: momentum={momentum}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)


class Adam(Optimizer):
    name = "adam"
    _kind = "adam"
    _hyperparameters = ("beta_1", "beta_2", "epsilon", "amsgrad")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = float(beta_1), float(beta_2), float(epsilon), amsgrad


class RMSprop(Optimizer):
    name = "rm_sprop"
    _kind = "rmsprop"
    _hyperparameters = ("rho", "momentum", "epsilon", "centered")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, name, **kwargs)
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)
        self.centered = bool(centered)


class AdamW(Adam):
    """Adam with Keras 3's decoupled weight decay (default 0.004)."""

    name = "adam_w"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, name, weight_decay=weight_decay, **kwargs)


class Adagrad(Optimizer):
    """Keras 3's Adagrad: accumulator += g^2; p -= lr g / sqrt(accumulator + epsilon)."""

    name = "adagrad"
    _kind = "adagrad"
    _hyperparameters = ("initial_accumulator_value", "epsilon")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, name, **kwargs)
        self.initial_accumulator_value, self.epsilon = float(initial_accumulator_value), float(epsilon)


class Adadelta(Optimizer):
    """Keras 3's Adadelta (rho 0.95; the learning rate scales the Adadelta step)."""

    name = "adadelta"
    _kind = "adadelta"
    _hyperparameters = ("rho", "epsilon")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.95,
        epsilon: float = 1e-7,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, name, **kwargs)
        self.rho, self.epsilon = float(rho), float(epsilon)


class Adamax(Optimizer):
    """Keras 3's Adamax (Adam with the infinity norm)."""

    name = "adamax"
    _kind = "adamax"
    _hyperparameters = ("beta_1", "beta_2", "epsilon")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)


class Nadam(Adamax):
    """Keras 3's Nadam (Adam with Nesterov momentum and the 0.96 momentum schedule)."""

    name = "nadam"
    _kind = "nadam"


class Lion(Optimizer):
    """Keras 3's Lion: p -= lr sign(beta_1 m + (1 - beta_1) g); m = beta_2 m + (1 - beta_2) g."""

    name = "lion"
    _kind = "lion"
    _hyperparameters = ("beta_1", "beta_2")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.99,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, name, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}."
            )
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)


class Ftrl(Optimizer):
    """Keras 3's FTRL-proximal (McMahan et al. 2013), with online L2 (`l2_regularization_strength`,
    plus `beta` / (2 lr)) and shrinkage L2 (`l2_shrinkage_regularization_strength`)."""

    name = "ftrl"
    _kind = "ftrl"
    _hyperparameters = (
        "learning_rate_power",
        "initial_accumulator_value",
        "l1_regularization_strength",
        "l2_regularization_strength",
        "l2_shrinkage_regularization_strength",
        "beta",
    )

    def __init__(
        self,
        learning_rate: Any = 0.001,
        learning_rate_power: float = -0.5,
        initial_accumulator_value: float = 0.1,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        l2_shrinkage_regularization_strength: float = 0.0,
        beta: float = 0.0,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, name, **kwargs)
        # Keras's checks and messages.
        for key, value, sign in (
            ("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
            ("learning_rate_power", -learning_rate_power, "negative or zero"),
            ("l1_regularization_strength", l1_regularization_strength, "positive or zero"),
            ("l2_regularization_strength", l2_regularization_strength, "positive or zero"),
            ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength, "positive or zero"),
        ):
            if value < 0.0:
                shown = -value if key == "learning_rate_power" else value
                raise ValueError(f"`{key}` needs to be {sign}. Received: {key}={shown}.")
        self.learning_rate_power = float(learning_rate_power)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.l1_regularization_strength = float(l1_regularization_strength)
        self.l2_regularization_strength = float(l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = float(l2_shrinkage_regularization_strength)
        self.beta = float(beta)


class Lamb(Optimizer):
    """Keras 3's Lamb: Adam's bias-corrected direction, scaled per variable by the trust ratio
    ||param|| / ||direction||."""

    name = "lamb"
    _kind = "lamb"
    _hyperparameters = ("beta_1", "beta_2", "epsilon")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)


class Adafactor(Optimizer):
    """Keras 3's Adafactor: the second moment factored into row and column means for variables
    of rank >= 2, updates clipped by their RMS, steps relative to the variable's RMS."""

    name = "adafactor"
    _kind = "adafactor"
    _hyperparameters = ("beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold", "relative_step")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_2_decay: float = -0.8,
        epsilon_1: float = 1e-30,
        epsilon_2: float = 1e-3,
        clip_threshold: float = 1.0,
        relative_step: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, name, **kwargs)
        self.beta_2_decay, self.epsilon_1, self.epsilon_2 = float(beta_2_decay), float(epsilon_1), float(epsilon_2)
        self.clip_threshold = float(clip_threshold)
        # Keras 3 steps with min(lr, 1 / sqrt(t)) whatever this says; kept for the config.
        self.relative_step = bool(relative_step)


_BY_NAME: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adam": Adam,
    "rmsprop": RMSprop,
    "adamw": AdamW,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "adamax": Adamax,
    "nadam": Nadam,
    "lion": Lion,
    "ftrl": Ftrl,
    "lamb": Lamb,
    "adafactor": Adafactor,
}
# Keras's get() takes these class names as strings; Lamb only as a config dict (it is not
# among keras.optimizers.ALL_OBJECTS), so "lamb" is refused as Keras refuses it.
_NOT_BY_STRING = frozenset({"lamb"})


def get(identifier: Any) -> Optimizer:
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME.keys() - _NOT_BY_STRING:
        return _BY_NAME[identifier.lower()]()
    if isinstance(identifier, dict) and str(identifier.get("class_name", "")).lower() in _BY_NAME:
        return _BY_NAME[identifier["class_name"].lower()].from_config(identifier.get("config", {}))
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


def serialize(optimizer: Optimizer) -> dict:
    """Keras 3's `{"module", "class_name", "config", "registered_name"}` entry (a schedule in
    the config is already its own such entry)."""
    cls_name = type(optimizer).__name__
    built_in = _BY_NAME.get(cls_name.lower()) is type(optimizer)
    return {
        "module": "keras.optimizers" if built_in else None,
        "class_name": cls_name,
        "config": optimizer.get_config(),
        "registered_name": None if built_in else cls_name,
    }


def deserialize(config: dict, custom_objects: dict[str, Any] | None = None) -> Optimizer:
    """The optimizer of a serialized config (Keras's class names, any case)."""
    class_name = str(config.get("class_name", "")).lower()
    if custom_objects and config.get("class_name") in custom_objects:
        return custom_objects[config["class_name"]].from_config(config.get("config", {}))
    if class_name not in _BY_NAME:
        raise ValueError(f"Could not interpret optimizer identifier: {config}")
    return _BY_NAME[class_name].from_config(config.get("config", {}), custom_objects)


# The public names, as keras.optimizers has them (dir() lists only these).
__all__ = [
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lamb",
    "Lion",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "SGD",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]


def __dir__() -> list[str]:
    return list(__all__)
