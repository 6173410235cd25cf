"""The CUDA kernels of dense, matmul, batch_matmul, embedding, concatenation, the shape ops,
slice and transpose against the CPU engine (skipped without a GPU), float32 and float64 on
random data, with the backward ops each one's gradient uses; an out-of-range embedding index
raises the CPU's error."""

import numpy as np
import pytest

import dagnet
from dagnet.engine import Executor, Graph

pytestmark = pytest.mark.skipif("cuda:0" not in dagnet.devices(), reason="needs a CUDA GPU")

FLOATS = [np.float32, np.float64]


def run(op, arrays, attrs, device):
    g = Graph()
    ids = [g.input(f"x{i}", list(a.shape), str(a.dtype)) for i, a in enumerate(arrays)]
    outs = g.node(op, ids, attrs)
    return Executor(g, outs, device=device).run(list(arrays))


def check(op, arrays, attrs=None):
    attrs = attrs or {}
    want = run(op, arrays, attrs, "cpu")
    got = run(op, arrays, attrs, "cuda")
    tol = 1e-4 if arrays[0].dtype == np.float32 else 1e-10
    for a, b in zip(got, want, strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * max(1.0, float(np.abs(b).max(initial=0))))


def rand(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("activation", ["linear", "relu", "elu", "sigmoid", "tanh", "softmax"])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("dtype", FLOATS)
def test_dense(activation, bias, dtype):
    x, w = rand((3, 5, 7), dtype), rand((7, 300), dtype, 1)  # 300 columns: a softmax row spans warps
    inputs = [x, w] + ([rand((300,), dtype, 2)] if bias else [])
    check("dense", inputs, {"activation": activation, "alpha": 0.7})


@pytest.mark.parametrize("ta", [0, 1])
@pytest.mark.parametrize("tb", [0, 1])
@pytest.mark.parametrize("dtype", FLOATS)
def test_matmul_and_batch_matmul(ta, tb, dtype):
    a = rand((5, 6) if ta else (2, 3, 5), dtype)  # 6 rows, contraction 5
    b = rand((4, 5) if tb else (5, 4), dtype, 1)
    check("matmul", [a, b], {"transpose_a": ta, "transpose_b": tb})
    a = rand((3, 2, 5, 6) if ta else (3, 2, 6, 5), dtype)
    b = rand((3, 2, 4, 5) if tb else (3, 2, 5, 4), dtype, 1)
    check("batch_matmul", [a, b], {"transpose_a": ta, "transpose_b": tb})
    check("batch_matmul", [rand((3, 0, 4), dtype), rand((3, 4, 2), dtype, 1)])  # empty rows
    check("batch_matmul", [rand((3, 2, 0), dtype), rand((3, 0, 2), dtype, 1)])  # k == 0: zeros


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("dtype", FLOATS)
def test_embedding_and_its_gradient(index_dtype, dtype):
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 50, (4, 700)).astype(index_dtype)  # more indices than one shared-memory tile
    table = rand((50, 33), dtype)
    check("embedding", [idx, table])
    dy = rand((4, 700, 33), dtype, 1)
    check("embedding_grad", [dy, idx, table])
    # Sums run in index order on both devices: bitwise equal, also with a hot row and more
    # table rows than blocks.
    idx = np.where(rng.random((3, 900)) < 0.5, 7, rng.integers(0, 3000, (3, 900))).astype(index_dtype)
    table, dy = rand((3000, 300), dtype), rand((3, 900, 300), dtype, 2)
    want = run("embedding_grad", [dy, idx, table], {}, "cpu")[0]
    np.testing.assert_array_equal(run("embedding_grad", [dy, idx, table], {}, "cuda")[0], want)


def test_embedding_out_of_range_raises_the_cpu_error():
    idx = np.array([[1, 2], [7, -1]], np.int64)
    table = rand((5, 3), np.float32)
    messages = []
    for device in ("cpu", "cuda"):
        with pytest.raises(ValueError) as info:
            run("embedding", [idx, table], {}, device)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "index 7 at position (1, 0)" in messages[1]


@pytest.mark.parametrize("dtype", FLOATS + [np.int32, np.int64])
def test_concatenate_split_and_stack(dtype):
    pieces = [rand((2, 3, w), np.float64, w).astype(dtype) for w in (1, 4, 0, 2, 3, 1, 1, 2, 5, 2)]  # > 8 pieces
    check("concatenate", pieces, {"axis": -1})
    check("concatenate", [rand((2, 3), dtype), rand((5, 3), dtype, 1)], {"axis": 0})
    whole = np.concatenate(pieces, axis=-1)
    if dtype in FLOATS:
        check("split_like", [whole] + pieces, {"axis": 2})
    same = [rand((2, 3, 4), np.float64, s).astype(dtype) for s in range(3)]
    for axis in (0, 1, 3):
        check("stack", same, {"axis": axis})


@pytest.mark.parametrize("dtype", FLOATS)
def test_shape_ops(dtype):
    x = rand((2, 3, 4), dtype)
    check("reshape", [x], {"shape": [6, -1]})
    check("reshape_like", [x, rand((4, 6), dtype)])
    check("merge_leading_axes", [x])
    check("split_leading_axes", [rand((6, 4), dtype), x])
    check("expand_dims", [x], {"axis": 1})
    check("squeeze", [rand((2, 1, 4), dtype)], {"axes": [1]})


@pytest.mark.parametrize("dtype", FLOATS)
def test_slice_and_transpose(dtype):
    x = rand((5, 6, 7), dtype)
    attrs = {
        "begin": [4, 1, 0],
        "end": [0, 6, 0],
        "strides": [-2, 2, 1],
        "begin_mask": [0, 0, 0],
        "end_mask": [0, 0, 1],
        "squeeze_axes": [],
    }
    check("slice", [x], attrs)
    check("slice", [x], {**attrs, "begin": [2, 1, 0], "squeeze_axes": [0]})
    g = run("slice", [x], attrs, "cpu")[0]
    check("slice_grad", [rand(g.shape, dtype, 1), x], attrs)
    check("transpose", [x], {"perm": [2, 0, 1]})  # a matrix transpose of x as (30, 7): tiles
    check("transpose", [x], {})  # reversed axes: the strided gather
    check("transpose", [rand((3, 40, 70), dtype)], {"perm": [0, 2, 1]})  # partial edge tiles
    check("transpose", [rand((2, 3, 4, 5), dtype)], {"perm": [0, 2, 1, 3]})
    check("transpose", [np.arange(2 * 33 * 65).reshape(2, 33, 65).astype(np.int32)], {"perm": [0, 2, 1]})
