"""Shared helpers for engine tests: build one-op graphs, run them, check gradients."""

import numpy as np

from dagnet.engine import Executor, Graph, gradients


def run_op(op, arrays, attrs=None, n_outputs=None):
    """Runs one `op` node on `arrays` (fed as inputs); returns its outputs as arrays."""
    g = Graph()
    ids = [g.input(f"x{i}", list(a.shape), str(a.dtype)) for i, a in enumerate(arrays)]
    outs = g.node(op, ids, attrs or {})
    return Executor(g, outs).run(list(arrays))


def fd_check(build, params, rng, eps=1e-6, rtol=1e-6, atol=1e-8):
    """Finite-difference check in float64.

    `build(g, ids)` adds nodes on parameters `ids` (one per array in `params`) and returns
    a scalar loss value. The analytic gradients from the engine's backward graph must
    match central differences of the forward loss.
    """
    g = Graph()
    ids = [g.param(f"p{i}", np.asarray(p, np.float64)) for i, p in enumerate(params)]
    loss = build(g, ids)
    grads = gradients(g, loss, ids)
    analytic = Executor(g, grads).run([])
    forward = Executor(g, [loss])
    for pid, grad in zip(ids, analytic):
        view = np.asarray(g.param_tensor(pid))
        numeric = np.zeros_like(view)
        flat, nflat = view.reshape(-1), numeric.reshape(-1)
        for k in range(flat.size):
            keep = flat[k]
            flat[k] = keep + eps
            up = forward.run([])[0]
            flat[k] = keep - eps
            down = forward.run([])[0]
            flat[k] = keep
            nflat[k] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=rtol, atol=atol)
    return analytic


def mse_to(g, value, rng):
    """Adds mse(value, random target): a smooth scalar read of every element of value."""
    shape = g.shape(value)
    target = g.param(f"target{g.num_values}", rng.standard_normal(shape))
    return g.node("mse", [value, target])[0]
