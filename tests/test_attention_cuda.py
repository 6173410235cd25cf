"""The attention op's CUDA kernels against the CPU kernels (same feeds: masks and their
broadcasting, causal, fully masked rows, dropout with the shared counter-based RNG, empty
per-head sizes, batches over several device chunks), forward and backward. Skipped
without a CUDA device."""

import numpy as np
import pytest

import dagnet
from dagnet.engine import Executor, Graph

pytestmark = pytest.mark.skipif("cuda:0" not in dagnet.devices(), reason="no CUDA device")


def _run(op, arrays, attrs, device):
    g = Graph()
    ids = [g.input(f"x{i}", list(a.shape), str(a.dtype)) for i, a in enumerate(arrays)]
    outs = g.node(op, ids, attrs)
    return Executor(g, outs, device=device).run(list(arrays))


def _operands(rng, dtype, b, t, s, n, h, hv, mask_shape):
    q = rng.standard_normal((b, t, n, h)).astype(dtype)
    k = rng.standard_normal((b, s, n, h)).astype(dtype)
    v = rng.standard_normal((b, s, n, hv)).astype(dtype)
    mask = None
    if mask_shape is not None:
        mask = (rng.random(mask_shape) > 0.3).astype(dtype)
        mask.reshape(mask.shape[0], -1)[0, : mask.shape[-1]] = 0  # a fully hidden row
    return q, k, v, mask


def _check(dtype, rtol, b, t, s, n, h, hv, mask_shape=None, causal=False, zero_rows=False, dropout=0.0):
    rng = np.random.default_rng(0)
    q, k, v, mask = _operands(rng, dtype, b, t, s, n, h, hv, mask_shape)
    attrs = {"scale": 0.6, "causal": int(causal), "zero_masked_rows": int(zero_rows)}
    extra = []
    if dropout:
        attrs.update(dropout=dropout, seed=21)
        extra.append(np.array(7, np.int64))
    if mask is not None:
        attrs["has_mask"] = 1
        extra.append(mask)
    feeds = [q, k, v, *extra]
    cpu = _run("attention", feeds, attrs, "cpu")
    gpu = _run("attention", feeds, attrs, "cuda")
    for want, got in zip(cpu, gpu):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)

    dout = rng.standard_normal(cpu[0].shape).astype(dtype)
    dprobs = rng.standard_normal(cpu[1].shape).astype(dtype)
    grad_feeds = [dout, q, k, v, cpu[1], *extra, dprobs]
    grad_attrs = {**attrs, "has_probs_grad": 1}
    cpu_grads = _run("attention_grad", grad_feeds, grad_attrs, "cpu")
    gpu_grads = _run("attention_grad", grad_feeds, grad_attrs, "cuda")
    for want, got in zip(cpu_grads, gpu_grads):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype,rtol", [("float32", 2e-5), ("float64", 1e-11)])
@pytest.mark.parametrize(
    "mask_shape,causal,zero_rows,dropout",
    [
        (None, False, False, 0.0),
        (None, True, False, 0.0),
        ((2, 3, 5, 7), False, False, 0.0),
        ((2, 1, 5, 7), True, True, 0.0),
        ((1, 1, 5, 7), False, True, 0.4),
        ((2, 1, 1, 7), True, False, 0.25),
    ],
)
def test_forward_and_backward_match_the_cpu(mask_shape, causal, zero_rows, dropout, dtype, rtol):
    _check(dtype, rtol, 2, 5, 7, 3, 4, 6, mask_shape, causal, zero_rows, dropout)


@pytest.mark.parametrize("t,s", [(1, 40), (40, 1), (33, 70)])
def test_row_lengths_across_warps_match_the_cpu(t, s):
    _check("float32", 2e-5, 3, t, s, 2, 8, 8, (3, 1, t, s), causal=True)


@pytest.mark.parametrize("h,hv", [(0, 3), (4, 0)])
def test_empty_sizes_per_head_match_the_cpu(h, hv):
    _check("float32", 1e-6, 2, 3, 4, 2, h, hv, (2, 1, 3, 4), dropout=0.3)


def test_batches_over_several_device_chunks_match_the_cpu():
    # 4 heads x 512 x 512 scores per entry: a device chunk holds 4 entries, so 5 run as 4 + 1.
    _check("float32", 1e-4, 5, 512, 512, 4, 16, 8, (5, 1, 1, 512), causal=True, dropout=0.1)
