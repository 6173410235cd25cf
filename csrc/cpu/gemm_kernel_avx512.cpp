// AVX-512 micro-kernel: a 12 x 32 tile of C in 24 zmm accumulators (two per row), B's
// 32 floats per k in two more, A broadcast straight from memory into each FMA.
#include "cpu/gemm_kernels.h"

#if defined(DAGNET_X86_KERNELS)
#include <immintrin.h>

namespace dagnet::cpu {

namespace {
constexpr int kMR = 12, kNR = 32;

void kernel(int64_t kc, const float* a, const float* b, int64_t b_stride, float* c, int64_t ldc, bool accumulate) {
  __m512 lo[kMR], hi[kMR];
#pragma GCC unroll 12
  for (int i = 0; i < kMR; ++i) lo[i] = hi[i] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * b_stride), _MM_HINT_T0);
#pragma GCC unroll 12
    for (int i = 0; i < kMR; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      lo[i] = _mm512_fmadd_ps(ai, b0, lo[i]);
      hi[i] = _mm512_fmadd_ps(ai, b1, hi[i]);
    }
    a += kMR;
    b += b_stride;
  }
#pragma GCC unroll 12
  for (int i = 0; i < kMR; ++i) {
    float* row = c + i * ldc;
    if (accumulate) {
      lo[i] = _mm512_add_ps(lo[i], _mm512_loadu_ps(row));
      hi[i] = _mm512_add_ps(hi[i], _mm512_loadu_ps(row + 16));
    }
    _mm512_storeu_ps(row, lo[i]);
    _mm512_storeu_ps(row + 16, hi[i]);
  }
}
void kernel_indirect(int64_t kc, const float* const* a_rows, const float* b, int64_t b_stride, float* c, int64_t ldc,
                     bool accumulate) {
  __m512 lo[kMR], hi[kMR];
  const float* rows[kMR];
#pragma GCC unroll 12
  for (int i = 0; i < kMR; ++i) {
    lo[i] = hi[i] = _mm512_setzero_ps();
    rows[i] = a_rows[i];
  }
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 12
    for (int i = 0; i < kMR; ++i) {
      const __m512 ai = _mm512_set1_ps(rows[i][k]);
      lo[i] = _mm512_fmadd_ps(ai, b0, lo[i]);
      hi[i] = _mm512_fmadd_ps(ai, b1, hi[i]);
    }
    b += b_stride;
  }
#pragma GCC unroll 12
  for (int i = 0; i < kMR; ++i) {
    float* row = c + i * ldc;
    if (accumulate) {
      lo[i] = _mm512_add_ps(lo[i], _mm512_loadu_ps(row));
      hi[i] = _mm512_add_ps(hi[i], _mm512_loadu_ps(row + 16));
    }
    _mm512_storeu_ps(row, lo[i]);
    _mm512_storeu_ps(row + 16, hi[i]);
  }
}
void kernel_indirect_b(int64_t kc, const float* a, int64_t a_stride, const float* const* b_rows, float* c, int64_t ldc,
                       bool accumulate) {
  __m512 lo[kMR], hi[kMR];
#pragma GCC unroll 12
  for (int i = 0; i < kMR; ++i) lo[i] = hi[i] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const float* b = b_rows[k];
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 12
    for (int i = 0; i < kMR; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      lo[i] = _mm512_fmadd_ps(ai, b0, lo[i]);
      hi[i] = _mm512_fmadd_ps(ai, b1, hi[i]);
    }
    a += a_stride;
  }
#pragma GCC unroll 12
  for (int i = 0; i < kMR; ++i) {
    float* row = c + i * ldc;
    if (accumulate) {
      lo[i] = _mm512_add_ps(lo[i], _mm512_loadu_ps(row));
      hi[i] = _mm512_add_ps(hi[i], _mm512_loadu_ps(row + 16));
    }
    _mm512_storeu_ps(row, lo[i]);
    _mm512_storeu_ps(row + 16, hi[i]);
  }
}
void kernel_half(int64_t kc, const float* a, const float* b, int64_t b_stride, float* c, int64_t ldc, bool accumulate) {
  __m512 acc[kMR];
#pragma GCC unroll 12
  for (int i = 0; i < kMR; ++i) acc[i] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_loadu_ps(b);
#pragma GCC unroll 12
    for (int i = 0; i < kMR; ++i) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(a[i]), b0, acc[i]);
    a += kMR;
    b += b_stride;
  }
#pragma GCC unroll 12
  for (int i = 0; i < kMR; ++i) {
    float* row = c + i * ldc;
    if (accumulate) acc[i] = _mm512_add_ps(acc[i], _mm512_loadu_ps(row));
    _mm512_storeu_ps(row, acc[i]);
  }
}
void kernel_indirect_half(int64_t kc, const float* const* a_rows, const float* b, int64_t b_stride, float* c,
                          int64_t ldc, bool accumulate) {
  __m512 acc[kMR];
  const float* rows[kMR];
#pragma GCC unroll 12
  for (int i = 0; i < kMR; ++i) {
    acc[i] = _mm512_setzero_ps();
    rows[i] = a_rows[i];
  }
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_loadu_ps(b);
#pragma GCC unroll 12
    for (int i = 0; i < kMR; ++i) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(rows[i][k]), b0, acc[i]);
    b += b_stride;
  }
#pragma GCC unroll 12
  for (int i = 0; i < kMR; ++i) {
    float* row = c + i * ldc;
    if (accumulate) acc[i] = _mm512_add_ps(acc[i], _mm512_loadu_ps(row));
    _mm512_storeu_ps(row, acc[i]);
  }
}
// kernel_indirect for one row of A (a_rows[0]): the same per-element arithmetic (an FMA
// chain from zero over k, then + C), so a row gets the same bits either way.
void kernel_indirect_row(int64_t kc, const float* const* a_rows, const float* b, int64_t b_stride, float* c,
                         int64_t /*ldc*/, bool accumulate) {
  __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
  const float* a = a_rows[0];
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 ak = _mm512_set1_ps(a[k]);
    lo = _mm512_fmadd_ps(ak, _mm512_loadu_ps(b), lo);
    hi = _mm512_fmadd_ps(ak, _mm512_loadu_ps(b + 16), hi);
    b += b_stride;
  }
  if (accumulate) {
    lo = _mm512_add_ps(lo, _mm512_loadu_ps(c));
    hi = _mm512_add_ps(hi, _mm512_loadu_ps(c + 16));
  }
  _mm512_storeu_ps(c, lo);
  _mm512_storeu_ps(c + 16, hi);
}
}  // namespace

GemmKernel gemm_kernel_avx512() {
  return {kMR,
          kNR,
          kernel,
          "avx512 12x32",
          kernel_indirect,
          kernel_indirect_b,
          kernel_indirect_half,
          kernel_half,
          kernel_indirect_row};
}

}  // namespace dagnet::cpu
#endif
