"""Direct access to the native graph engine.

This is the layer the Keras front end lowers into; it is usable on its own:

    g = Graph()
    x = g.input("x", [-1, 4])                     # -1: known at run time
    w = g.param("w", np.zeros((4, 2), np.float32))
    y, = g.node("dense", [x, w], {"activation": "relu"})
    Executor(g, [y]).run({"x": batch})            # -> [array]

A ``Trainer`` adds autodiff and optimizer-update nodes to the graph and runs forward,
loss, backward and the update in one native call per ``step``.

``kernel_devices(op)`` lists the device types with a kernel for an op (``['cpu', 'cuda']``).

``set_op_profiling(True)`` times every kernel call; ``take_op_profile()`` returns
``[(op, calls, total ms)]``, slowest first, for finding where a model's time goes.
"""

from ._engine import (
    Executor,
    Graph,
    Tensor,
    Trainer,
    gradients,
    kernel_devices,
    num_threads,
    op_names,
    set_num_threads,
    set_op_profiling,
    take_op_profile,
)

__all__ = [
    "Graph",
    "Executor",
    "Trainer",
    "Tensor",
    "gradients",
    "kernel_devices",
    "set_num_threads",
    "num_threads",
    "op_names",
    "set_op_profiling",
    "take_op_profile",
]
