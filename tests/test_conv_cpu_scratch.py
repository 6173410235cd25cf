"""On the CPU a convolution's plan reserves only the scratch of the path its kernel takes
(cpu/conv_gemm.h conv_cpu_scratch_elements): the indirect and Winograd paths need no
im2col columns, which were most of inception's arena."""

import numpy as np

from dagnet.engine import Executor, Graph


def _conv_arena(dtype, channels, size=3, batch=8, hw=16, filters=16):
    g = Graph()
    x = g.input("x", [-1, hw, hw, channels], dtype=dtype)
    k = g.param("k", np.ones((size, size, channels, filters), dtype))
    (y,) = g.node("conv2d", [x, k], {"padding": "same"})
    ex = Executor(g, [y])
    data = np.random.default_rng(0).standard_normal((batch, hw, hw, channels)).astype(dtype)
    out = ex.run([data])[0]
    return ex.plan_stats([list(data.shape)])["arena_bytes"], out, data


def test_the_indirect_path_reserves_no_im2col_columns():
    # 32 channels, 3x3: float32 runs the indirect kernel (no columns), float64 im2col + GEMM.
    arena32, out32, data = _conv_arena("float32", 32)
    arena64, out64, _ = _conv_arena("float64", 32)
    columns64 = 8 * 16 * 16 * 9 * 32 * 8  # rows x (taps x channels) float64
    assert arena64 >= columns64
    assert arena32 < columns64 // 8  # not even the float32 columns (half of float64's bytes / 4)
    np.testing.assert_allclose(out32, out64, rtol=1e-4, atol=1e-4)
