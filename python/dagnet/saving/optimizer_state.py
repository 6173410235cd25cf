"""The optimizer's variables in Keras 3's order and names. dagnet's training step keeps each
parameter's slots together ([iterations, learning_rate, then per parameter: its slots]);
Keras 3 lists them by the `add_optimizer_variables` call that made them: Adam's momentum and
velocity interleaved per parameter, then every velocity_hat (amsgrad); RMSprop's velocities,
then momentums, then average gradients. Names are '<optimizer>/<variable path>_<slot>'."""

from __future__ import annotations

from typing import Any


def _slot_layout(optimizer: Any) -> list:
    """(slot name, Keras group) for each slot of one parameter, in dagnet's order."""
    kind = type(optimizer).__name__
    if kind in ("Adam", "AdamW"):
        return [("momentum", 0), ("velocity", 0)] + (
            [("velocity_hat", 1)] if getattr(optimizer, "amsgrad", False) else []
        )
    if kind == "RMSprop":
        return (
            [("velocity", 0)]
            + ([("momentum", 1)] if getattr(optimizer, "momentum", 0) else [])
            + ([("average_gradient", 2)] if getattr(optimizer, "centered", False) else [])
        )
    if kind == "SGD":
        return [("momentum", 0)] if getattr(optimizer, "momentum", 0) else []
    return []


def _keras_permutation(model: Any, count: int) -> Any:
    """Indices into dagnet's slot list, in Keras's order, and their names; None when the
    layout does not match the slot count (an optimizer dagnet does not know the layout of)."""
    layout = _slot_layout(model.optimizer)
    variables = list(model.trainable_weights)
    if len(layout) * len(variables) != count:
        return None
    order, names = [], []
    prefix = model.optimizer.name
    for group in sorted({g for _, g in layout}):
        for i, variable in enumerate(variables):
            for j, (slot, g) in enumerate(layout):
                if g == group:
                    order.append(i * len(layout) + j)
                    names.append(f"{prefix}/{str(variable.path).replace('/', '_')}_{slot}")
    return order, names


def to_keras(model: Any, state: list) -> tuple[list, list]:
    """dagnet's [iterations, learning_rate, *slots] -> (names, values) in Keras 3's order."""
    slots = list(state[2:])
    perm = _keras_permutation(model, len(slots))
    prefix = model.optimizer.name
    head = [f"{prefix}/iteration", f"{prefix}/learning_rate"]
    if perm is None:
        return head + [f"{prefix}/slot_{i}" for i in range(len(slots))], list(state)
    order, names = perm
    return head + names, list(state[:2]) + [slots[k] for k in order]


def from_keras(model: Any, values: list) -> list:
    """Keras 3's optimizer variables (iterations, learning_rate, slots) -> dagnet's order."""
    values = list(values)
    perm = _keras_permutation(model, len(values) - 2)
    if perm is None:
        return values
    order, _ = perm
    slots = [None] * len(order)
    for position, k in enumerate(order):
        slots[k] = values[2 + position]
    return values[:2] + slots
