"""keras.ops' linear algebra (also as ``dagnet.ops.linalg``): inv, det, slogdet, logdet, solve,
solve_triangular, lstsq, cholesky, cholesky_inverse, qr, eigh, svd, pinv, matrix_rank,
lu_factor (and norm, the graph op). The engine has no matrix-decomposition kernels, so by design these run
eagerly only, on concrete arrays with NumPy's LAPACK (in float64, returned in the input's
float dtype; integers give float32, as Keras's): a symbolic or traced tensor is a TypeError
naming the op."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphTensor
from ..keras_tensor import KerasTensor
from ..variables import Variable
from .reductions_more import norm

__all__ = ["inv", "det", "slogdet", "logdet", "solve", "solve_triangular", "lstsq", "cholesky"]
__all__ += ["cholesky_inverse", "qr", "eigh", "svd", "pinv", "matrix_rank", "lu_factor", "norm"]


def _concrete(op_name: str, x: Any) -> np.ndarray:
    if isinstance(x, (KerasTensor, GraphTensor)):
        raise TypeError(
            f"{op_name} runs eagerly only: dagnet has no native matrix-decomposition kernel, so it cannot "
            f"be part of a graph (got the symbolic tensor {x!r}); call it on concrete arrays"
        )
    return np.asarray(x.numpy() if isinstance(x, Variable) else x)


def _result_dtype(*arrays: np.ndarray) -> np.dtype:
    dtype = np.result_type(*arrays)
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float32)


def _square(op_name: str, x: np.ndarray) -> np.ndarray:
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{op_name}: x must be (..., n, n) square matrices, got shape {x.shape}")
    return x


def _as(dtype: np.dtype, *values: Any) -> Any:
    out = tuple(np.asarray(v, dtype) for v in values)
    return out[0] if len(out) == 1 else out


def inv(x: Any) -> Any:
    """The inverse of each square matrix of x."""
    a = _square("inv", _concrete("inv", x))
    return _as(_result_dtype(a), np.linalg.inv(a.astype(np.float64)))


def det(x: Any) -> Any:
    """The determinant of each square matrix of x."""
    a = _square("det", _concrete("det", x))
    return _as(_result_dtype(a), np.linalg.det(a.astype(np.float64)))


def slogdet(x: Any) -> Any:
    """(sign, log|det|) of each square matrix of x."""
    a = _square("slogdet", _concrete("slogdet", x))
    sign, logabs = np.linalg.slogdet(a.astype(np.float64))
    return _as(_result_dtype(a), sign, logabs)


def logdet(x: Any) -> Any:
    """log(det(x)) of each (positive-definite) square matrix of x; NaN where det < 0."""
    a = _square("logdet", _concrete("logdet", x))
    sign, logabs = np.linalg.slogdet(a.astype(np.float64))
    return _as(_result_dtype(a), np.where(sign > 0, logabs, np.where(sign == 0, -np.inf, np.nan)))


def solve(a: Any, b: Any) -> Any:
    """x with a @ x = b (a square; b a matrix, or a vector)."""
    m, v = _square("solve", _concrete("solve", a)), _concrete("solve", b)
    return _as(_result_dtype(m, v), np.linalg.solve(m.astype(np.float64), v.astype(np.float64)))


def solve_triangular(a: Any, b: Any, lower: bool = False) -> Any:
    """x with a @ x = b, reading only a's lower (lower=True) or upper triangle."""
    m, v = _square("solve_triangular", _concrete("solve_triangular", a)), _concrete("solve_triangular", b)
    tri = np.tril(m) if lower else np.triu(m)
    return _as(_result_dtype(m, v), np.linalg.solve(tri.astype(np.float64), v.astype(np.float64)))


def lstsq(a: Any, b: Any, rcond: Any = None) -> Any:
    """The least-squares solution x of a @ x = b (a: (m, n), b: (m,) or (m, k))."""
    m, v = _concrete("lstsq", a), _concrete("lstsq", b)
    if m.ndim != 2 or v.ndim not in (1, 2) or v.shape[0] != m.shape[0]:
        raise ValueError(f"lstsq: a must be (m, n) and b (m,) or (m, k), got {m.shape} and {v.shape}")
    solution = np.linalg.lstsq(m.astype(np.float64), v.astype(np.float64), rcond=rcond)[0]
    return _as(_result_dtype(m, v), solution)


def cholesky(x: Any, upper: bool = False) -> Any:
    """The Cholesky factor L (x = L L^T) of each positive-definite matrix; U = L^T when upper."""
    a = _square("cholesky", _concrete("cholesky", x))
    try:
        factor = np.linalg.cholesky(a.astype(np.float64))
    except np.linalg.LinAlgError as error:
        raise ValueError(f"cholesky: x is not positive definite ({error})") from None
    return _as(_result_dtype(a), np.swapaxes(factor, -1, -2) if upper else factor)


def cholesky_inverse(x: Any, upper: bool = False) -> Any:
    """The inverse of A from its Cholesky factor x (A = x x^T, or x^T x when upper)."""
    f = _square("cholesky_inverse", _concrete("cholesky_inverse", x)).astype(np.float64)
    product = np.swapaxes(f, -1, -2) @ f if upper else f @ np.swapaxes(f, -1, -2)
    return _as(_result_dtype(np.asarray(x)), np.linalg.inv(product))


def qr(x: Any, mode: str = "reduced") -> Any:
    """(q, r) of each matrix of x; mode 'reduced' or 'complete'."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete', got {mode!r}")
    a = _concrete("qr", x)
    if a.ndim < 2:
        raise ValueError(f"qr: x must have rank >= 2, got shape {a.shape}")
    q, r = np.linalg.qr(a.astype(np.float64), mode="complete" if mode == "complete" else "reduced")
    return _as(_result_dtype(a), q, r)


def eigh(x: Any) -> Any:
    """(eigenvalues ascending, eigenvectors as columns) of each symmetric matrix of x."""
    a = _square("eigh", _concrete("eigh", x))
    w, v = np.linalg.eigh(a.astype(np.float64))
    return _as(_result_dtype(a), w, v)


def svd(x: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """(u, s, vh) of each matrix of x (s alone when compute_uv is False)."""
    a = _concrete("svd", x)
    if a.ndim < 2:
        raise ValueError(f"svd: x must have rank >= 2, got shape {a.shape}")
    dtype = _result_dtype(a)
    if not compute_uv:
        return _as(dtype, np.linalg.svd(a.astype(np.float64), compute_uv=False))
    u, s, vh = np.linalg.svd(a.astype(np.float64), full_matrices=full_matrices)
    return _as(dtype, u, s, vh)


def pinv(x: Any, rcond: Any = None) -> Any:
    """The Moore-Penrose pseudo-inverse of each matrix of x (singular values below rcond times
    the largest are dropped; NumPy's default when None)."""
    a = _concrete("pinv", x)
    if a.ndim < 2:
        raise ValueError(f"pinv: x must have rank >= 2, got shape {a.shape}")
    result = np.linalg.pinv(a.astype(np.float64)) if rcond is None else np.linalg.pinv(a.astype(np.float64), rcond)
    return _as(_result_dtype(a), result)


def matrix_rank(x: Any, tol: Any = None) -> Any:
    """The rank of each matrix of x (singular values above tol, NumPy's default when None), int32."""
    a = _concrete("matrix_rank", x)
    if a.ndim < 2:
        raise ValueError(f"matrix_rank: x must have rank >= 2, got shape {a.shape}")
    return np.asarray(np.linalg.matrix_rank(a.astype(np.float64), tol=tol), np.int32)


def _lu_one(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Doolittle LU with partial pivoting (the largest |pivot|, the first on ties, as LAPACK):
    (L and U packed, the row of `a` at each position of L U)."""
    lu = a.copy()
    m, n = lu.shape
    rows = np.arange(m)
    for k in range(min(m, n)):
        pivot = k + int(np.argmax(np.abs(lu[k:, k])))
        if pivot != k:
            lu[[k, pivot]] = lu[[pivot, k]]
            rows[[k, pivot]] = rows[[pivot, k]]
        if lu[k, k] != 0:
            lu[k + 1 :, k] /= lu[k, k]
            lu[k + 1 :, k + 1 :] -= np.outer(lu[k + 1 :, k], lu[k, k + 1 :])
    return lu, rows


def lu_factor(x: Any) -> Any:
    """(lu, pivots) of each matrix of x: L (unit diagonal, below) and U packed in lu, with
    a[perm] = L U for perm the inverse of `pivots` (int32; pivots[i] is the position of row i
    of x in L U), as Keras's TensorFlow backend returns them."""
    a = _concrete("lu_factor", x)
    if a.ndim < 2:
        raise ValueError(f"lu_factor: x must have rank >= 2, got shape {a.shape}")
    flat = a.astype(np.float64).reshape((-1,) + a.shape[-2:])
    lus, pivots = [], []
    for matrix in flat:
        lu, rows = _lu_one(matrix)
        lus.append(lu)
        pivots.append(np.argsort(rows))  # the inverse permutation
    lu_all = np.stack(lus).reshape(a.shape)
    piv = np.stack(pivots).reshape(a.shape[:-2] + (a.shape[-2],)).astype(np.int32)
    return _as(_result_dtype(a), lu_all), piv
