"""The Keras 3 recurrent cells SimpleRNNCell, GRUCell and LSTMCell: their arguments,
weights (Keras's names, layouts and gate orders) and configs. A cell has two lowerings:
``call`` is one time step written with dagnet.ops (a cell called directly, or unrolled by
``layers.RNN`` in a stack with a custom cell), and ``_lower_sequence`` runs the whole
sequence as one native op (lstm, gru or simple_rnn: the input projection of all steps as
one GEMM, BPTT natively), which is what RNN, LSTM, GRU, SimpleRNN and Bidirectional use.

Dropout follows Keras's DropoutRNNCell: one input mask and one recurrent mask per sequence,
the same at every step, drawn only in training. Keras's GRU and LSTM draw a recurrent mask
per gate when recurrent_dropout is set; dagnet draws one (batch, units) mask shared by the
gates, so the recurrent product stays one GEMM per step (same rate, same expectation)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import activations as activations_module, constraints, initializers, ops, regularizers
from .._typing import TensorLike
from ..variables import Variable
from .core import Dropout
from .layer import Layer

# Activations the native recurrent ops run (ops/recurrent.cpp); others need the unrolled path.
NATIVE_ACTIVATIONS = ("tanh", "sigmoid", "hard_sigmoid", "relu", "linear")


class _Hidden:
    """Holds a helper layer out of sight of weight tracking and saving."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer


def _check_units(units: Any) -> int:
    if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
        raise ValueError(f"Received an invalid value for argument `units`, expected a positive integer, got {units}.")
    return int(units)


class _DropoutCell(Layer):
    """What the three built-in cells share: units, kernels and their options, dropout."""

    _op: str  # the native sequence op
    _gates: int  # kernel columns per unit
    _has_recurrent_activation = True

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
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("implementation", None)  # Keras 2's speed switch; the native op is one implementation
        super().__init__(**kwargs)
        self.units = _check_units(units)
        self.activation = activations_module.get(activation)
        self.recurrent_activation = activations_module.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.state_size: Any = self.units
        self.output_size = self.units
        self._input_dropout: _Hidden | None = None
        self._recurrent_dropout_layer: _Hidden | None = None
        self._step_masks: tuple | None = None  # (input mask, recurrent mask) while RNN unrolls a sequence

    # -- weights ------------------------------------------------------------------------
    def build(self, input_shape: Any) -> None:
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                f'Layer "{self.name}": the feature dimension of the input must be known, got input shape {input_shape}'
            )
        g, u = self._gates, self.units
        self.kernel = self.add_weight(
            shape=(features, g * u),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        self.recurrent_kernel = self.add_weight(
            shape=(u, g * u),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
            name="recurrent_kernel",
        )
        self.bias = (
            self.add_weight(
                shape=self._bias_shape(),
                initializer=self._bias_initializer(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
            if self.use_bias
            else None
        )

    def _bias_shape(self) -> tuple:
        return (self._gates * self.units,)

    def _bias_initializer(self) -> Any:
        return self.bias_initializer

    def _bias_value(self, b: Any, dtype: str) -> Any:
        """The bias operand of the native op (zeros without use_bias: the op always takes one)."""
        return b.param(self.bias) if self.bias is not None else b.constant(np.zeros(self._bias_shape(), dtype))

    # -- states -------------------------------------------------------------------------
    def get_initial_state(self, batch_size: Any = None) -> list:
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [ops.zeros((batch_size, s), dtype=self.dtype) for s in sizes]

    # -- dropout ------------------------------------------------------------------------
    def _dropout_layers(self) -> tuple[Any, Any]:
        """The hidden Dropout layers that draw this cell's masks (made on first use)."""
        if self.dropout and self._input_dropout is None:
            self._input_dropout = _Hidden(Dropout(self.dropout, seed=self.seed, name=f"{self.name}_input_dropout"))
        if 0.0 < self.recurrent_dropout < 1.0 and self._recurrent_dropout_layer is None:
            seed = None if self.seed is None else self.seed + 1
            self._recurrent_dropout_layer = _Hidden(
                Dropout(self.recurrent_dropout, seed=seed, name=f"{self.name}_recurrent_dropout")
            )
        return (
            self._input_dropout.layer if self._input_dropout else None,
            self._recurrent_dropout_layer.layer if self._recurrent_dropout_layer else None,
        )

    def _dropout_masks(self, reference: TensorLike) -> tuple[Any, Any]:
        """One (batch, features) input mask and one (batch, units) recurrent mask (or None),
        for training; `reference` is one step's input (batch, features)."""
        input_layer, recurrent_layer = self._dropout_layers()
        input_mask = recurrent_mask = None
        if input_layer is not None:
            input_mask = input_layer(ops.ones_like(reference), training=True)
        if recurrent_layer is not None:
            ones = ops.zeros_like(reference[:, :1]) + np.ones(self.units, reference.dtype)  # (batch, units)
            recurrent_mask = recurrent_layer(ones, training=True)
        return input_mask, recurrent_mask

    # -- one step (ops) -----------------------------------------------------------------
    def call(self, inputs: TensorLike, states: Any, training: bool | None = False) -> Any:
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        input_mask = recurrent_mask = None
        if training:
            input_mask, recurrent_mask = self._step_masks or self._dropout_masks(inputs)
        if input_mask is not None:
            inputs = inputs * input_mask
        output, new_states = self._step(inputs, states, recurrent_mask)
        return output, new_states

    def _step(self, inputs: TensorLike, states: list, recurrent_mask: Any) -> tuple[Any, list]:
        raise NotImplementedError

    # -- the whole sequence (one native op) ---------------------------------------------
    def _native(self) -> bool:
        """Whether the native op runs this cell (its activations are ones the op knows)."""
        names = [activations_module.serialize(self.activation)]
        if self._has_recurrent_activation:
            names.append(activations_module.serialize(self.recurrent_activation))
        return all(n in NATIVE_ACTIVATIONS for n in names)

    def _op_attrs(self) -> dict[str, Any]:
        attrs: dict[str, Any] = {"activation": activations_module.serialize(self.activation)}
        if self._has_recurrent_activation:
            attrs["recurrent_activation"] = activations_module.serialize(self.recurrent_activation)
        return attrs

    def _lower_sequence(
        self,
        sequences: TensorLike,
        initial_state: list | None,
        mask: Any,
        training: bool | None,
        go_backwards: bool,
        return_sequences: bool,
        zero_output_for_mask: bool,
    ) -> tuple[Any, list]:
        """(output, final states) of the whole sequence as one native node."""
        b = sequences.builder
        recurrent_mask = None
        if training:
            input_mask, recurrent_mask = self._dropout_masks(sequences[:, 0, :])
            if input_mask is not None:
                sequences = sequences * ops.expand_dims(input_mask, 1)
        operands = [sequences, b.param(self.kernel), b.param(self.recurrent_kernel)]
        operands.append(self._bias_value(b, sequences.dtype))
        attrs = {
            **self._op_attrs(),
            "return_sequences": int(return_sequences),
            "go_backwards": int(go_backwards),
            "zero_output_for_mask": int(zero_output_for_mask),
        }
        if initial_state is not None:
            operands += [b.as_value(s) for s in initial_state]
            attrs["has_initial_state"] = 1
        if mask is not None:
            operands.append(mask)
            attrs["has_mask"] = 1
        if recurrent_mask is not None:
            operands.append(recurrent_mask)
            attrs["has_recurrent_mask"] = 1
        outputs = b.node(self._op, operands, attrs)
        count = len(self.state_size) if isinstance(self.state_size, (list, tuple)) else 1
        return outputs[0], list(outputs[1 : 1 + count])

    # -- config -------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"units": self.units, "activation": activations_module.serialize(self.activation)}
        if self._has_recurrent_activation:
            config["recurrent_activation"] = activations_module.serialize(self.recurrent_activation)
        config.update(
            {
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                **self._extra_config(),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout,
                **self._trailing_config(),
                "seed": self.seed,
            }
        )
        return {**super().get_config(), **config}

    def _extra_config(self) -> dict[str, Any]:
        return {}

    def _trailing_config(self) -> dict[str, Any]:
        return {}


class SimpleRNNCell(_DropoutCell):
    """Keras's SimpleRNNCell: h = activation(x W + b + h U)."""

    _op = "simple_rnn"
    _gates = 1
    _has_recurrent_activation = False

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            units,
            activation=activation,
            recurrent_activation=None,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            **kwargs,
        )

    def _step(self, inputs: TensorLike, states: list, recurrent_mask: Any) -> tuple[Any, list]:
        h = states[0] if recurrent_mask is None else states[0] * recurrent_mask
        z = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            z = z + self.bias
        output = self.activation(z + ops.matmul(h, self.recurrent_kernel))
        return output, [output]


class GRUCell(_DropoutCell):
    """Keras's GRUCell: gates z, r, h; reset_after (default, bias (2, 3u)) or before (bias (3u,))."""

    _op = "gru"
    _gates = 3

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        reset_after: bool = True,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            **kwargs,
        )
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _op_attrs(self) -> dict[str, Any]:
        return {**super()._op_attrs(), "reset_after": int(self.reset_after)}

    def _step(self, inputs: TensorLike, states: list, recurrent_mask: Any) -> tuple[Any, list]:
        u = self.units
        h = states[0]
        hm = h if recurrent_mask is None else h * recurrent_mask
        xp = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            xp = xp + (self.bias[0] if self.reset_after else self.bias)
        x_z, x_r, x_h = xp[:, :u], xp[:, u : 2 * u], xp[:, 2 * u :]
        if self.reset_after:
            hr = ops.matmul(hm, self.recurrent_kernel)
            if self.bias is not None:
                hr = hr + self.bias[1]
            z = self.recurrent_activation(x_z + hr[:, :u])
            r = self.recurrent_activation(x_r + hr[:, u : 2 * u])
            hh = self.activation(x_h + r * hr[:, 2 * u :])
        else:
            hr = ops.matmul(hm, self.recurrent_kernel[:, : 2 * u])
            z = self.recurrent_activation(x_z + hr[:, :u])
            r = self.recurrent_activation(x_r + hr[:, u:])
            hh = self.activation(x_h + ops.matmul(r * hm, self.recurrent_kernel[:, 2 * u :]))
        new_h = z * h + (1.0 - z) * hh
        return new_h, [new_h]

    def _trailing_config(self) -> dict[str, Any]:
        return {"reset_after": self.reset_after}


class LSTMCell(_DropoutCell):
    """Keras's LSTMCell: gates i, f, c, o; kernel (in, 4u), recurrent (u, 4u), bias (4u,)."""

    _op = "lstm"
    _gates = 4

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
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            **kwargs,
        )
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]

    def _bias_initializer(self) -> Any:
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, u = self.bias_initializer, self.units

        def bias_init(shape: Any, dtype: str = "float32") -> np.ndarray:
            parts = [np.asarray(init((u,), dtype)), np.ones(u, dtype), np.asarray(init((2 * u,), dtype))]
            return np.concatenate(parts).astype(dtype)

        return bias_init

    def _step(self, inputs: TensorLike, states: list, recurrent_mask: Any) -> tuple[Any, list]:
        u = self.units
        h, c = states[0], states[1]
        hm = h if recurrent_mask is None else h * recurrent_mask
        z = ops.matmul(inputs, self.kernel) + ops.matmul(hm, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        i = self.recurrent_activation(z[:, :u])
        f = self.recurrent_activation(z[:, u : 2 * u])
        g = self.activation(z[:, 2 * u : 3 * u])
        o = self.recurrent_activation(z[:, 3 * u :])
        new_c = f * c + i * g
        new_h = o * self.activation(new_c)
        return new_h, [new_h, new_c]

    def _extra_config(self) -> dict[str, Any]:
        return {"unit_forget_bias": self.unit_forget_bias}
