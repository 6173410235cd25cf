"""LSTM with Keras semantics and weight layout: kernel (in, 4u), recurrent_kernel (u, 4u),
bias (4u,), gates i, f, c, o. One native op runs the whole sequence (and its backward)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import activations as activations_module, constraints, initializers, ops, regularizers
from .._typing import TensorLike
from ..variables import Variable
from .core import Dropout, _constraint
from .input_spec import InputSpec
from .layer import Layer


class LSTM(Layer):
    kernel: Variable
    recurrent_kernel: Variable
    bias: Variable | None

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        use_cudnn: bool | str = "auto",
        zero_output_for_mask: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("implementation", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(
                f"Received an invalid value for argument `units`, expected a positive integer, got {units}."
            )
        if stateful:
            raise ValueError("stateful LSTMs are not supported")
        self.units = units
        self.activation = activations_module.get(activation)
        self.recurrent_activation = activations_module.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = _constraint(self, kernel_constraint, "kernel_constraint")
        self.recurrent_constraint = _constraint(self, recurrent_constraint, "recurrent_constraint")
        self.bias_constraint = _constraint(self, bias_constraint, "bias_constraint")
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.unroll = bool(unroll)  # a speed hint in Keras; the native loop gives the same results
        self.use_cudnn = use_cudnn
        self.zero_output_for_mask = bool(zero_output_for_mask)
        # Input dropout as Keras's LSTMCell applies it: one mask per sequence, the same at every step.
        self._input_dropout = (
            _Hidden(Dropout(self.dropout, noise_shape=(None, 1, None), seed=seed, name=f"{self.name}_input_dropout"))
            if self.dropout
            else None
        )
        # Recurrent dropout: one (batch, units) mask per sequence on h where it feeds the
        # recurrence (the engine's lstm takes it as an input). Keras draws a mask per gate;
        # one mask shared by the four gates keeps the product a single GEMM per step.
        self._recurrent_dropout = (
            _Hidden(
                Dropout(
                    self.recurrent_dropout,
                    seed=None if seed is None else seed + 1,
                    name=f"{self.name}_recurrent_dropout",
                )
            )
            if 0.0 < self.recurrent_dropout < 1.0
            else None
        )
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape: Any) -> None:
        if isinstance(input_shape, list):  # [inputs, h0, c0]
            input_shape = input_shape[0]
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                f'Layer "{self.name}": the feature dimension of the input must be known, got input shape {input_shape}'
            )
        u = self.units
        self.kernel = self.add_weight(
            shape=(features, 4 * u),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        self.recurrent_kernel = self.add_weight(
            shape=(u, 4 * u),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
            name="recurrent_kernel",
        )
        if self.use_bias:
            if self.unit_forget_bias:
                init = self.bias_initializer

                def bias_init(shape, dtype="float32"):
                    values = np.asarray(init((u,) * 1, dtype))
                    return np.concatenate([values, np.ones(u, dtype), np.asarray(init((2 * u,), dtype))]).astype(dtype)

                initializer = bias_init
            else:
                initializer = self.bias_initializer
            self.bias = self.add_weight(
                shape=(4 * u,),
                initializer=initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        else:
            self.bias = None
        for variable in self._own_weights:  # Keras keeps them on its LSTMCell: 'lstm/lstm_cell/kernel'
            scope, _, name = variable.path.rpartition("/")
            variable.path = f"{scope}/lstm_cell/{name}"

    def call(
        self,
        inputs: TensorLike,
        mask: TensorLike | None = None,
        training: bool | None = False,
        initial_state: Any = None,
    ) -> Any:
        if isinstance(inputs, (list, tuple)):
            inputs, initial_state = inputs[0], list(inputs[1:]) or initial_state
        b = inputs.builder
        if training and self._input_dropout is not None:
            inputs = self._input_dropout.layer(inputs, training=True)
        bias = b.param(self.bias) if self.bias is not None else b.constant(np.zeros(4 * self.units, inputs.dtype))
        operands = [inputs, b.param(self.kernel), b.param(self.recurrent_kernel), bias]
        attrs = {
            "return_sequences": int(self.return_sequences),
            "go_backwards": int(self.go_backwards),
            "activation": activations_module.serialize(self.activation),
            "recurrent_activation": activations_module.serialize(self.recurrent_activation),
        }
        if initial_state is not None:
            if len(initial_state) != 2:
                raise ValueError(
                    f'Layer "{self.name}": an LSTM needs an initial state of 2 tensors [h, c], got {len(initial_state)}'
                )
            operands += [b.as_value(s) for s in initial_state]
            attrs["has_initial_state"] = 1
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is not None:
            operands.append(mask)
            attrs["has_mask"] = 1
        if training and self._recurrent_dropout is not None:
            ones = ops.zeros_like(inputs[:, 0, :1]) + b.constant(np.ones(self.units, inputs.dtype))  # (batch, units)
            operands.append(self._recurrent_dropout.layer(ones, training=True))
            attrs["has_recurrent_mask"] = 1
        outputs = b.node("lstm", operands, attrs)
        output, h, c = outputs[:3]
        if self.zero_output_for_mask and self.return_sequences and mask is not None:
            output = output * ops.expand_dims(ops.cast(mask, output.dtype), -1)
        return [output, h, c] if self.return_state else output

    def compute_mask(self, inputs: TensorLike, mask: TensorLike | None = None) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        return [output_mask, None, None] if self.return_state else output_mask

    def _saved_structure(self) -> tuple[list, dict]:
        # Keras keeps an LSTM's weights on its cell: cell/vars in the weight files.
        cell_vars = [v for v in (self.kernel, self.recurrent_kernel, self.bias) if v is not None] if self.built else []
        return [], {"cell": (f"{self.name}_cell", cell_vars)}

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations_module.serialize(self.activation),
            "recurrent_activation": activations_module.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": False,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }


class _Hidden:
    """Holds a helper layer out of sight of weight tracking and saving."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
