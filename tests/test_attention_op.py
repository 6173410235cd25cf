"""The fused attention op (forward against NumPy, float64 finite-difference gradients,
dropout masks value for value, masks and their broadcasting, bad operands) and the
random ops it shares its counter-based RNG with (rng_draw, random_normal)."""

import attention_reference as ref
import numpy as np
import pytest
from helpers import fd_check, mse_to

from dagnet.engine import Executor, Graph

B, T, S, N, H, HV = 2, 5, 4, 3, 6, 2


def _qkv(rng, dtype="float32", t=T, s=S):
    return (
        rng.standard_normal((B, t, N, H)).astype(dtype),
        rng.standard_normal((B, s, N, H)).astype(dtype),
        rng.standard_normal((B, s, N, HV)).astype(dtype),
    )


def _run(q, k, v, mask=None, fetch_probs=True, counter=None, **attrs):
    g = Graph()
    ids = [g.input(name, list(a.shape), str(a.dtype)) for name, a in zip("qkv", (q, k, v))]
    feeds = [q, k, v]
    attrs.setdefault("scale", 1.0 / np.sqrt(q.shape[-1]))
    if attrs.get("dropout", 0) > 0:
        ids.append(g.param("counter", np.array(counter, np.int64)))
    if mask is not None:
        ids.append(g.input("mask", list(mask.shape), str(mask.dtype)))
        feeds.append(mask)
        attrs["has_mask"] = 1
    out, probs = g.node("attention", ids, attrs)
    return Executor(g, [out, probs] if fetch_probs else [out]).run(feeds)


MASKS = {
    "none": None,
    "full": (B, N, T, S),
    "batch_query_key": (B, 1, T, S),
    "query_key": (1, 1, T, S),
    "key_only": (B, 1, 1, S),
    "query_only": (B, 1, T, 1),
}


@pytest.mark.parametrize("mask_kind", sorted(MASKS))
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("zero_rows", [False, True])
def test_forward_matches_numpy(mask_kind, causal, zero_rows):
    rng = np.random.default_rng(1)
    q, k, v = _qkv(rng)
    shape = MASKS[mask_kind]
    mask = None if shape is None else (rng.random(shape) > 0.4).astype("float32")
    if mask is not None and mask_kind != "key_only":
        mask.reshape(mask.shape[0], -1)[0, : mask.shape[-1]] = 0  # a fully hidden row
    out, probs = _run(q, k, v, mask, causal=int(causal), zero_masked_rows=int(zero_rows))
    want_out, want_probs = ref.attention(q, k, v, mask, causal=causal, zero_masked_rows=zero_rows)
    np.testing.assert_allclose(probs, want_probs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out, want_out, rtol=1e-5, atol=1e-5)
    # Without the probabilities fetched the op computes them in scratch only: same output.
    (alone,) = _run(q, k, v, mask, fetch_probs=False, causal=int(causal), zero_masked_rows=int(zero_rows))
    np.testing.assert_array_equal(alone, out)


@pytest.mark.parametrize("t,s", [(1, 7), (7, 1), (70, 33), (3, 300)])
def test_forward_shapes_and_blocks(t, s):
    """Query lengths beyond one row block, a single key, long key rows."""
    rng = np.random.default_rng(2)
    q, k, v = _qkv(rng, t=t, s=s)
    out, probs = _run(q, k, v, causal=1)
    want_out, want_probs = ref.attention(q, k, v, causal=True)
    assert out.shape == (B, t, N, HV) and probs.shape == (B, N, t, s)
    np.testing.assert_allclose(probs, want_probs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out, want_out, rtol=1e-5, atol=1e-5)


def test_dropout_masks_are_the_counter_based_ones():
    rng = np.random.default_rng(3)
    q, k, v = _qkv(rng, "float64")
    mask = (rng.random((B, 1, T, S)) > 0.3).astype("float64")
    out, probs = _run(q, k, v, mask, dropout=0.4, seed=77, counter=5)
    want_out, want_probs = ref.attention(q, k, v, mask, dropout=0.4, seed=77, counter=5)
    np.testing.assert_allclose(probs, want_probs, rtol=1e-12)  # the returned scores are before dropout
    np.testing.assert_allclose(out, want_out, rtol=1e-12, atol=1e-12)
    other, _ = _run(q, k, v, mask, dropout=0.4, seed=77, counter=6)
    assert not np.allclose(other, out)  # the next step draws another mask


def _gradient_case(causal, mask_shape, dropout, zero_rows, loss_on_probs):
    rng = np.random.default_rng(4)
    q, k, v = _qkv(rng, "float64")
    mask = None
    if mask_shape is not None:
        mask = (rng.random(mask_shape) > 0.3).astype("float64")
        mask.reshape(mask.shape[0], -1)[0, : mask.shape[-1]] = 0

    def build(g, ids):
        inputs = list(ids)
        attrs = {"scale": 0.7, "causal": int(causal), "zero_masked_rows": int(zero_rows)}
        if dropout:
            inputs.append(g.param("counter", np.array(3, np.int64)))
            attrs.update(dropout=dropout, seed=11)
        if mask is not None:
            inputs.append(g.param("mask", mask))
            attrs["has_mask"] = 1
        out, probs = g.node("attention", inputs, attrs)
        loss = mse_to(g, out, rng)
        if loss_on_probs:
            (loss,) = g.node("binary", [loss, mse_to(g, probs, rng)], {"kind": "add"})
        return loss

    fd_check(build, [q, k, v], rng)


@pytest.mark.parametrize(
    "causal,mask_shape,dropout,zero_rows",
    [
        (False, None, 0.0, False),
        (True, None, 0.0, False),
        (False, (B, 1, T, S), 0.0, False),
        (True, (B, N, T, S), 0.0, True),
        (False, (B, 1, 1, S), 0.3, False),
        (True, (1, 1, T, S), 0.5, True),
    ],
)
def test_gradients_float64(causal, mask_shape, dropout, zero_rows):
    _gradient_case(causal, mask_shape, dropout, zero_rows, loss_on_probs=False)


def test_gradient_through_the_returned_probabilities():
    _gradient_case(True, (B, 1, T, S), 0.25, False, loss_on_probs=True)


def test_rng_draw_advances_the_state():
    g = Graph()
    state = g.param("state", np.array(41, np.int64))
    (counter,) = g.node("rng_draw", [state])
    ex = Executor(g, [counter])
    assert [int(ex.run([])[0]) for _ in range(3)] == [41, 42, 43]
    assert int(np.asarray(g.param_tensor(state))) == 44


def test_random_normal_matches_the_counter_based_reference():
    g = Graph()
    counter = g.param("counter", np.array(9, np.int64))
    like = g.input("x", [-1, 3, 5])
    (noise,) = g.node("random_normal", [counter, like], {"mean": 1.5, "stddev": 0.5, "seed": 123})
    (got,) = Executor(g, [noise]).run([np.zeros((40, 3, 5), np.float32)])
    want = 1.5 + 0.5 * ref.rng_normal(ref.rng_stream(123, 9), np.arange(600, dtype=np.uint64)).reshape(40, 3, 5)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert abs(want.mean() - 1.5) < 0.06 and abs(want.std() - 0.5) < 0.05  # the reference is a normal


def _attention_node(shapes, attrs, dtypes=None):
    g = Graph()
    dtypes = dtypes or ["float32"] * len(shapes)
    ids = [g.input(f"x{i}", list(s), d) for i, (s, d) in enumerate(zip(shapes, dtypes))]
    return g.node("attention", ids, attrs, "mha")


@pytest.mark.parametrize(
    "shapes,attrs,dtypes,message",
    [
        ([(2, 5, 3, 4), (2, 6, 3, 4)], {}, None, "expects 3 to 5 inputs"),
        ([(2, 5, 3, 4), (2, 6, 3), (2, 6, 3, 4)], {}, None, "rank 4"),
        ([(2, 5, 3, 4), (2, 6, 3, 4), (2, 7, 3, 4)], {}, None, "key and value lengths differ"),
        ([(2, 5, 3, 4), (2, 6, 2, 4), (2, 6, 3, 4)], {}, None, "head counts differ"),
        ([(2, 5, 3, 4), (2, 6, 3, 5), (2, 6, 3, 4)], {}, None, "sizes per head differ"),
        ([(2, 5, 3, 4), (3, 6, 3, 4), (2, 6, 3, 4)], {}, None, "batch sizes differ"),
        ([(2, 5, 3, 4)] * 3 + [(2, 1, 4, 5)], {"has_mask": 1}, None, "does not broadcast"),
        ([(2, 5, 3, 4)] * 3 + [(2, 5, 5)], {"has_mask": 1}, None, "mask must have rank 4"),
        ([(2, 5, 3, 4)] * 3, {"has_mask": 1}, None, "expected 4 inputs"),
        ([(2, 5, 3, 4)] * 3, {"dropout": 0.5}, None, "expected 4 inputs"),
        ([(2, 5, 3, 4)] * 3 + [()], {"dropout": 0.5}, None, "counter must be an int64 scalar"),
        ([(2, 5, 3, 4)] * 3 + [()], {"dropout": 1.0}, ["float32"] * 3 + ["int64"], r"dropout must be in \[0, 1\)"),
        ([(2, 5, 3, 4)] * 3, {}, ["float32", "float64", "float32"], "dtype"),
        ([(2, 5, 3, 4)] * 3, {}, ["int32"] * 3, "float"),
    ],
)
def test_bad_operands_name_the_node_and_shapes(shapes, attrs, dtypes, message):
    with pytest.raises((ValueError, TypeError), match=message) as info:
        _attention_node(shapes, attrs, dtypes)
    assert "mha" in str(info.value)


def test_unknown_lengths_resolve_at_run_time():
    g = Graph()
    q = g.input("q", [-1, -1, N, H])
    k = g.input("k", [-1, -1, N, H])
    v = g.input("v", [-1, -1, N, HV])
    out, probs = g.node("attention", [q, k, v], {"scale": 0.5})
    assert g.shape(out) == [-1, -1, N, HV] and g.shape(probs) == [-1, N, -1, -1]
    rng = np.random.default_rng(5)
    for t, s in [(3, 4), (6, 2)]:
        qa, ka, va = _qkv(rng, t=t, s=s)
        got, _ = Executor(g, [out, probs]).run([qa, ka, va])
        np.testing.assert_allclose(got, ref.attention(qa, ka, va, scale=0.5)[0], rtol=1e-5, atol=1e-5)
