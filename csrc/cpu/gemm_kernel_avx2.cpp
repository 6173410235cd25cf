// AVX2 + FMA micro-kernel: a 6 x 16 tile of C in 12 ymm accumulators, two for B, one
// broadcast of A: 15 of the 16 registers.
#include "cpu/gemm_kernels.h"

#if defined(DAGNET_X86_KERNELS)
#include <immintrin.h>

namespace dagnet::cpu {

namespace {
constexpr int kMR = 6, kNR = 16;

void kernel(int64_t kc, const float* a, const float* b, int64_t b_stride, float* c, int64_t ldc, bool accumulate) {
  __m256 lo[kMR], hi[kMR];
#pragma GCC unroll 6
  for (int i = 0; i < kMR; ++i) lo[i] = hi[i] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < kMR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      lo[i] = _mm256_fmadd_ps(ai, b0, lo[i]);
      hi[i] = _mm256_fmadd_ps(ai, b1, hi[i]);
    }
    a += kMR;
    b += b_stride;
  }
#pragma GCC unroll 6
  for (int i = 0; i < kMR; ++i) {
    float* row = c + i * ldc;
    if (accumulate) {
      lo[i] = _mm256_add_ps(lo[i], _mm256_loadu_ps(row));
      hi[i] = _mm256_add_ps(hi[i], _mm256_loadu_ps(row + 8));
    }
    _mm256_storeu_ps(row, lo[i]);
    _mm256_storeu_ps(row + 8, hi[i]);
  }
}
void kernel_indirect(int64_t kc, const float* const* a_rows, const float* b, int64_t b_stride, float* c, int64_t ldc,
                     bool accumulate) {
  __m256 lo[kMR], hi[kMR];
  const float* rows[kMR];
#pragma GCC unroll 6
  for (int i = 0; i < kMR; ++i) {
    lo[i] = hi[i] = _mm256_setzero_ps();
    rows[i] = a_rows[i];
  }
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < kMR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(rows[i] + k);
      lo[i] = _mm256_fmadd_ps(ai, b0, lo[i]);
      hi[i] = _mm256_fmadd_ps(ai, b1, hi[i]);
    }
    b += b_stride;
  }
#pragma GCC unroll 6
  for (int i = 0; i < kMR; ++i) {
    float* row = c + i * ldc;
    if (accumulate) {
      lo[i] = _mm256_add_ps(lo[i], _mm256_loadu_ps(row));
      hi[i] = _mm256_add_ps(hi[i], _mm256_loadu_ps(row + 8));
    }
    _mm256_storeu_ps(row, lo[i]);
    _mm256_storeu_ps(row + 8, hi[i]);
  }
}
void kernel_indirect_b(int64_t kc, const float* a, int64_t a_stride, const float* const* b_rows, float* c, int64_t ldc,
                       bool accumulate) {
  __m256 lo[kMR], hi[kMR];
#pragma GCC unroll 6
  for (int i = 0; i < kMR; ++i) lo[i] = hi[i] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const float* b = b_rows[k];
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < kMR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      lo[i] = _mm256_fmadd_ps(ai, b0, lo[i]);
      hi[i] = _mm256_fmadd_ps(ai, b1, hi[i]);
    }
    a += a_stride;
  }
#pragma GCC unroll 6
  for (int i = 0; i < kMR; ++i) {
    float* row = c + i * ldc;
    if (accumulate) {
      lo[i] = _mm256_add_ps(lo[i], _mm256_loadu_ps(row));
      hi[i] = _mm256_add_ps(hi[i], _mm256_loadu_ps(row + 8));
    }
    _mm256_storeu_ps(row, lo[i]);
    _mm256_storeu_ps(row + 8, hi[i]);
  }
}
void kernel_half(int64_t kc, const float* a, const float* b, int64_t b_stride, float* c, int64_t ldc, bool accumulate) {
  __m256 acc[kMR];
#pragma GCC unroll 6
  for (int i = 0; i < kMR; ++i) acc[i] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b);
#pragma GCC unroll 6
    for (int i = 0; i < kMR; ++i) acc[i] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + i), b0, acc[i]);
    a += kMR;
    b += b_stride;
  }
#pragma GCC unroll 6
  for (int i = 0; i < kMR; ++i) {
    float* row = c + i * ldc;
    if (accumulate) acc[i] = _mm256_add_ps(acc[i], _mm256_loadu_ps(row));
    _mm256_storeu_ps(row, acc[i]);
  }
}
void kernel_indirect_half(int64_t kc, const float* const* a_rows, const float* b, int64_t b_stride, float* c,
                          int64_t ldc, bool accumulate) {
  __m256 acc[kMR];
  const float* rows[kMR];
#pragma GCC unroll 6
  for (int i = 0; i < kMR; ++i) {
    acc[i] = _mm256_setzero_ps();
    rows[i] = a_rows[i];
  }
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b);
#pragma GCC unroll 6
    for (int i = 0; i < kMR; ++i) acc[i] = _mm256_fmadd_ps(_mm256_broadcast_ss(rows[i] + k), b0, acc[i]);
    b += b_stride;
  }
#pragma GCC unroll 6
  for (int i = 0; i < kMR; ++i) {
    float* row = c + i * ldc;
    if (accumulate) acc[i] = _mm256_add_ps(acc[i], _mm256_loadu_ps(row));
    _mm256_storeu_ps(row, acc[i]);
  }
}
// kernel_indirect for one row of A (a_rows[0]): the same per-element arithmetic (an FMA
// chain from zero over k, then + C), so a row gets the same bits either way.
void kernel_indirect_row(int64_t kc, const float* const* a_rows, const float* b, int64_t b_stride, float* c,
                         int64_t /*ldc*/, bool accumulate) {
  __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
  const float* a = a_rows[0];
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 ak = _mm256_broadcast_ss(a + k);
    lo = _mm256_fmadd_ps(ak, _mm256_loadu_ps(b), lo);
    hi = _mm256_fmadd_ps(ak, _mm256_loadu_ps(b + 8), hi);
    b += b_stride;
  }
  if (accumulate) {
    lo = _mm256_add_ps(lo, _mm256_loadu_ps(c));
    hi = _mm256_add_ps(hi, _mm256_loadu_ps(c + 8));
  }
  _mm256_storeu_ps(c, lo);
  _mm256_storeu_ps(c + 8, hi);
}
}  // namespace

GemmKernel gemm_kernel_avx2() {
  return {kMR,
          kNR,
          kernel,
          "avx2 6x16",
          kernel_indirect,
          kernel_indirect_b,
          kernel_indirect_half,
          kernel_half,
          kernel_indirect_row};
}

}  // namespace dagnet::cpu
#endif
