// float32 row kernels of the attention softmax (forward and backward), compiled once per ISA
// (attention_rows_avx512.cpp, attention_rows_avx2.cpp and a baseline build) and chosen at
// run time, so the masked exp / sum / dot over a row of scores run 16 wide with AVX-512.
// A row's mask is read as mask[j * stride] (stride 0: one flag for the row; mask null: none);
// nonzero = visible.
#pragma once
#include <cstdint>

namespace dagnet::cpu {

template <typename T>
struct AttentionRowsOf {
  // row[j] = visible ? row[j] * scale : -inf for j < n; returns the row's max (-inf: none visible).
  T (*mask_scale_max)(T* row, int64_t n, T scale, const T* mask, int64_t stride);
  // row[j] = exp(row[j] - max) (0 for -inf) for j < n; returns the sum.
  T (*exp_sum)(T* row, int64_t n, T max);
  // row[j] *= factor for j < n.
  void (*scale)(T* row, int64_t n, T factor);
  // sum of a[j] * b[j] for j < n.
  T (*dot)(const T* a, const T* b, int64_t n);
  // g[j] = visible ? p[j] * (g[j] - dot) * scale : 0 for j < n (the softmax's gradient).
  void (*softmax_grad)(const T* p, T* g, int64_t n, T dot, T scale, const T* mask, int64_t stride);
};
using AttentionRows = AttentionRowsOf<float>;

AttentionRows attention_rows_avx512();
AttentionRows attention_rows_avx2();
AttentionRows attention_rows_baseline();
AttentionRows attention_rows_for_cpu();
// float64 (gradient checks): the baseline build, with libm's exp.
AttentionRowsOf<double> attention_rows_double();

}  // namespace dagnet::cpu
