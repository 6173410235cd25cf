// float32 GEMM micro-kernels: C[MR x NR] (+)= A_panel[MR x kc] * B_panel[kc x NR], with
// A packed column by column (MR floats per k) and B read as NR floats per k, b_stride
// apart: NR when B is packed, ldb when a full panel is read in place from row-major B.
// One kernel per ISA, chosen at run time; each lives in a file compiled for its ISA only.
#pragma once
#include <cstdint>

namespace dagnet::cpu {

using MicroKernel = void (*)(int64_t kc, const float* a, const float* b, int64_t b_stride, float* c, int64_t ldc,
                             bool accumulate);

// The same tile, with A's rows read in place through pointers (row i, depth k at
// a_rows[i][k]): convolution reads input pixels this way without im2col or packing.
using IndirectMicroKernel = void (*)(int64_t kc, const float* const* a_rows, const float* b, int64_t b_stride, float* c,
                                     int64_t ldc, bool accumulate);

// And with B's rows read through pointers (depth k, columns at b_rows[k][0..NR)) and A's
// MR values for depth k at a + k * a_stride (MR when packed; a row stride when A^T is read
// in place): the convolution kernel gradient reads input pixels as B and dy as A this way.
using IndirectBMicroKernel = void (*)(int64_t kc, const float* a, int64_t a_stride, const float* const* b_rows,
                                      float* c, int64_t ldc, bool accumulate);

struct GemmKernel {
  int mr, nr;
  MicroKernel run;
  const char* name;
  IndirectMicroKernel run_indirect;
  IndirectBMicroKernel run_indirect_b;
  // run_indirect for an MR x NR/2 tile (reads and writes only the first NR/2 columns): a
  // last panel of at most NR/2 columns (convolutions with 10 or 16 filters) then does
  // half the arithmetic of a zero-padded full panel.
  IndirectMicroKernel run_indirect_half;
  MicroKernel run_half;  // run for an MR x NR/2 tile, for a last GEMM panel of at most NR/2 columns
  // run_indirect for a 1 x NR tile (a_rows[0] only; ldc unused), the same bits per element
  // as the full tile: a recurrent step at batch 1 does 1/MR of the arithmetic.
  IndirectMicroKernel run_indirect_row;
};

// Defined only where the build targets x86-64; selected by gemm_kernel_for_cpu().
GemmKernel gemm_kernel_avx512();
GemmKernel gemm_kernel_avx2();
GemmKernel gemm_kernel_portable();
GemmKernel gemm_kernel_for_cpu();

}  // namespace dagnet::cpu
