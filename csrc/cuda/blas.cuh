// Row-major GEMMs on cuBLAS, shared by the CUDA kernels: C (m x n, ldc) = op(A) op(B)
// (+ C when accumulate), A, B, C row-major; gemm_strided_batched does `batch` of them,
// operand i at A + i stride_a (and so on). cuBLAS is column-major: the same bytes are
// C^T = op(B)^T op(A)^T, so the operands swap. Empty products are handled here (zeros
// when k == 0 and not accumulating); a dimension beyond cuBLAS's int range is a clear
// error naming `what`.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <climits>
#include <cstdint>

#include "core/error.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_check.h"

namespace dagnet::cuda {

inline int blas_int(int64_t v, const char* what) {
  check(v >= 0 && v <= INT_MAX, ErrorKind::Value, what, ": a dimension of ", v, " is beyond cuBLAS's int range");
  return static_cast<int>(v);
}

// The float32 math mode for the next GEMM on `h`: TF32 tensor cores only when switched on
// (runtime/math_mode.h), read per call so the switch applies to models already running.
inline void apply_math_mode(cublasHandle_t h) {
  check_cublas(cublasSetMathMode(h, tf32() ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
}

inline cublasStatus_t cublas_gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                                  const float* alpha, const float* A, int lda, const float* B, int ldb,
                                  const float* beta, float* C, int ldc) {
  return cublasSgemm(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
inline cublasStatus_t cublas_gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                                  const double* alpha, const double* A, int lda, const double* B, int ldb,
                                  const double* beta, double* C, int ldc) {
  return cublasDgemm(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

inline cublasStatus_t cublas_gemm_strided_batched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m,
                                                  int n, int k, const float* alpha, const float* A, int lda,
                                                  long long sa, const float* B, int ldb, long long sb,
                                                  const float* beta, float* C, int ldc, long long sc, int batch) {
  return cublasSgemmStridedBatched(h, ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch);
}
inline cublasStatus_t cublas_gemm_strided_batched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m,
                                                  int n, int k, const double* alpha, const double* A, int lda,
                                                  long long sa, const double* B, int ldb, long long sb,
                                                  const double* beta, double* C, int ldc, long long sc, int batch) {
  return cublasDgemmStridedBatched(h, ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch);
}

template <typename T>
void gemm(cublasHandle_t h, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const T* A, int64_t lda,
          const T* B, int64_t ldb, T* C, int64_t ldc, bool accumulate, const char* what = "cuBLAS gemm") {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) {
      cudaStream_t s = nullptr;
      check_cublas(cublasGetStream(h, &s), "cublasGetStream");
      check_cuda(cudaMemset2DAsync(C, ldc * sizeof(T), 0, n * sizeof(T), m, s), what);
    }
    return;
  }
  const T one = T(1), beta = accumulate ? T(1) : T(0);
  apply_math_mode(h);
  check_cublas(cublas_gemm(h, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a ? CUBLAS_OP_T : CUBLAS_OP_N,
                           blas_int(n, what), blas_int(m, what), blas_int(k, what), &one, B, blas_int(ldb, what), A,
                           blas_int(lda, what), &beta, C, blas_int(ldc, what)),
               what);
}

// `batch` row-major GEMMs in one cuBLAS call; C's entries are m x n with ldc = n, stride_c
// apart (stride_c >= m n). k == 0 zeroes every C.
template <typename T>
void gemm_strided_batched(cublasHandle_t h, bool trans_a, bool trans_b, int64_t batch, int64_t m, int64_t n, int64_t k,
                          const T* A, int64_t lda, int64_t stride_a, const T* B, int64_t ldb, int64_t stride_b, T* C,
                          int64_t stride_c, const char* what = "cuBLAS strided batched gemm") {
  if (batch <= 0 || m <= 0 || n <= 0) return;
  if (k <= 0) {
    cudaStream_t s = nullptr;
    check_cublas(cublasGetStream(h, &s), "cublasGetStream");
    check_cuda(cudaMemset2DAsync(C, stride_c * sizeof(T), 0, m * n * sizeof(T), batch, s), what);
    return;
  }
  const T one = T(1), zero = T(0);
  apply_math_mode(h);
  check_cublas(cublas_gemm_strided_batched(h, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a ? CUBLAS_OP_T : CUBLAS_OP_N,
                                           blas_int(n, what), blas_int(m, what), blas_int(k, what), &one, B,
                                           blas_int(ldb, what), stride_b, A, blas_int(lda, what), stride_a, &zero, C,
                                           blas_int(n, what), stride_c, blas_int(batch, what)),
               what);
}

// Row-major C = op(A) op(B) for each pointer pair (cuBLAS batched, one call), as cuBLAS's column-major C^T = op(B)^T
// op(A)^T.
inline cublasStatus_t gemm_batched(cublasHandle_t h, bool ta, bool tb, int m, int n, int k, const float* const* A,
                                   int lda, const float* const* B, int ldb, float* const* C, int ldc, int batch) {
  const float one = 1.0f, zero = 0.0f;
  apply_math_mode(h);
  return cublasSgemmBatched(h, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &one, B, ldb, A,
                            lda, &zero, C, ldc, batch);
}
inline cublasStatus_t gemm_batched(cublasHandle_t h, bool ta, bool tb, int m, int n, int k, const double* const* A,
                                   int lda, const double* const* B, int ldb, double* const* C, int ldc, int batch) {
  const double one = 1.0, zero = 0.0;
  apply_math_mode(h);
  return cublasDgemmBatched(h, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &one, B, ldb, A,
                            lda, &zero, C, ldc, batch);
}

}  // namespace dagnet::cuda
