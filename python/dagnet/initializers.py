"""Keras weight initializers (same names, arguments and distributions; NumPy RNG).

Without a seed, draws come from dagnet's global generator (``utils.set_random_seed``
makes runs reproducible); with a seed, an initializer gives the same values each call.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from . import _random
from ._public_serialization import deserialize as deserialize_public
from ._typing import TensorLike


def _fans(shape: Any, input_axes: Any = None, output_axes: Any = None) -> tuple[float, float]:
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (float(np.prod([shape[a] for a in input_axes])), float(np.prod([shape[a] for a in output_axes])))
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = float(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    def __call__(self, shape: Any, dtype: Any = "float32") -> Any:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        # Keras adds keys over versions (e.g. input_axes); take the ones this class has.
        accepted = inspect.signature(cls.__init__).parameters
        return cls(**{k: v for k, v in config.items() if k in accepted})


class _Seeded(Initializer):
    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed

    def _rng(self) -> np.random.Generator:
        return np.random.default_rng(self.seed) if self.seed is not None else _random.generator()

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


class Zeros(Initializer):
    def __call__(self, shape: Any, dtype: Any = "float32") -> Any:
        return np.zeros(shape, dtype)


class Ones(Initializer):
    def __call__(self, shape: Any, dtype: Any = "float32") -> Any:
        return np.ones(shape, dtype)


class Constant(Initializer):
    def __init__(self, value: TensorLike = 0.0) -> None:
        self.value = value

    def __call__(self, shape: Any, dtype: Any = "float32") -> Any:
        return np.full(shape, self.value, dtype)

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}


class RandomUniform(_Seeded):
    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape: Any, dtype: Any = "float32") -> Any:
        return self._rng().uniform(self.minval, self.maxval, shape).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class RandomNormal(_Seeded):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape: Any, dtype: Any = "float32") -> Any:
        return self._rng().normal(self.mean, self.stddev, shape).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def _truncated_normal(rng, shape, stddev):
    """Normal draws re-drawn until within two standard deviations (as TF's truncated normal)."""
    values = rng.normal(0.0, 1.0, shape)
    bad = np.abs(values) > 2
    while np.any(bad):
        values[bad] = rng.normal(0.0, 1.0, int(bad.sum()))
        bad = np.abs(values) > 2
    return values * stddev


class TruncatedNormal(_Seeded):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape: Any, dtype: Any = "float32") -> Any:
        return (self.mean + _truncated_normal(self._rng(), shape, self.stddev)).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(_Seeded):
    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
        input_axes: Any = None,
        output_axes: Any = None,
    ) -> None:
        super().__init__(seed)
        self.input_axes, self.output_axes = input_axes, output_axes
        if scale <= 0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform", "normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape: Any, dtype: Any = "float32") -> Any:
        fan_in, fan_out = _fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        scale = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution in ("truncated_normal", "normal"):
            stddev = math.sqrt(scale) / 0.87962566103423978  # std of a unit normal truncated at 2
            values = _truncated_normal(rng, shape, stddev)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(scale), shape)
        else:
            limit = math.sqrt(3.0 * scale)
            values = rng.uniform(-limit, limit, shape)
        return np.asarray(values, dtype)

    def get_config(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class GlorotUniform(VarianceScaling):
    def __init__(self, seed: int | None = None, input_axes: Any = None, output_axes: Any = None) -> None:
        super().__init__(1.0, "fan_avg", "uniform", seed, input_axes, output_axes)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotNormal(VarianceScaling):
    def __init__(self, seed: int | None = None, input_axes: Any = None, output_axes: Any = None) -> None:
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, input_axes, output_axes)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class HeUniform(VarianceScaling):
    def __init__(self, seed: int | None = None, input_axes: Any = None, output_axes: Any = None) -> None:
        super().__init__(2.0, "fan_in", "uniform", seed, input_axes, output_axes)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class HeNormal(VarianceScaling):
    def __init__(self, seed: int | None = None, input_axes: Any = None, output_axes: Any = None) -> None:
        super().__init__(2.0, "fan_in", "truncated_normal", seed, input_axes, output_axes)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class LecunUniform(VarianceScaling):
    def __init__(self, seed: int | None = None, input_axes: Any = None, output_axes: Any = None) -> None:
        super().__init__(1.0, "fan_in", "uniform", seed, input_axes, output_axes)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class LecunNormal(VarianceScaling):
    def __init__(self, seed: int | None = None, input_axes: Any = None, output_axes: Any = None) -> None:
        super().__init__(1.0, "fan_in", "truncated_normal", seed, input_axes, output_axes)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class Orthogonal(_Seeded):
    """Keras's orthogonal: QR of a normal matrix of shape (prod(shape[:-1]), shape[-1])."""

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape: Any, dtype: Any = "float32") -> Any:
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. Received: shape={shape}")
        rows, cols = int(np.prod(shape[:-1])), int(shape[-1])
        flat = self._rng().normal(0.0, 1.0, (max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q[:rows, :cols]).reshape(shape).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape: Any, dtype: Any = "float32") -> Any:
        if len(shape) != 2:
            raise ValueError(f"Identity matrix initializer can only be used for 2D matrices. Received: shape={shape}")
        return (self.gain * np.eye(*shape)).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}


def _cosine_window(coefficients: tuple, length: int, periodic: bool) -> np.ndarray:
    """scipy.signal.get_window's generalized cosine windows (sum_k (-1)^k a_k cos(2 pi k n / M)),
    symmetric (M = length - 1) or periodic (M = length, the DFT-even form)."""
    if length == 1:
        return np.ones(1)
    m = length if periodic else length - 1
    n = np.arange(length)
    return sum((-1) ** k * a * np.cos(2 * np.pi * k * n / m) for k, a in enumerate(coefficients))


# The windows STFT takes by name without SciPy (Keras takes any scipy.signal.windows name).
_WINDOWS = {
    "hann": (0.5, 0.5),
    "hanning": (0.5, 0.5),
    "hamming": (0.54, 0.46),
    "blackman": (0.42, 0.5, 0.08),
    "boxcar": (1.0,),
    "ones": (1.0,),
    "rectangular": (1.0,),
}


class STFT(Initializer):
    """Keras's STFT initializer: Conv1D kernels (frame_length, 1, fft_length // 2 + 1) holding
    the real (cos) or imaginary (-sin) part of the DFT, times a window scaled to unit L2
    ("density") or L1 ("spectrum") norm. Windows by name: hann, hamming, blackman, boxcar; or
    an array of frame_length values; or None."""

    def __init__(
        self, side: str = "real", window: Any = "hann", scaling: str | None = "density", periodic: bool = False
    ):
        if side not in ["real", "imag"]:
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str) and window not in _WINDOWS:
            raise ValueError(
                f"STFT: window {window!r} is not one dagnet computes; use one of {sorted(_WINDOWS)}, an array of "
                "window values, or None"
            )
        if scaling is not None and scaling not in ["density", "spectrum"]:
            raise ValueError(
                f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. Received scaling={scaling}"
            )
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape: Any, dtype: Any = "float32") -> Any:
        if len(shape) != 3:
            raise ValueError(f"STFT initializer expects a shape (frame_length, channels, bins); received shape={shape}")
        frame_length, _, fft_length = (int(d) for d in shape)
        freq = np.arange(fft_length).reshape(1, 1, fft_length) / ((fft_length - 1) * 2)
        time = np.arange(frame_length).reshape(frame_length, 1, 1)
        args = -2 * time * freq * np.pi
        kernel = np.cos(args) if self.side == "real" else np.sin(args)
        if self.window is not None:
            if isinstance(self.window, str):
                win = _cosine_window(_WINDOWS[self.window], frame_length, bool(self.periodic))
            else:
                win = np.asarray(self.window, dtype="float64")
            if win.ndim != 1 or win.shape[-1] != frame_length:
                raise ValueError(
                    f"The shape of `window` must be equal to [frame_length].Received: window shape={win.shape}"
                )
            win = win.reshape(frame_length, 1, 1)
            scaling = 1.0
            if self.scaling == "density":
                scaling = float(np.sqrt(np.sum(np.square(win))))
            elif self.scaling == "spectrum":
                scaling = float(np.sum(np.abs(win)))
            kernel = kernel * win / scaling
        return np.broadcast_to(kernel, tuple(int(d) for d in shape)).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        window = self.window.tolist() if isinstance(self.window, np.ndarray) else self.window
        return {"side": self.side, "window": window, "periodic": self.periodic, "scaling": self.scaling}


_ALIASES = {
    "zeros": Zeros,
    "zero": Zeros,
    "ones": Ones,
    "one": Ones,
    "constant": Constant,
    "random_uniform": RandomUniform,
    "uniform": RandomUniform,
    "random_normal": RandomNormal,
    "normal": RandomNormal,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "lecun_uniform": LecunUniform,
    "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal,
    "identity": Identity,
    "stft": STFT,
    "IdentityInitializer": Identity,
    "OrthogonalInitializer": Orthogonal,
    "STFTInitializer": STFT,
}
for _cls in list(_ALIASES.values()):
    _ALIASES[_cls.__name__] = _cls

# Lower-case functional aliases, as keras.initializers exposes them.
zeros, ones, constant = Zeros, Ones, Constant
glorot_uniform, glorot_normal, he_uniform, he_normal = GlorotUniform, GlorotNormal, HeUniform, HeNormal
orthogonal, random_uniform, random_normal = Orthogonal, RandomUniform, RandomNormal
identity, lecun_normal, lecun_uniform, stft = Identity, LecunNormal, LecunUniform, STFT
truncated_normal, variance_scaling = TruncatedNormal, VarianceScaling
# Keras 3's second names of the same classes (they serialize under the first).
IdentityInitializer, OrthogonalInitializer, STFTInitializer = Identity, Orthogonal, STFT


def get(identifier: Any) -> Any:
    """An initializer from a name, a config dict, an instance or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, Initializer) or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, str):
        if identifier not in _ALIASES:
            raise ValueError(f"Could not interpret initializer identifier: {identifier}")
        return _ALIASES[identifier]()
    if isinstance(identifier, dict):
        cls = _ALIASES.get(str(identifier.get("class_name")))
        if cls is None:
            raise ValueError(f"Could not interpret initializer identifier: {identifier}")
        return cls.from_config(identifier.get("config", {}))
    raise ValueError(f"Could not interpret initializer identifier: {identifier}")


def serialize(initializer: Any) -> dict:
    return {
        "module": "keras.initializers",
        "class_name": type(initializer).__name__,
        "config": initializer.get_config(),
        "registered_name": None,
    }


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """An initializer from its Keras 3 config dict or name (custom_objects: custom classes by name)."""
    found = deserialize_public(config, _ALIASES, "initializer", custom_objects)
    return found() if isinstance(found, type) else found  # a name gives an instance, as in Keras
