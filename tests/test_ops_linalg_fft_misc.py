"""ops/linalg.py (eager-only by design: NumPy's LAPACK) against NumPy and its symbolic
refusal; float64 finite-difference gradients of the DFT-by-matmul transforms (ops/fft_ops.py)
and round trips; argpartition's partition property; nextafter; rearrange errors."""

import numpy as np
import pytest
from helpers import fd_check, mse_to

import dagnet
from dagnet import ops
from dagnet._tracing import GraphBuilder, GraphTensor

RNG = np.random.default_rng(31)
A = RNG.standard_normal((3, 3)).astype("float32") + 3 * np.eye(3, dtype="float32")
SPD = (A @ A.T).astype("float32")
B = RNG.standard_normal((3, 2)).astype("float32")


def test_linalg_matches_numpy():
    a64 = A.astype("float64")
    np.testing.assert_allclose(ops.inv(A), np.linalg.inv(a64), rtol=1e-5)
    assert ops.inv(A).dtype == np.float32 and ops.inv(np.eye(2, dtype="int32")).dtype == np.float32
    np.testing.assert_allclose(ops.det(A), np.linalg.det(a64), rtol=1e-5)
    sign, logabs = ops.slogdet(-A)
    np.testing.assert_allclose([sign, logabs], np.linalg.slogdet(-a64), rtol=1e-5)
    np.testing.assert_allclose(ops.logdet(SPD), np.log(np.linalg.det(SPD.astype("float64"))), rtol=1e-5)
    np.testing.assert_allclose(ops.solve(A, B), np.linalg.solve(a64, B), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.solve_triangular(A, B, lower=True), np.linalg.solve(np.tril(a64), B), rtol=1e-5)
    np.testing.assert_allclose(ops.solve_triangular(A, B), np.linalg.solve(np.triu(a64), B), rtol=1e-5)
    wide = RNG.standard_normal((5, 3))
    np.testing.assert_allclose(ops.lstsq(wide, B[:, 0].repeat(2)[:5]), np.linalg.lstsq(wide, B[:, 0].repeat(2)[:5])[0])
    low = ops.cholesky(SPD)
    np.testing.assert_allclose(low @ low.T, SPD, rtol=1e-4)
    np.testing.assert_allclose(ops.cholesky(SPD, upper=True), low.T)
    np.testing.assert_allclose(ops.cholesky_inverse(low), np.linalg.inv(SPD.astype("float64")), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ops.cholesky_inverse(low.T, upper=True), np.linalg.inv(SPD.astype("float64")), rtol=1e-4)
    q, r = ops.qr(wide)
    assert q.shape == (5, 3) and r.shape == (3, 3)
    np.testing.assert_allclose(q @ r, wide, atol=1e-12)
    assert ops.qr(wide, mode="complete")[0].shape == (5, 5)
    w, v = ops.eigh(SPD)
    np.testing.assert_allclose(w, np.linalg.eigh(SPD.astype("float64"))[0], rtol=1e-5)
    np.testing.assert_allclose(v @ np.diag(w) @ v.T, SPD, rtol=1e-4, atol=1e-4)
    u, s, vh = ops.svd(wide, full_matrices=False)
    np.testing.assert_allclose(u @ np.diag(s) @ vh, wide, atol=1e-12)
    np.testing.assert_allclose(ops.svd(wide, compute_uv=False), s)
    np.testing.assert_allclose(ops.pinv(wide), np.linalg.pinv(wide), atol=1e-12)
    rank = ops.matrix_rank(np.outer(np.arange(3.0), np.arange(4.0)))
    assert rank == 1 and rank.dtype == np.int32
    batch = np.stack([A, 2 * A])
    np.testing.assert_allclose(ops.det(batch), np.linalg.det(batch.astype("float64")), rtol=1e-5)
    np.testing.assert_allclose(ops.linalg.norm(A), np.linalg.norm(A), rtol=1e-6)
    assert ops.linalg.inv is ops.inv


def test_lu_factor_reconstructs_batches():
    a = RNG.standard_normal((2, 3, 4, 4))
    lu, pivots = ops.lu_factor(a)
    assert lu.dtype == np.float64 and pivots.dtype == np.int32 and pivots.shape == (2, 3, 4)
    lower = np.tril(lu, -1) + np.eye(4)
    upper = np.triu(lu)
    rows = np.argsort(pivots, -1)  # pivots is the inverse permutation
    np.testing.assert_allclose(np.take_along_axis(a, rows[..., None], -2), lower @ upper, atol=1e-12)
    assert (np.abs(np.tril(lu, -1)) <= 1 + 1e-12).all()  # partial pivoting: |L| <= 1


def test_linalg_errors_and_symbolic_refusal():
    with pytest.raises(ValueError, match=r"inv: x must be \(\.\.\., n, n\) square matrices, got shape \(2, 3\)"):
        ops.inv(np.ones((2, 3)))
    with pytest.raises(ValueError, match="cholesky: x is not positive definite"):
        ops.cholesky(-np.eye(2))
    with pytest.raises(ValueError, match="qr: mode must be"):
        ops.qr(A, mode="r")
    x = dagnet.Input((3, 3))
    with pytest.raises(TypeError, match="det runs eagerly only: dagnet has no native matrix-decomposition kernel"):
        ops.det(x)


def _lowered(fn):
    def build(g, ids):
        builder = GraphBuilder()
        builder.graph = g
        with builder.active():
            out = fn(*(GraphTensor(builder, i) for i in ids))
        out = out if not isinstance(out, tuple) else ops.concatenate(list(out), -1)
        return mse_to(g, out.id, rng=np.random.default_rng(1))

    return build


FFT_GRADIENTS = {
    "fft": lambda x: ops.fft((x, x[::-1])),
    "fft2": lambda x: ops.fft2((x, x * 0.5)),
    "ifft2": lambda x: ops.ifft2((x, x[:, ::-1])),
    "rfft": lambda x: ops.rfft(x, fft_length=5),
    "irfft": lambda x: ops.irfft((x[:, :3], x[:, 1:]), fft_length=5),
    "stft": lambda x: ops.stft(ops.reshape(x, (12,)), 4, 2, 4),
    "istft": lambda x: ops.istft((x, x[::-1]), 4, 2, 6),
}


@pytest.mark.parametrize("name", list(FFT_GRADIENTS))
def test_fft_gradients_by_finite_differences(name):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4))
    fd_check(_lowered(FFT_GRADIENTS[name]), [x], rng, rtol=1e-5, atol=1e-7)


def test_fft_matches_numpy_and_round_trips():
    x = RNG.standard_normal((2, 6))
    y = RNG.standard_normal((2, 6))
    re, im = ops.fft((x, y))
    np.testing.assert_allclose(re + 1j * im, np.fft.fft(x + 1j * y), atol=1e-12)
    re, im = ops.fft2((x, y))
    np.testing.assert_allclose(re + 1j * im, np.fft.fft2(x + 1j * y), atol=1e-12)
    back = ops.ifft2((re, im))
    np.testing.assert_allclose(back[0] + 1j * back[1], x + 1j * y, atol=1e-12)
    for n in (6, 7):
        spectrum = ops.rfft(x[0], fft_length=n)
        np.testing.assert_allclose(spectrum[0] + 1j * spectrum[1], np.fft.rfft(x[0], n), atol=1e-12)
        np.testing.assert_allclose(ops.irfft(spectrum, fft_length=n), np.fft.irfft(np.fft.rfft(x[0], n), n), atol=1e-12)
    signal = RNG.standard_normal(32)
    spec = ops.stft(signal, 8, 2, 8)
    # TensorFlow's inverse window is normalized for the steady state (every sample under
    # fft_length / stride frames), exact away from the first and last frame_length samples.
    np.testing.assert_allclose(ops.istft(spec, 8, 2, 8)[4:-4], signal[4:-4], atol=1e-10)
    with pytest.raises(ValueError, match="fft: x must be a tuple"):
        ops.fft(x)
    with pytest.raises(ValueError, match="the real and imaginary parts must have the same shape"):
        ops.fft((x, y[:, :3]))
    with pytest.raises(TypeError, match="stft: x must be float32 or float64, got int32"):
        ops.stft(np.arange(10, dtype="int32"), 4, 2, 4)
    with pytest.raises(ValueError, match="stft: needs 0 < sequence_length <= fft_length"):
        ops.stft(signal, 8, 2, 4)


def test_argpartition_partitions():
    x = RNG.standard_normal((3, 9)).astype("float32")
    for kth in (0, 4, 8, -2):
        idx = ops.argpartition(x, kth)
        assert idx.dtype == np.int32
        values = np.take_along_axis(x, idx, -1)
        pivot = np.partition(x, kth, -1)[:, kth]
        np.testing.assert_array_equal(values[:, kth], pivot)
        assert (values[:, :kth] <= pivot[:, None]).all() and (values[:, kth:] >= pivot[:, None]).all()
    with pytest.raises(ValueError, match="argpartition: kth 9 is out of range"):
        ops.argpartition(x, 9)


def test_nextafter_and_rearrange_errors():
    one = np.float32(1.0)
    np.testing.assert_array_equal(
        ops.nextafter(np.array([one, -one, 0.0], "float32"), one * 2),
        np.nextafter(np.array([one, -one, 0.0], "float32"), one * 2),
    )
    np.testing.assert_array_equal(
        ops.nextafter(np.array([1.0, 2.0]), np.array([0.0, 2.0])), [np.nextafter(1.0, 0.0), 2.0]
    )
    x = np.ones((2, 6, 3))
    with pytest.raises(ValueError, match="rearrange: both sides must name the same axes"):
        ops.rearrange(x, "a b c -> a b")
    with pytest.raises(ValueError, match=r"rearrange: the lengths of \['h', 'w'\]"):
        ops.rearrange(x, "a (h w) c -> a h w c")
    with pytest.raises(ValueError, match="does not split into"):
        ops.rearrange(x, "a (h w) c -> a h w c", h=4)
    inputs = dagnet.Input((6, 3))
    model = dagnet.Model(inputs, ops.rearrange(inputs, "b (h w) c -> b c h w", h=2))
    np.testing.assert_array_equal(model.predict(x, verbose=0), x.reshape(2, 2, 3, 3).transpose(0, 3, 1, 2))


def test_dynamic_shape_ops_are_eager_only():
    x = np.array([4, 1, 4, 0, 1, 7], "int32")
    values, first, inverse, counts = ops.unique(
        x, sorted=False, return_index=True, return_inverse=True, return_counts=True
    )
    np.testing.assert_array_equal(values, [4, 1, 0, 7])  # order of first appearance
    np.testing.assert_array_equal(first, [0, 1, 3, 5])
    np.testing.assert_array_equal(values[inverse], x)
    np.testing.assert_array_equal(counts, [2, 2, 1, 1])
    np.testing.assert_array_equal(ops.unique(x, size=6, fill_value=-1), [0, 1, 4, 7, -1, -1])
    np.testing.assert_array_equal(ops.unique(x, size=2), [0, 1])
    rows = np.array([[1, 2], [1, 2], [0, 3]])
    np.testing.assert_array_equal(ops.unique(rows, axis=0), [[0, 3], [1, 2]])
    symbolic = dagnet.Input((3,))
    with pytest.raises(TypeError, match="nonzero runs eagerly only: its output shape depends on the values"):
        ops.nonzero(symbolic)
    with pytest.raises(TypeError, match="unique runs eagerly only"):
        ops.unique(symbolic)


def test_associative_scan_on_a_structure_and_symbolically():
    x = RNG.standard_normal((4, 3)).astype("float32")
    out = ops.associative_scan(lambda a, b: (a[0] + b[0], ops.maximum(a[1], b[1])), (x, -x))
    np.testing.assert_allclose(out[0], np.cumsum(x, 0), rtol=1e-6)
    np.testing.assert_allclose(out[1], np.maximum.accumulate(-x, 0))
    inputs = dagnet.Input((3,))
    model = dagnet.Model(inputs, ops.associative_scan(lambda a, b: a + b, inputs, reverse=True, axis=1))
    np.testing.assert_allclose(model.predict(x, verbose=0), np.cumsum(x[:, ::-1], 1)[:, ::-1], rtol=1e-5)


def test_vectorize_broadcasts_loop_axes_and_keeps_core_dims():
    x = np.arange(6.0).reshape(2, 3)
    add_times = ops.vectorize(lambda a, b: a * b + 1.0)
    np.testing.assert_array_equal(add_times(x, np.array([1.0, 2.0, 3.0])), x * [1.0, 2.0, 3.0] + 1.0)
    rows_dot = ops.vectorize(lambda m, v: ops.sum(m * v, -1), signature="(m,n),(n)->(m)")
    m = RNG.standard_normal((4, 2, 3))
    np.testing.assert_allclose(rows_dot(m, np.arange(3.0)), m @ np.arange(3.0), rtol=1e-12)
    scaled = ops.vectorize(lambda v, k: v * k, excluded={1})
    np.testing.assert_array_equal(scaled(x, 2.0), x * 2.0)
    inputs = dagnet.Input((3,))  # unrolled: the loop axes need known sizes (one sample here)
    model = dagnet.Model(inputs, ops.vectorize(lambda v: ops.maximum(v, 0.5))(inputs[0])[None])
    np.testing.assert_allclose(model.predict(x[:1].astype("float32"), verbose=0), np.maximum(x[:1], 0.5))
    with pytest.raises(ValueError, match="vectorize: the loop axes must have known sizes"):
        ops.vectorize(lambda v: v)(inputs)
    with pytest.raises(TypeError, match="vectorize: the signature names 2 inputs, got 1"):
        rows_dot(m)


def test_numpy_namespace():
    """dagnet.ops.numpy (keras.ops.numpy) holds the same functions under the NumPy-style names."""
    import dagnet.ops.numpy as knp

    assert len(knp.__all__) == 220 and "view" in knp.__all__
    assert all(getattr(knp, name) is getattr(ops, name) for name in knp.__all__)
    assert ops.numpy is knp and knp.arctan2 is ops.arctan2 and knp.nanquantile is ops.nanquantile
