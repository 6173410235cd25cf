#include <algorithm>
#include <vector>

#include "core/thread_pool.h"
#include "cpu/gemm.h"

namespace dagnet::cpu {

namespace {
int64_t row_grain(int64_t N, int64_t K) { return std::max<int64_t>(1, 65536 / std::max<int64_t>(1, N * K / 8 + 1)); }
}  // namespace

template <typename T>
void gemm_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B,
                    int64_t ldb, T* C, int64_t ldc, bool accumulate) {
  if (M == 0 || N == 0) return;
  // With op(B) row-major (K x N) the inner loop streams rows of B and C.
  std::vector<T> b_transposed;
  if (trans_b) {
    b_transposed.resize(static_cast<size_t>(K * N));
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k) b_transposed[k * N + n] = B[n * ldb + k];
    B = b_transposed.data();
    ldb = N;
  }
  constexpr int64_t kBlockK = 256;
  parallel_for(M, row_grain(N, K), [&](int64_t row_begin, int64_t row_end) {
    for (int64_t i = row_begin; i < row_end; ++i) {
      T* c = C + i * ldc;
      if (!accumulate) std::fill(c, c + N, T(0));
    }
    for (int64_t k0 = 0; k0 < K; k0 += kBlockK) {
      int64_t k1 = std::min(K, k0 + kBlockK);
      for (int64_t i = row_begin; i < row_end; ++i) {
        T* __restrict c = C + i * ldc;
        for (int64_t k = k0; k < k1; ++k) {
          const T a = trans_a ? A[k * lda + i] : A[i * lda + k];
          const T* __restrict b = B + k * ldb;
          for (int64_t j = 0; j < N; ++j) c[j] += a * b[j];
        }
      }
    }
  });
}

template void gemm_reference<float>(bool, bool, int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t,
                                    float*, int64_t, bool);
template void gemm_reference<double>(bool, bool, int64_t, int64_t, int64_t, const double*, int64_t, const double*,
                                     int64_t, double*, int64_t, bool);

}  // namespace dagnet::cpu
