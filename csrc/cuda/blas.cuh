// Row-major GEMMs on cuBLAS, shared by the CUDA kernels: C (m x n, ldc) = op(A) op(B)
// (+ C when accumulate), A, B, C row-major. cuBLAS is column-major: the same bytes are
// C^T = op(B)^T op(A)^T, so the operands swap. Empty products are handled here (zeros
// when k == 0 and not accumulating); a dimension beyond cuBLAS's int range is a clear
// error naming `what`.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <climits>
#include <cstdint>

#include "core/error.h"
#include "cuda/cuda_check.h"

namespace dagnet::cuda {

inline int blas_int(int64_t v, const char* what) {
  check(v >= 0 && v <= INT_MAX, ErrorKind::Value, what, ": a dimension of ", v, " is beyond cuBLAS's int range");
  return static_cast<int>(v);
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
  check_cublas(cublas_gemm(h, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a ? CUBLAS_OP_T : CUBLAS_OP_N,
                           blas_int(n, what), blas_int(m, what), blas_int(k, what), &one, B, blas_int(ldb, what), A,
                           blas_int(lda, what), &beta, C, blas_int(ldc, what)),
               what);
}

}  // namespace dagnet::cuda
