"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Lambda."""

from __future__ import annotations

import base64
import inspect
import marshal
import types
from typing import Any

import numpy as np

from .. import activations as activations_module, backend, constraints, initializers, ops, regularizers
from .._typing import TensorLike
from ..ops._dispatch import emit
from ..serialization.lambda_bytecode import func_load
from ..serialization.object_registration import get_registered_name, get_registered_object
from ..serialization.safe_mode import LAMBDA_LAYER_REFUSED, effective_safe_mode
from ..serialization.serialization_lib import clean_layer_config, public_function
from .input_spec import InputSpec
from .layer import Layer
from .seeded_layer import SeededLayer


def builder_of(x: TensorLike) -> Any:
    return x.builder


class Dense(Layer):
    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        lora_rank: Any = None,
        lora_alpha: Any = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if lora_rank is not None or quantization_config is not None:
            raise ValueError("Dense: LoRA (lora_rank) and quantization_config are not supported by dagnet")
        if not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. Received: units={units}"
            )
        self.units = int(units)
        self.activation = activations_module.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = _constraint(self, kernel_constraint, "kernel_constraint")
        self.bias_constraint = _constraint(self, bias_constraint, "bias_constraint")
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(
                f'Layer "{self.name}": the last dimension of the input must be known to build a '
                f"Dense layer, got input shape {input_shape}"
            )
        self.kernel, self.bias = add_kernel_and_bias(self, (in_dim, self.units), self.units)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})

    def call(self, inputs: TensorLike) -> Any:
        b = builder_of(inputs)
        weights = [inputs, b.param(self.kernel)] + ([b.param(self.bias)] if self.use_bias else [])
        fused = activations_module.engine_kind(self.activation)
        if fused is not None:
            return emit(b, "dense", weights, {"activation": fused})
        return self.activation(emit(b, "dense", weights, {"activation": "linear"}))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations_module.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }


def add_bias(layer: Any, size: int) -> Any:
    """The layer's `bias` weight of `size` from its bias_* arguments; None without use_bias."""
    if not layer.use_bias:
        return None
    return layer.add_weight(
        shape=(size,),
        initializer=layer.bias_initializer,
        regularizer=layer.bias_regularizer,
        constraint=layer.bias_constraint,
        name="bias",
    )


def add_kernel_and_bias(layer: Any, kernel_shape: tuple, units: int) -> tuple[Any, Any]:
    """Dense's and the convolutions' weights, in Keras's order and names: `kernel` from the
    layer's kernel_* arguments, then `bias` (see add_bias)."""
    kernel = layer.add_weight(
        shape=tuple(kernel_shape),
        initializer=layer.kernel_initializer,
        regularizer=layer.kernel_regularizer,
        constraint=layer.kernel_constraint,
        name="kernel",
    )
    return kernel, add_bias(layer, units)


def _constraint(layer, identifier, argument):
    return constraints.get(identifier)


class Activation(Layer):
    _keras_built_at_init = True  # no build_config in its serialization, as in Keras 3

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations_module.get(activation)
        self.supports_masking = True

    def call(self, inputs: TensorLike) -> Any:
        return self.activation(inputs)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": activations_module.serialize(self.activation)}


class Dropout(SeededLayer):
    """Inverted dropout in training (a fresh mask every step, from the layer's seed); identity otherwise."""

    _keras_built_at_init = True  # no build_config in its serialization, as in Keras 3

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                f"Received: rate={rate}"
            )
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs: TensorLike, training: bool | None = False) -> Any:
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return ops.zeros_like(inputs)
        b = builder_of(inputs)
        if self.noise_shape is None:
            y, _mask = b.node("dropout", [inputs, b.param(self._rng_state)], {"rate": self.rate, "seed": self._seed})
            return y
        # One mask of noise_shape (None: the input's size), broadcast over the size-1 axes.
        shape, noise_shape = tuple(inputs.shape), tuple(self.noise_shape)
        if len(noise_shape) != len(shape):
            raise ValueError(
                f'Layer "{self.name}": noise_shape {self.noise_shape} does not match the rank of the '
                f"input shape {shape}"
            )
        reference = inputs
        for axis, (dim, size) in enumerate(zip(noise_shape, shape)):
            if dim is None or dim == size:
                continue
            if dim != 1:
                raise ValueError(
                    f'Layer "{self.name}": noise_shape {self.noise_shape} is incompatible with the '
                    f"input shape {shape} (each entry must be None, 1 or the input's size)"
                )
            reference = ops.max(reference, axis=axis, keepdims=True)
        mask, _ = b.node(
            "dropout", [ops.ones_like(reference), b.param(self._rng_state)], {"rate": self.rate, "seed": self._seed}
        )
        return inputs * mask

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}


class Flatten(Layer):
    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs: TensorLike) -> Any:
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = ops.transpose(inputs, [0] + list(range(2, inputs.ndim)) + [1])
        return emit(builder_of(inputs), "reshape", [inputs], {"shape": [0, -1]})

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    _keras_built_at_init = True  # no build_config in its serialization, as in Keras 3

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        if not all(d is None or (isinstance(d, (int, np.integer)) and d >= -1) for d in self.target_shape):
            raise ValueError(
                "Each dimension in `target_shape` must be a non-negative integer, or `-1` for a single unknown "
                f"dimension. Received: target_shape={self.target_shape}."
            )
        if sum(1 for d in self.target_shape if d == -1 or d is None) > 1:
            raise ValueError(
                f"There must be at most one unknown dimension (-1) in target_shape. "
                f"Received: target_shape={self.target_shape}"
            )

    def call(self, inputs: TensorLike) -> Any:
        if 0 in self.target_shape:
            # The engine reads a 0 in a reshape target as "keep this input dimension", so a literal
            # zero-size dimension cannot be expressed; refuse it rather than copy a dimension.
            size = int(np.prod(inputs.shape[1:])) if None not in inputs.shape[1:] else None
            raise ValueError(
                f'Layer "{self.name}": a zero-size dimension in target_shape={self.target_shape} is not supported'
                + (
                    ""
                    if size == 0
                    else f" (the total size of the tensor must be unchanged: input shape {inputs.shape})"
                )
            )
        shape = [0] + [-1 if d is None else int(d) for d in self.target_shape]
        return emit(builder_of(inputs), "reshape", [inputs], {"shape": shape})

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": self.target_shape}


class Lambda(Layer):
    """Wraps a function of tensors written with dagnet.ops (or tensor operators)."""

    def __init__(
        self,
        function: Any,
        output_shape: Any = None,
        mask: TensorLike | None = None,
        arguments: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self._mask = mask
        self._fn_takes_mask = "mask" in inspect.signature(function).parameters
        self._fn_takes_training = "training" in inspect.signature(function).parameters

    def call(self, inputs: TensorLike, mask: TensorLike | None = None, training: bool | None = None) -> Any:
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs: TensorLike, mask: TensorLike | None = None) -> Any:
        if callable(self._mask):
            return self._mask(inputs, mask)
        return self._mask

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "function": _function_config(self.function)}
        if callable(self._output_shape):
            config["output_shape"] = _function_config(self._output_shape)
        elif self._output_shape is not None:  # Keras 3 leaves it out when not given
            config["output_shape"] = (
                list(self._output_shape) if isinstance(self._output_shape, tuple) else self._output_shape
            )
        config["arguments"] = self.arguments
        return config

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None, safe_mode: bool | None = None
    ) -> Lambda:
        """As Keras 3: a lambda's bytecode is rebuilt only with safe mode off (the argument, else
        the state a loading function set; unset is safe), and only after it is checked."""
        config = dict(config)
        safe = effective_safe_mode(safe_mode)
        fn = _load_function(config.pop("function"), safe, custom_objects)
        output_shape = config.get("output_shape")
        if isinstance(output_shape, dict):
            config["output_shape"] = _load_function(output_shape, safe, custom_objects)
        elif isinstance(output_shape, list) and all(d is None or isinstance(d, int) for d in output_shape):
            config["output_shape"] = tuple(output_shape)
        return cls(fn, **clean_layer_config(cls, config))


def _load_function(entry: Any, safe: bool, custom_objects: dict[str, Any] | None) -> Any:
    if isinstance(entry, dict) and entry.get("class_name") == "__lambda__":
        if safe:
            raise ValueError(LAMBDA_LAYER_REFUSED)
        inner = entry.get("config") or {}
        return func_load(
            inner.get("code"),
            defaults=inner.get("defaults"),
            closure=inner.get("closure"),
            globs={"ops": ops, **(custom_objects or {})},
        )
    return _named_function(entry, custom_objects)


def _function_config(fn: Any) -> Any:
    """Keras 3's entry for a Lambda's function: a lambda's marshalled bytecode (same Python only);
    any other function by name, found again through custom_objects, activations or dagnet.ops."""
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")  # Keras: codecs base64
        defaults = list(fn.__defaults__) if fn.__defaults__ else None  # Keras's func_dump writes them too
        return {"class_name": "__lambda__", "config": {"code": code, "defaults": defaults, "closure": None}}
    registered = get_registered_name(fn)
    return {"module": "builtins", "class_name": "function", "config": registered, "registered_name": "function"}


def _named_function(entry: Any, custom_objects: dict[str, Any] | None) -> Any:
    """The function a config names: {"class_name": "function", "config": name} or a bare name."""
    if isinstance(entry, dict) and entry.get("class_name") == "function":
        entry = entry.get("config")
    if not isinstance(entry, str):
        raise ValueError(f"Lambda: cannot interpret the saved function {entry!r}")
    found = get_registered_object(entry, custom_objects)
    if found is None:
        try:
            found = activations_module.get(entry)
        except ValueError:
            found = None
    if found is None:
        found = public_function(ops, entry)
    if found is None:
        raise TypeError(
            f"Could not locate function '{entry}'. Make sure custom classes and functions are decorated with "
            "`@dagnet.saving.register_keras_serializable()` or passed in `custom_objects`."
        )
    return found
