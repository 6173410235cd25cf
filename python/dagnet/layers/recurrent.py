"""LSTM with Keras semantics and weight layout: kernel (in, 4u), recurrent_kernel (u, 4u),
bias (4u,), gates i, f, c, o. One native op runs the whole sequence (and its backward)."""
from __future__ import annotations

import numpy as np

from .. import activations as activations_module, initializers, regularizers
from .core import _serialize_regularizer
from .input_spec import InputSpec
from .layer import Layer


class LSTM(Layer):
    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto", zero_output_for_mask=False,
                 **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        if zero_output_for_mask:
            raise ValueError("LSTM(zero_output_for_mask=True) is not supported: masked steps repeat the previous "
                             "output (Keras's default)")
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a positive integer, got "
                             f"{units}.")
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
        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        if isinstance(input_shape, list):  # [inputs, h0, c0]
            input_shape = input_shape[0]
        features = input_shape[-1]
        if features is None:
            raise ValueError(f'Layer "{self.name}": the feature dimension of the input must be known, got input '
                             f"shape {input_shape}")
        u = self.units
        self.kernel = self.add_weight(shape=(features, 4 * u), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(u, 4 * u), initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer, name="recurrent_kernel")
        if self.use_bias:
            if self.unit_forget_bias:
                init = self.bias_initializer

                def bias_init(shape, dtype="float32"):
                    values = np.asarray(init((u,) * 1, dtype))
                    return np.concatenate([values, np.ones(u, dtype), np.asarray(init((2 * u,), dtype))]).astype(dtype)

                initializer = bias_init
            else:
                initializer = self.bias_initializer
            self.bias = self.add_weight(shape=(4 * u,), initializer=initializer, regularizer=self.bias_regularizer,
                                        name="bias")
        else:
            self.bias = None
        for variable in self._own_weights:  # Keras keeps them on its LSTMCell: 'lstm/lstm_cell/kernel'
            scope, _, name = variable.path.rpartition("/")
            variable.path = f"{scope}/lstm_cell/{name}"

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if isinstance(inputs, (list, tuple)):
            inputs, initial_state = inputs[0], list(inputs[1:]) or initial_state
        b = inputs.builder
        bias = b.param(self.bias) if self.bias is not None else b.constant(np.zeros(4 * self.units, inputs.dtype))
        operands = [inputs, b.param(self.kernel), b.param(self.recurrent_kernel), bias]
        attrs = {"return_sequences": int(self.return_sequences), "go_backwards": int(self.go_backwards),
                 "activation": activations_module.serialize(self.activation),
                 "recurrent_activation": activations_module.serialize(self.recurrent_activation)}
        if initial_state is not None:
            if len(initial_state) != 2:
                raise ValueError(f'Layer "{self.name}": an LSTM needs an initial state of 2 tensors [h, c], got '
                                 f"{len(initial_state)}")
            operands += [b.as_value(s) for s in initial_state]
            attrs["has_initial_state"] = 1
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is not None:
            operands.append(mask)
            attrs["has_mask"] = 1
        outputs = b.node("lstm", operands, attrs)
        output, h, c = outputs[:3]
        return [output, h, c] if self.return_state else output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        return [output_mask, None, None] if self.return_state else output_mask

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations_module.serialize(self.activation),
                "recurrent_activation": activations_module.serialize(self.recurrent_activation),
                "use_bias": self.use_bias, "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "unit_forget_bias": self.unit_forget_bias,
                "kernel_regularizer": _serialize_regularizer(self.kernel_regularizer),
                "recurrent_regularizer": _serialize_regularizer(self.recurrent_regularizer),
                "bias_regularizer": _serialize_regularizer(self.bias_regularizer),
                "activity_regularizer": None, "kernel_constraint": None, "recurrent_constraint": None,
                "bias_constraint": None, "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "seed": None, "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": False, "unroll": False,
                "zero_output_for_mask": False}
