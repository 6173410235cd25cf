"""The lstm op against a NumPy reference (Keras 3 semantics, masks of every pattern,
initial state, go_backwards), float64 finite-difference gradients through time, errors."""

import numpy as np
import pytest
from helpers import fd_check, mse_to, run_op
from lstm_reference import lstm as ref_lstm

from dagnet.engine import Graph


def params(rng, features, units, dtype=np.float64):
    return (
        rng.standard_normal((features, 4 * units)).astype(dtype) * 0.5,
        rng.standard_normal((units, 4 * units)).astype(dtype) * 0.5,
        rng.standard_normal(4 * units).astype(dtype) * 0.1,
    )


MASKS = {
    "none": None,
    "right_padded": np.array([[1, 1, 1, 1, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1]]),
    "holes": np.array([[1, 0, 1, 0, 1], [0, 1, 1, 0, 1], [1, 1, 0, 1, 0]]),
    "row_fully_masked": np.array([[0, 0, 0, 0, 0], [1, 0, 1, 1, 1], [0, 0, 0, 1, 0]]),
}


@pytest.mark.parametrize("mask_name", list(MASKS))
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("initial_state", [False, True])
def test_lstm_forward(mask_name, return_sequences, go_backwards, initial_state):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 4))
    w, u, b = params(rng, 4, 6)
    mask = MASKS[mask_name]
    inputs = [x, w, u, b]
    attrs = {"return_sequences": int(return_sequences), "go_backwards": int(go_backwards)}
    h0 = c0 = None
    if initial_state:
        h0, c0 = rng.standard_normal((3, 6)), rng.standard_normal((3, 6))
        inputs += [h0, c0]
        attrs["has_initial_state"] = 1
    if mask is not None:
        inputs.append(mask.astype(np.int32))
        attrs["has_mask"] = 1
    out, h, c, *_ = run_op("lstm", inputs, attrs)
    m = None if mask is None else (mask[:, ::-1] if go_backwards else mask)
    want_out, want_h, want_c = ref_lstm(x[:, ::-1] if go_backwards else x, w, u, b, h0, c0, m, return_sequences)
    np.testing.assert_allclose(out, want_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h, want_h, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(c, want_c, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_lstm_zero_output_for_mask(go_backwards, return_sequences):
    """Masked steps output zeros (Keras's zero_output_for_mask, which Bidirectional sets)."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 5, 4))
    w, u, b = params(rng, 4, 6)
    mask = MASKS["holes"]
    attrs = {"return_sequences": int(return_sequences), "go_backwards": int(go_backwards), "has_mask": 1}
    attrs["zero_output_for_mask"] = 1
    out, h, c, *_ = run_op("lstm", [x, w, u, b, mask.astype(np.float64)], attrs)
    m = mask[:, ::-1] if go_backwards else mask
    want, want_h, want_c = ref_lstm(
        x[:, ::-1] if go_backwards else x, w, u, b, mask=m, return_sequences=return_sequences, zero_output_for_mask=True
    )
    np.testing.assert_allclose(out, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(c, want_c, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 7, 3), (4, 1, 2)])
def test_lstm_forward_float32_small_shapes(shape):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(np.float32)
    w, u, b = params(rng, shape[2], 3, np.float32)
    out, h, c, *_ = run_op("lstm", [x, w, u, b], {"return_sequences": 1})
    want, want_h, _ = ref_lstm(x.astype(np.float64), w, u, b, return_sequences=True)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h, want_h, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mask_name", ["none", "holes", "row_fully_masked"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_lstm_gradients(mask_name, return_sequences):
    rng = np.random.default_rng(2)
    mask = MASKS[mask_name]
    x = rng.standard_normal((3, 5, 2))
    w, u, b = params(rng, 2, 3)
    h0, c0 = rng.standard_normal((3, 3)) * 0.5, rng.standard_normal((3, 3)) * 0.5
    attrs = {"return_sequences": int(return_sequences), "has_initial_state": 1}

    def build(g, ids):
        inputs = list(ids)
        a = dict(attrs)
        if mask is not None:
            inputs.append(g.param("mask", mask.astype(np.float64)))
            a["has_mask"] = 1
        out, h, c, *_ = g.node("lstm", inputs, a)
        terms = [mse_to(g, out, rng), mse_to(g, h, rng), mse_to(g, c, rng)]  # gradient from all three outputs
        return g.node("add", terms)[0]

    fd_check(build, [x, w, u, b, h0, c0], rng)


def test_lstm_gradient_go_backwards_without_state():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 3))
    w, u, b = params(rng, 3, 2)

    def build(g, ids):
        out, *_ = g.node("lstm", ids, {"go_backwards": 1, "return_sequences": 1})
        return mse_to(g, out, rng)

    fd_check(build, [x, w, u, b], rng)


def test_lstm_unknown_time_and_errors():
    g = Graph()
    x = g.input("x", [-1, -1, 4])
    w = g.param("w", np.zeros((4, 8), np.float32))
    u = g.param("u", np.zeros((2, 8), np.float32))
    b = g.param("b", np.zeros(8, np.float32))
    out, h, c, *_ = g.node("lstm", [x, w, u, b], {"return_sequences": 1})
    assert g.shape(out) == [-1, -1, 2] and g.shape(h) == [-1, 2]
    bad = g.param("bad", np.zeros((5, 8), np.float32))
    with pytest.raises(ValueError, match=r"'enc' \(lstm\): the kernel must be \(features, 4\*units\) = \(4, 8\)"):
        g.node("lstm", [x, bad, u, b], name="enc")
    with pytest.raises(ValueError, match="unsupported recurrent activation 'softsign'"):
        g.node("lstm", [x, w, u, b], {"activation": "softsign"})
    with pytest.raises(ValueError, match="do not match has_initial_state"):
        g.node("lstm", [x, w, u, b], {"has_mask": 1})


@pytest.mark.parametrize("units", [8, 16])
@pytest.mark.parametrize("mask_name", ["none", "holes"])
def test_float32_fast_paths_match_reference(units, mask_name):
    """float32 with 4*units filling the kernel width takes the fused paths (indirect
    projection and recurrent products, vectorised gates); 13 rows leave partial tiles."""
    rng = np.random.default_rng(5)
    batch, steps = 13, 5
    x = rng.standard_normal((batch, steps, 6)).astype(np.float32)
    w, u, b = params(rng, 6, units, np.float32)
    h0, c0 = (rng.standard_normal((batch, units)).astype(np.float32) * 0.5 for _ in range(2))
    mask = None if mask_name == "none" else (rng.uniform(size=(batch, steps)) > 0.3).astype(np.float32)
    inputs, attrs = [x, w, u, b, h0, c0], {"return_sequences": 1, "has_initial_state": 1}
    if mask is not None:
        inputs.append(mask)
        attrs["has_mask"] = 1
    out, h, c, *_ = run_op("lstm", inputs, attrs)
    want, want_h, want_c = ref_lstm(x.astype(np.float64), w, u, b, h0, c0, mask, return_sequences=True)
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(c, want_c, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("isa", ["portable", "avx2"])
def test_float32_fast_paths_under_other_isas(isa):
    import os
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, %r); import test_lstm; "
        "test_lstm.test_float32_fast_paths_match_reference(16, 'holes'); "
        "test_lstm.test_float32_fast_paths_match_reference(8, 'none')"
    ) % os.path.dirname(__file__)
    out = subprocess.run(
        [sys.executable, "-c", code], env=dict(os.environ, DAGNET_CPU_ISA=isa), capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr


def test_inference_plan_skips_saved_activations():
    """A forward-only plan leaves the gates/cells/hiddens kept for backward unallocated and
    still computes the same outputs as a plan that keeps them."""
    from dagnet.engine import Executor

    rng = np.random.default_rng(7)
    b, t, f, u = 5, 9, 6, 32
    x = rng.standard_normal((b, t, f)).astype(np.float32)
    mask = (rng.random((b, t)) > 0.3).astype(np.float32)
    g = Graph()
    xi, mi = g.input("x", [b, t, f]), g.input("m", [b, t])
    params = [
        g.param(n, (rng.standard_normal(s) * 0.3).astype(np.float32))
        for n, s in (("w", (f, 4 * u)), ("r", (u, 4 * u)), ("bias", (4 * u,)))
    ]
    outs = g.node("lstm", [xi] + params + [mi], {"return_sequences": 1, "has_mask": 1})
    inference = Executor(g, outs[:3])
    keeping = Executor(g, outs)
    got = inference.run([x, mask])
    full = keeping.run([x, mask])
    for a, want in zip(got, full[:3]):
        np.testing.assert_array_equal(a, want)
    saved_bytes = b * t * (4 * u + u + u) * 4
    assert Executor(g, [outs[0]]).plan_stats([[b, t, f], [b, t]])["arena_bytes"] < saved_bytes


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("units", [3, 32])
def test_lstm_recurrent_dropout_mask(dtype, units):
    """A fixed (batch, units) mask on h where it feeds the recurrence (recurrent dropout),
    with masking and an initial state; forward against NumPy, gradients by finite differences."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((4, 6, 5))
    w, u, b = params(rng, 5, units)
    h0, c0 = rng.standard_normal((4, units)) * 0.5, rng.standard_normal((4, units)) * 0.5
    mask = np.array([[1, 0, 1, 1, 0, 1], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1], [0, 1, 1, 0, 1, 1]], np.float64)
    rmask = (rng.random((4, units)) > 0.4) / 0.6
    attrs = {"return_sequences": 1, "has_initial_state": 1, "has_mask": 1, "has_recurrent_mask": 1}
    cast = [a.astype(dtype) for a in (x, w, u, b, h0, c0, mask, rmask)]
    out, h, c = run_op("lstm", cast, attrs)[:3]
    want, want_h, want_c = ref_lstm(x, w, u, b, h0, c0, mask, return_sequences=True, recurrent_mask=rmask)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out, want, **tol)
    np.testing.assert_allclose(c, want_c, **tol)
    if dtype == np.float32 or units == 32:
        return

    def build(g, ids):
        extra = [g.param("mask", mask), g.param("rmask", rmask)]
        o, hh, cc, *_ = g.node("lstm", list(ids) + extra, attrs)
        return g.node("add", [mse_to(g, o, rng), mse_to(g, hh, rng), mse_to(g, cc, rng)])[0]

    fd_check(build, [x, w, u, b, h0, c0], rng)
