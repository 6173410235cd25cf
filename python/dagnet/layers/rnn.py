"""Keras 3's RNN layer and StackedRNNCells.

How an RNN lowers, by its cell:
- a built-in cell (LSTMCell, GRUCell, SimpleRNNCell) whose activations the native ops know:
  one native node runs the whole sequence (and its backward);
- StackedRNNCells of such cells: one native node per cell, in Keras's weight order (the
  inner ones return sequences; with go_backwards the first reads the input backwards and
  the rest read its outputs, which are then in processing order, with the mask reversed
  to match);
- any other cell (a custom Python cell, a built-in cell with an activation the native ops
  do not have, a stack containing one): its `call` is unrolled into the graph over the
  sequence length, which must then be known when the model is built. The loop runs once,
  while tracing; the training step runs the unrolled graph natively.

stateful=True keeps the final states in non-trainable variables (outside the layer's
weights, as Keras) that every run of the lowered graph reads as initial states and writes
back inside the same native step (a traced Variable.assign: a state update, see CONTRIBUTING.md);
reset_states() zeroes them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _tree, ops
from .._typing import TensorLike
from ..serialization.serialization_lib import (
    clean_layer_config,
    deserialize_keras_object,
    serialize_keras_object,
)
from ..variables import Variable
from .layer import Layer, name_scope
from .rnn_cells import _DropoutCell


def _flat_sizes(state_size: Any) -> list[int]:
    return [int(s) for s in _tree.flatten(state_size)]


def flip_time(x: TensorLike) -> Any:
    """x with its time axis (1) reversed."""
    return x[:, ::-1]


class StackedRNNCells(Layer):
    """Cells applied one after another at each time step (Keras 3's StackedRNNCells)."""

    def __init__(self, cells: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for cell in cells:
            if "call" not in dir(cell):
                raise ValueError(f"All cells must have a `call` method. Received cell without a `call` method: {cell}")
            if "state_size" not in dir(cell):
                raise ValueError(
                    f"All cells must have a `state_size` attribute. Received cell without a `state_size`: {cell}"
                )
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> int:
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        return last.state_size[0] if isinstance(last.state_size, (list, tuple)) else last.state_size

    def get_initial_state(self, batch_size: Any = None) -> list:
        states = []
        for cell in self.cells:
            sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
            zeros = [ops.zeros((batch_size, s), dtype=self.dtype) for s in sizes]
            states.append(zeros if isinstance(cell.state_size, (list, tuple)) else zeros[0])
        return states

    def build(self, input_shape: Any) -> None:
        with name_scope(self):
            for cell in self.cells:
                if isinstance(cell, Layer) and not cell.built:
                    with name_scope(cell):
                        cell.build(input_shape)
                    cell.built = True
                size = getattr(cell, "output_size", None)
                if size is None:
                    size = cell.state_size[0] if isinstance(cell.state_size, (list, tuple)) else cell.state_size
                input_shape = (_tree.flatten(input_shape)[0], size)

    def call(self, inputs: TensorLike, states: Any, training: bool | None = False, **kwargs: Any) -> Any:
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            nested = isinstance(cell_states, (list, tuple))
            cell_states = list(cell_states) if nested else [cell_states]
            if isinstance(cell, Layer) and cell._call_takes_training:
                kwargs["training"] = training
            else:
                kwargs.pop("training", None)
            call = cell.__call__ if callable(cell) else cell.call
            inputs, cell_states = call(inputs, cell_states, **kwargs)
            if len(cell_states) == 1 and not nested:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        return inputs, new_states

    def _saved_structure(self) -> tuple[list, dict]:
        return [], {"cells": self.cells}  # Keras 3: cell/cells/<snake_case class>[_N]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cells": [serialize_keras_object(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> StackedRNNCells:
        config = dict(config)
        cells = [deserialize_keras_object(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **clean_layer_config(cls, config))


class RNN(Layer):
    """Keras 3's RNN: runs a cell over a sequence (see the module docstring for how)."""

    def __init__(
        self,
        cell: Any,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        **kwargs: Any,
    ) -> None:
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if "call" not in dir(cell):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        if "state_size" not in dir(cell):
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (single integer or list of integers, "
                f"one integer per RNN state). Received: cell={cell}"
            )
        super().__init__(**kwargs)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)  # a speed hint in Keras; the native loop gives the same results
        self.supports_masking = True
        self.input_spec = None
        self.states: list[Variable] | None = None
        state_size = getattr(cell, "state_size", None)
        if state_size is None:
            raise ValueError("state_size must be specified as property on the RNN cell.")
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError("state_size must be an integer, or a list/tuple of integers (one for each state tensor).")
        self.state_size = [state_size] if isinstance(state_size, int) else list(state_size)
        self.single_state = isinstance(state_size, int)

    # -- build ----------------------------------------------------------------------------
    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        if isinstance(sequences_shape, list) and sequences_shape and isinstance(sequences_shape[0], (list, tuple)):
            sequences_shape = sequences_shape[0]  # [sequences, *initial states] (Keras 2's list input)
        if len(sequences_shape) < 3:
            raise ValueError(
                f'Layer "{self.name}" expects a 3-D input (batch, time, features), got shape {tuple(sequences_shape)}'
            )
        step_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        with name_scope(self):
            if isinstance(self.cell, Layer) and not self.cell.built:
                with name_scope(self.cell):
                    self.cell.build(step_shape)
                self.cell.built = True
        if self.stateful:
            if self.states is not None:
                self.reset_states()
            else:
                if sequences_shape[0] is None:
                    raise ValueError(
                        "When using `stateful=True` in a RNN, the batch size must be static. Found dynamic batch "
                        f"size: sequence.shape={tuple(sequences_shape)}"
                    )
                self._create_state_variables(int(sequences_shape[0]))

    def _create_state_variables(self, batch_size: int) -> None:
        # Not weights (Keras creates them without tracking): they stay out of get_weights,
        # saving and the parameter counts.
        self.states = [
            Variable(
                np.zeros((batch_size, s), self.dtype), name="rnn_state", trainable=False, path=f"{self.name}/rnn_state"
            )
            for s in _flat_sizes(self.cell.state_size)
        ]

    def get_initial_state(self, batch_size: Any) -> list:
        """Zero states (batch_size, size) for each of the cell's states (the cell's own when it has them)."""
        make = getattr(self.cell, "get_initial_state", None)
        if make is not None:
            states = make(batch_size=batch_size)
            return list(states) if isinstance(states, (list, tuple)) else [states]
        return [ops.zeros((batch_size, s), dtype=self.dtype) for s in _flat_sizes(self.cell.state_size)]

    def reset_states(self, states: Any = None) -> None:
        """Zeroes a stateful RNN's states (or sets them to `states`, Keras 2's argument)."""
        if self.states is None:
            if not self.stateful:
                return
            raise AttributeError(f'Layer "{self.name}" is stateful but not built yet: there are no states to reset.')
        values = [None] * len(self.states) if states is None else list(_tree.flatten(states))
        if len(values) != len(self.states):
            raise ValueError(f'Layer "{self.name}" expects {len(self.states)} states, but it received {len(values)}')
        for variable, value in zip(self.states, values):
            variable.assign(np.zeros(variable.shape, variable.dtype) if value is None else np.asarray(value))

    reset_state = reset_states

    # -- call -----------------------------------------------------------------------------
    def call(
        self,
        sequences: TensorLike,
        initial_state: Any = None,
        mask: Any = None,
        training: bool | None = False,
    ) -> Any:
        if isinstance(sequences, (list, tuple)):  # Keras 2: [sequences, *initial states]
            sequences, initial_state = sequences[0], list(sequences[1:]) or initial_state
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        b = sequences.builder
        sizes = _flat_sizes(self.cell.state_size)
        if initial_state is None and self.stateful:
            self._check_stateful_batch(sequences)
            states = [b.param(v) for v in self.states or []]
        elif initial_state is not None:
            states = [b.as_value(s) for s in _tree.flatten(initial_state)]
            if len(states) != len(sizes):
                raise ValueError(
                    f'Layer "{self.name}": the cell has {len(sizes)} states {self.cell.state_size}, but '
                    f"initial_state holds {len(states)} tensors"
                )
        else:
            states = None
        output, final_states = self._lower(sequences, states, mask, training)
        if self.stateful and self.states:
            # The traced batch size is free (known at run time); the states' is fixed. A
            # traced assign is a state update: written back inside each step that runs.
            for variable, state in zip(self.states, final_states):
                variable.assign(ops.reshape(state, variable.shape))
        if not self.return_state:
            return output
        return [output, *self._pack_states(final_states)]

    def _check_stateful_batch(self, sequences: TensorLike) -> None:
        expected = self.states[0].shape[0] if self.states else None
        actual = sequences.shape[0]
        if expected is not None and actual is not None and actual != expected:
            raise ValueError(
                "If an RNN is stateful, the batch size of the input sequences must be the same as the batch size of "
                f"the initial state. \n- Expected batch size: {expected}\n- Received batch size: {actual}"
            )

    def _pack_states(self, flat: list) -> list:
        """The final states as Keras returns them after the output: one entry per cell state
        (a stack nests each cell's list of states)."""
        if not isinstance(self.cell, StackedRNNCells):
            return list(flat)
        return list(_tree.pack_sequence_as(self.cell.state_size, flat))

    def _lower(self, sequences: TensorLike, states: list | None, mask: Any, training: bool | None) -> tuple:
        cell = self.cell
        if _native_cell(cell):
            return cell._lower_sequence(
                sequences,
                states,
                mask,
                training,
                self.go_backwards,
                self.return_sequences,
                self.zero_output_for_mask,
            )
        if isinstance(cell, StackedRNNCells) and all(_native_cell(c) for c in cell.cells):
            return self._lower_stack(sequences, states, mask, training)
        return self._unroll(sequences, states, mask, training)

    def _lower_stack(self, sequences: TensorLike, states: list | None, mask: Any, training: bool | None) -> tuple:
        cells = self.cell.cells
        x, finals, offset = sequences, [], 0
        for i, cell in enumerate(cells):
            count = len(_flat_sizes(cell.state_size))
            cell_states = None if states is None else states[offset : offset + count]
            offset += count
            last = i == len(cells) - 1
            # After a backwards first cell its outputs are in processing order: read them forwards.
            cell_mask = flip_time(mask) if (mask is not None and i > 0 and self.go_backwards) else mask
            x, cell_finals = cell._lower_sequence(
                x,
                cell_states,
                cell_mask,
                training,
                self.go_backwards and i == 0,
                self.return_sequences or not last,
                self.zero_output_for_mask and last,
            )
            finals += cell_finals
        return x, finals

    def _unroll(self, sequences: TensorLike, states: list | None, mask: Any, training: bool | None) -> tuple:
        steps = sequences.shape[1]
        if steps is None:
            raise ValueError(
                f'Layer "{self.name}": its cell {type(self.cell).__name__} does not lower to a native recurrent op '
                "(dagnet runs LSTMCell, GRUCell and SimpleRNNCell natively, with tanh, sigmoid, hard_sigmoid, relu or "
                "linear activations, and stacks of them), so it is unrolled over the time steps, and that needs a "
                f"known sequence length: got input shape {sequences.shape}. Give the Input a fixed length."
            )
        sizes = _flat_sizes(self.cell.state_size)
        zero_column = ops.zeros_like(sequences[:, 0, :1])  # (batch, 1), for zero states of unknown batch
        if states is None:
            states = [zero_column + np.zeros(s, sequences.dtype) for s in sizes]
        cells = self.cell.cells if isinstance(self.cell, StackedRNNCells) else [self.cell]
        if training:  # one dropout mask per sequence, as Keras's DropoutRNNCell caches it
            reference = sequences[:, 0, :]
            for c in cells:
                if isinstance(c, _DropoutCell):
                    c._step_masks = c._dropout_masks(reference)
                reference = zero_column + np.zeros(_output_size(c), sequences.dtype)
        call_kwargs = {"training": training} if getattr(self.cell, "_call_takes_training", False) else {}
        call = self.cell if isinstance(self.cell, Layer) else self.cell.call
        structure = self.cell.state_size if not self.single_state else None
        out_size = _output_size(self.cell)
        previous = zero_column + np.zeros(out_size, sequences.dtype)
        outputs = []
        try:
            for t in range(steps - 1, -1, -1) if self.go_backwards else range(steps):
                given = list(states) if structure is None else _tree.pack_sequence_as(structure, states)
                output, new_states = call(sequences[:, t, :], given, **call_kwargs)
                new_states = _tree.flatten(new_states)
                if mask is not None:
                    valid = ops.expand_dims(ops.cast(mask[:, t], output.dtype), -1)  # nonzero: a real step
                    kept = previous if not self.zero_output_for_mask else ops.zeros_like(output)
                    output = ops.where(valid, output, kept)
                    new_states = [ops.where(valid, n, s) for n, s in zip(new_states, states)]
                states, previous = new_states, output
                outputs.append(output)
        finally:
            for c in cells:
                if isinstance(c, _DropoutCell):
                    c._step_masks = None
        output = ops.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return output, states

    # -- masks, config, saving -----------------------------------------------------------
    @property
    def returned_state_count(self) -> int:
        """How many state entries follow the output with return_state."""
        return len(self._pack_states(_flat_sizes(self.cell.state_size)))

    def compute_mask(self, inputs: TensorLike, mask: Any = None) -> Any:
        mask = _tree.flatten(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * self.returned_state_count
        return output_mask

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialize_keras_object(self.cell),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> RNN:
        config = dict(config)
        cell = deserialize_keras_object(config.pop("cell"), custom_objects)
        return cls(cell, **clean_layer_config(cls, config))


def _native_cell(cell: Any) -> bool:
    return isinstance(cell, _DropoutCell) and cell._native()


def _output_size(cell: Any) -> int:
    size = getattr(cell, "output_size", None)
    if size is not None:
        return int(size)
    return int(_flat_sizes(cell.state_size)[0])
