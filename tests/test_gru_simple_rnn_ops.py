"""The gru and simple_rnn ops against NumPy references (Keras 3 semantics: both GRU
conventions, masks of every pattern, initial state, go_backwards, zero_output_for_mask,
recurrent dropout), float64 finite-difference gradients through time, and errors."""

import numpy as np
import pytest
from helpers import fd_check, mse_to, run_op
from rnn_reference import gru as ref_gru, simple_rnn as ref_simple_rnn

from dagnet.engine import Executor, Graph

MASKS = {
    "none": None,
    "right_padded": np.array([[1, 1, 1, 1, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1]]),
    "holes": np.array([[1, 0, 1, 0, 1], [0, 1, 1, 0, 1], [1, 1, 0, 1, 0]]),
    "row_fully_masked": np.array([[0, 0, 0, 0, 0], [1, 0, 1, 1, 1], [0, 0, 0, 1, 0]]),
}


def gru_params(rng, features, units, reset_after=True, dtype=np.float64):
    bias = rng.standard_normal((2, 3 * units) if reset_after else 3 * units) * 0.3
    return (
        (rng.standard_normal((features, 3 * units)) * 0.5).astype(dtype),
        (rng.standard_normal((units, 3 * units)) * 0.5).astype(dtype),
        bias.astype(dtype),
    )


def rnn_params(rng, features, units, dtype=np.float64):
    return (
        (rng.standard_normal((features, units)) * 0.5).astype(dtype),
        (rng.standard_normal((units, units)) * 0.4).astype(dtype),
        (rng.standard_normal(units) * 0.3).astype(dtype),
    )


def run(op, x, params, h0=None, mask=None, rmask=None, **attrs):
    inputs = [x, *params]
    attrs = {k: (int(v) if isinstance(v, bool) else v) for k, v in attrs.items()}
    if h0 is not None:
        inputs.append(h0)
        attrs["has_initial_state"] = 1
    if mask is not None:
        inputs.append(mask)
        attrs["has_mask"] = 1
    if rmask is not None:
        inputs.append(rmask)
        attrs["has_recurrent_mask"] = 1
    return run_op(op, inputs, attrs)


@pytest.mark.parametrize("mask_name", list(MASKS))
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("zero_output", [False, True])
def test_gru_forward(mask_name, return_sequences, go_backwards, reset_after, zero_output):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 4))
    params = gru_params(rng, 4, 6, reset_after)
    h0 = rng.standard_normal((3, 6)) if mask_name != "none" else None
    mask = MASKS[mask_name]
    options = dict(return_sequences=return_sequences, go_backwards=go_backwards, zero_output_for_mask=zero_output)
    out, h, *_ = run(
        "gru", x, params, h0, None if mask is None else mask.astype(np.int32), reset_after=reset_after, **options
    )
    want_out, want_h = ref_gru(x, *params, h0, mask, reset_after=reset_after, **options)
    np.testing.assert_allclose(out, want_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h, want_h, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mask_name", list(MASKS))
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("zero_output", [False, True])
def test_simple_rnn_forward(mask_name, return_sequences, go_backwards, zero_output):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 5, 4))
    params = rnn_params(rng, 4, 6)
    h0 = rng.standard_normal((3, 6)) if mask_name != "holes" else None
    mask = MASKS[mask_name]
    options = dict(return_sequences=return_sequences, go_backwards=go_backwards, zero_output_for_mask=zero_output)
    out, h, *_ = run("simple_rnn", x, params, h0, None if mask is None else mask.astype(np.float32), **options)
    want_out, want_h = ref_simple_rnn(x, *params, h0, mask, **options)
    np.testing.assert_allclose(out, want_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h, want_h, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "linear", "hard_sigmoid", "sigmoid"])
def test_other_activations(activation):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 4, 3))
    params = gru_params(rng, 3, 5)
    out, _ = run("gru", x, params, return_sequences=True, activation=activation, recurrent_activation="hard_sigmoid")[
        :2
    ]
    want, _ = ref_gru(x, *params, return_sequences=True, activation=activation, recurrent_activation="hard_sigmoid")
    np.testing.assert_allclose(out, want, rtol=1e-10, atol=1e-12)
    params = rnn_params(rng, 3, 5)
    out = run("simple_rnn", x, params, return_sequences=True, activation=activation)[0]
    want, _ = ref_simple_rnn(x, *params, return_sequences=True, activation=activation)
    np.testing.assert_allclose(out, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("units", [5, 8, 16, 32, 40])
@pytest.mark.parametrize("reset_after", [True, False])
def test_float32_paths_match_reference(units, reset_after):
    """float32 runs the micro-kernel recurrent products (a padded last panel when the gate
    width is not a multiple of the kernel width) and the vectorised activations; 13 rows
    leave partial row tiles."""
    rng = np.random.default_rng(3)
    batch, steps = 13, 6
    x = rng.standard_normal((batch, steps, 7)).astype(np.float32)
    mask = (rng.uniform(size=(batch, steps)) > 0.3).astype(np.float32)
    h0 = (rng.standard_normal((batch, units)) * 0.5).astype(np.float32)
    params = gru_params(rng, 7, units, reset_after, np.float32)
    out, h, *_ = run("gru", x, params, h0, mask, return_sequences=True, reset_after=reset_after)
    want, want_h = ref_gru(x, *params, h0, mask, return_sequences=True, reset_after=reset_after)
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h, want_h, rtol=1e-4, atol=1e-5)
    params = rnn_params(rng, 7, units, np.float32)
    out, h, *_ = run("simple_rnn", x, params, h0, mask, return_sequences=True)
    want, want_h = ref_simple_rnn(x, *params, h0, mask, return_sequences=True)
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("isa", ["portable", "avx2"])
def test_float32_paths_under_other_isas(isa):
    import os
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, %r); import test_gru_simple_rnn_ops as t; "
        "t.test_float32_paths_match_reference(16, True); t.test_float32_paths_match_reference(5, False)"
    ) % os.path.dirname(__file__)
    out = subprocess.run(
        [sys.executable, "-c", code], env=dict(os.environ, DAGNET_CPU_ISA=isa), capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr


def _loss(g, outs, rng):
    terms = [mse_to(g, v, rng) for v in outs]
    return g.node("add", terms)[0] if len(terms) > 1 else terms[0]


@pytest.mark.parametrize("mask_name", ["none", "holes", "row_fully_masked"])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_gradients(mask_name, return_sequences, reset_after):
    rng = np.random.default_rng(4)
    mask = MASKS[mask_name]
    x = rng.standard_normal((3, 5, 2))
    params = gru_params(rng, 2, 3, reset_after)
    h0 = rng.standard_normal((3, 3)) * 0.5
    attrs = {"return_sequences": int(return_sequences), "has_initial_state": 1, "reset_after": int(reset_after)}

    def build(g, ids):
        inputs, a = list(ids), dict(attrs)
        if mask is not None:
            inputs.append(g.param("mask", mask.astype(np.float64)))
            a["has_mask"] = 1
        out, h, *_ = g.node("gru", inputs, a)
        return _loss(g, [out, h], rng)

    fd_check(build, [x, *params, h0], rng)


@pytest.mark.parametrize("mask_name", ["none", "holes", "row_fully_masked"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_simple_rnn_gradients(mask_name, return_sequences):
    rng = np.random.default_rng(5)
    mask = MASKS[mask_name]
    x = rng.standard_normal((3, 5, 2))
    params = rnn_params(rng, 2, 3)
    h0 = rng.standard_normal((3, 3)) * 0.5
    attrs = {"return_sequences": int(return_sequences), "has_initial_state": 1}

    def build(g, ids):
        inputs, a = list(ids), dict(attrs)
        if mask is not None:
            inputs.append(g.param("mask", mask.astype(np.float64)))
            a["has_mask"] = 1
        out, h, *_ = g.node("simple_rnn", inputs, a)
        return _loss(g, [out, h], rng)

    fd_check(build, [x, *params, h0], rng)


@pytest.mark.parametrize("op", ["gru", "gru_before", "simple_rnn", "lstm"])
def test_gradients_go_backwards_zero_output_and_recurrent_mask(op):
    """go_backwards + zero_output_for_mask + a recurrent dropout mask, without an initial state."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 5, 2))
    units = 3
    if op == "lstm":
        params = [rng.standard_normal((2, 4 * units)) * 0.5, rng.standard_normal((units, 4 * units)) * 0.5]
        params.append(rng.standard_normal(4 * units) * 0.1)
    elif op.startswith("gru"):
        params = list(gru_params(rng, 2, units, op == "gru"))
    else:
        params = list(rnn_params(rng, 2, units))
    mask = MASKS["holes"].astype(np.float64)
    rmask = (rng.random((3, units)) > 0.4) / 0.6
    attrs = {"return_sequences": 1, "go_backwards": 1, "zero_output_for_mask": 1, "has_mask": 1}
    attrs["has_recurrent_mask"] = 1
    if op.startswith("gru"):
        attrs["reset_after"] = int(op == "gru")

    def build(g, ids):
        extra = [g.param("mask", mask), g.param("rmask", rmask)]
        outs = g.node(op.replace("_before", ""), list(ids) + extra, attrs)
        return _loss(g, outs[:2], rng)

    fd_check(build, [x, *params], rng)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reset_after", [True, False])
def test_recurrent_dropout_mask_forward(dtype, reset_after):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 6, 5))
    units = 32
    params = gru_params(rng, 5, units, reset_after)
    h0 = rng.standard_normal((4, units)) * 0.5
    mask = (rng.random((4, 6)) > 0.3).astype(np.float64)
    rmask = (rng.random((4, units)) > 0.4) / 0.6
    cast = [a.astype(dtype) for a in (x, *params, h0, mask, rmask)]
    out, h, *_ = run("gru", cast[0], cast[1:4], *cast[4:], return_sequences=True, reset_after=reset_after)
    want, want_h = ref_gru(x, *params, h0, mask, True, reset_after=reset_after, recurrent_mask=rmask)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out, want, **tol)
    np.testing.assert_allclose(h, want_h, **tol)
    params = rnn_params(rng, 5, units)
    cast = [a.astype(dtype) for a in (x, *params, h0, mask, rmask)]
    out = run("simple_rnn", cast[0], cast[1:4], *cast[4:], return_sequences=True)[0]
    want, _ = ref_simple_rnn(x, *params, h0, mask, True, recurrent_mask=rmask)
    np.testing.assert_allclose(out, want, **tol)


@pytest.mark.parametrize("op", ["gru", "simple_rnn"])
def test_inference_plan_skips_saved_activations(op):
    rng = np.random.default_rng(8)
    b, t, f, u = 5, 9, 6, 32
    width = 3 * u if op == "gru" else u
    x = rng.standard_normal((b, t, f)).astype(np.float32)
    g = Graph()
    xi = g.input("x", [b, t, f])
    bias_shape = (2, width) if op == "gru" else (width,)
    params = [
        g.param(n, (rng.standard_normal(s) * 0.3).astype(np.float32))
        for n, s in (("w", (f, width)), ("r", (u, width)), ("bias", bias_shape))
    ]
    outs = g.node(op, [xi] + params, {"return_sequences": 1})
    got = Executor(g, outs[:2]).run([x])
    full = Executor(g, outs).run([x])
    for a, want in zip(got, full[:2]):
        np.testing.assert_array_equal(a, want)
    # A plan where another node reads the saved activations must hold them in its arena;
    # the inference plan holds none of them.
    saved = [g.node("scale", [v], {"factor": 2.0})[0] for v in outs[2:]]
    saved_bytes = sum(int(np.prod(g.shape(v))) * 4 for v in outs[2:])
    inference = Executor(g, [outs[0]]).plan_stats([[b, t, f]])["arena_bytes"]
    keeping = Executor(g, [outs[0]] + saved).plan_stats([[b, t, f]])["arena_bytes"]
    assert inference + saved_bytes <= keeping


def test_unknown_dims_and_errors():
    g = Graph()
    x = g.input("x", [-1, -1, 4])
    w = g.param("w", np.zeros((4, 6), np.float32))
    u = g.param("u", np.zeros((2, 6), np.float32))
    b2 = g.param("b2", np.zeros((2, 6), np.float32))
    b1 = g.param("b1", np.zeros(6, np.float32))
    out, h, *_ = g.node("gru", [x, w, u, b2], {"return_sequences": 1})
    assert g.shape(out) == [-1, -1, 2] and g.shape(h) == [-1, 2]
    g.node("gru", [x, w, u, b1], {"reset_after": 0})
    with pytest.raises(
        ValueError, match=r"'enc' \(gru\): with reset_after the bias must be \(2, 3\*units\) = \(2, 6\)"
    ):
        g.node("gru", [x, w, u, b1], name="enc")
    bad = g.param("bad", np.zeros((5, 6), np.float32))
    with pytest.raises(ValueError, match=r"the kernel must be \(features, 3\*units\) = \(4, 6\)"):
        g.node("gru", [x, bad, u, b2])
    with pytest.raises(ValueError, match="unsupported recurrent activation 'softsign'"):
        g.node("gru", [x, w, u, b2], {"recurrent_activation": "softsign"})
    with pytest.raises(ValueError, match="do not match has_initial_state"):
        g.node("gru", [x, w, u, b2], {"has_mask": 1})
    h0 = g.param("h0", np.zeros((3, 5), np.float32))
    with pytest.raises(ValueError, match=r"each initial state \(batch, units\) \(input 4\) must have shape"):
        g.node("gru", [x, w, u, b2, h0], {"has_initial_state": 1})
    rw = g.param("rw", np.zeros((4, 2), np.float32))
    ru = g.param("ru", np.zeros((2, 2), np.float32))
    rb = g.param("rb", np.zeros(3, np.float32))
    with pytest.raises(ValueError, match=r"\(simple_rnn\): the bias must be \(1\*units,\) = \(2,\)"):
        g.node("simple_rnn", [x, rw, ru, rb])
    with pytest.raises(ValueError, match=r"the recurrent kernel must be \(units, 1\*units\)"):
        g.node("simple_rnn", [x, rw, w, rb])
    with pytest.raises(ValueError, match="unknown attribute|recurrent_activation"):
        g.node("simple_rnn", [x, rw, ru, g.param("ok", np.zeros(2, np.float32))], {"recurrent_activation": "tanh"})


@pytest.mark.parametrize("op", ["gru", "gru_before", "simple_rnn", "lstm"])
def test_gradients_with_other_activations(op):
    """Activations other than the default sigmoid / tanh pair take the generic derivative
    path (ops/recurrent_math.h, which the CUDA kernels share)."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 4, 3))
    units = 3
    if op == "lstm":
        params = [rng.standard_normal((3, 4 * units)) * 0.5, rng.standard_normal((units, 4 * units)) * 0.5]
        params.append(rng.standard_normal(4 * units) * 0.1)
    elif op.startswith("gru"):
        params = list(gru_params(rng, 3, units, op == "gru"))
    else:
        params = list(rnn_params(rng, 3, units))
    attrs = {"return_sequences": 1, "activation": "sigmoid", "has_mask": 1}
    if op != "simple_rnn":
        attrs["recurrent_activation"] = "tanh"
    if op.startswith("gru"):
        attrs["reset_after"] = int(op == "gru")
    mask = np.array([[1, 1, 0, 1], [0, 1, 1, 1]], np.float64)

    def build(g, ids):
        outs = g.node(op.replace("_before", ""), list(ids) + [g.param("mask", mask)], attrs)
        return _loss(g, outs[:2], rng)

    fd_check(build, [x, *params], rng)
