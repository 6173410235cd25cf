// Portable micro-kernel (4 x 16 tile, plain C++ the compiler vectorises for the baseline
// ISA), and the run-time choice between it and the ISA-specific kernels.
#include "core/cpu_features.h"
#include "cpu/gemm_kernels.h"

namespace dagnet::cpu {

namespace {
constexpr int kMR = 4, kNR = 16;

void kernel(int64_t kc, const float* a, const float* b, int64_t b_stride, float* c, int64_t ldc, bool accumulate) {
  float acc[kMR][kNR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < kMR; ++i) {
      const float ai = a[i];
      for (int j = 0; j < kNR; ++j) acc[i][j] += ai * b[j];
    }
    a += kMR;
    b += b_stride;
  }
  for (int i = 0; i < kMR; ++i)
    for (int j = 0; j < kNR; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}
void kernel_indirect(int64_t kc, const float* const* a_rows, const float* b, int64_t b_stride, float* c, int64_t ldc,
                     bool accumulate) {
  float acc[kMR][kNR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < kMR; ++i) {
      const float ai = a_rows[i][k];
      for (int j = 0; j < kNR; ++j) acc[i][j] += ai * b[j];
    }
    b += b_stride;
  }
  for (int i = 0; i < kMR; ++i)
    for (int j = 0; j < kNR; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}
void kernel_indirect_b(int64_t kc, const float* a, int64_t a_stride, const float* const* b_rows, float* c, int64_t ldc,
                       bool accumulate) {
  float acc[kMR][kNR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    const float* b = b_rows[k];
    for (int i = 0; i < kMR; ++i)
      for (int j = 0; j < kNR; ++j) acc[i][j] += a[i] * b[j];
    a += a_stride;
  }
  for (int i = 0; i < kMR; ++i)
    for (int j = 0; j < kNR; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}
void kernel_half(int64_t kc, const float* a, const float* b, int64_t b_stride, float* c, int64_t ldc, bool accumulate) {
  constexpr int kHalf = kNR / 2;
  float acc[kMR][kHalf] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < kMR; ++i) {
      const float ai = a[i];
      for (int j = 0; j < kHalf; ++j) acc[i][j] += ai * b[j];
    }
    a += kMR;
    b += b_stride;
  }
  for (int i = 0; i < kMR; ++i)
    for (int j = 0; j < kHalf; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}
void kernel_indirect_half(int64_t kc, const float* const* a_rows, const float* b, int64_t b_stride, float* c,
                          int64_t ldc, bool accumulate) {
  constexpr int kHalf = kNR / 2;
  float acc[kMR][kHalf] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < kMR; ++i) {
      const float ai = a_rows[i][k];
      for (int j = 0; j < kHalf; ++j) acc[i][j] += ai * b[j];
    }
    b += b_stride;
  }
  for (int i = 0; i < kMR; ++i)
    for (int j = 0; j < kHalf; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}
// kernel_indirect for one row of A (a_rows[0]): the same per-element arithmetic (the same
// expression, so the same contraction), so a row gets the same bits either way.
void kernel_indirect_row(int64_t kc, const float* const* a_rows, const float* b, int64_t b_stride, float* c,
                         int64_t /*ldc*/, bool accumulate) {
  float acc[kNR] = {};
  const float* a = a_rows[0];
  for (int64_t k = 0; k < kc; ++k) {
    const float ak = a[k];
    for (int j = 0; j < kNR; ++j) acc[j] += ak * b[j];
    b += b_stride;
  }
  for (int j = 0; j < kNR; ++j) c[j] = accumulate ? c[j] + acc[j] : acc[j];
}
}  // namespace

GemmKernel gemm_kernel_portable() {
  return {kMR,
          kNR,
          kernel,
          "portable 4x16",
          kernel_indirect,
          kernel_indirect_b,
          kernel_indirect_half,
          kernel_half,
          kernel_indirect_row};
}

GemmKernel gemm_kernel_for_cpu() {
  static const GemmKernel chosen = [] {
#if defined(DAGNET_X86_KERNELS)
    switch (active_cpu_isa()) {
      case CpuIsa::AVX512: return gemm_kernel_avx512();
      case CpuIsa::AVX2_FMA: return gemm_kernel_avx2();
      case CpuIsa::Portable: break;
    }
#endif
    return gemm_kernel_portable();
  }();
  return chosen;
}

}  // namespace dagnet::cpu
