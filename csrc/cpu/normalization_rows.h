// The contiguous-run primitives the normalization kernels are built from, compiled once per
// ISA for float (normalization_rows_avx512.cpp, _avx2.cpp and a baseline build, chosen at
// run time) and in the baseline build for double. "Lanes" arguments are kNormLanes
// accumulators the caller zeroes and later adds up (in double), so a statistic's sum is
// taken in short float runs and never loses its precision to one long float sum.
#pragma once
#include <cstdint>

namespace dagnet::cpu {

constexpr int kNormLanes = 16;

template <typename T>
struct NormRows {
  // l1 += x - shift, l2 += (x - shift)^2 (lanes).
  void (*moments)(const T* x, int64_t n, T shift, T* l1, T* l2);
  // Per column q: a1[q] += x[q] - shift[q], a2[q] += (x[q] - shift[q])^2 (shift null: 0).
  void (*moment_columns)(const T* x, const T* shift, int64_t w, T* a1, T* a2);
  // l1 += dy, l2 += dy * (x - shift) (lanes).
  void (*dots)(const T* dy, const T* x, int64_t n, T shift, T* l1, T* l2);
  // Per column q: sdy[q] += dy[q], sdz[q] += dy[q] * (x[q] - shift[q]).
  void (*dot_columns)(const T* dy, const T* x, const T* shift, int64_t w, T* sdy, T* sdz);
  // y = x * a + b.
  void (*affine)(const T* x, T* y, int64_t n, T a, T b);
  // y[q] = x[q] * a[q] + b[q].
  void (*affine_columns)(const T* x, T* y, int64_t w, const T* a, const T* b);
  // y[i] = x[i] * (rs * g[i]) + (b[i] - m * rs * g[i]); g or b null: 1 or 0.
  void (*affine_params)(const T* x, T* y, int64_t n, T m, T rs, const T* g, const T* b);
  // dx = dy * rg + a1 * x + a0.
  void (*dx_run)(const T* dy, const T* x, T* dx, int64_t n, T rg, T a1, T a0);
  // dx[i] = dy[i] * (rs * g[i]) + a1 * x[i] + a0.
  void (*dx_params)(const T* dy, const T* x, T* dx, int64_t n, T rs, const T* g, T a1, T a0);
  // dx[q] = dy[q] * rg[q] + a1[q] * x[q] + a0[q].
  void (*dx_columns)(const T* dy, const T* x, T* dx, int64_t w, const T* rg, const T* a1, const T* a0);
  // A run whose gamma varies per element: l1 += dy g, l2 += dy g (x - zs) (lanes),
  // pg[i] += dy (x - zs) rs, pb[i] += dy (pg/pb null: skipped).
  void (*param_dots)(const T* dy, const T* x, int64_t n, T zs, T rs, const T* g, T* l1, T* l2, double* pg, double* pb);
};

NormRows<float> norm_rows_float_avx512();
NormRows<float> norm_rows_float_avx2();
NormRows<float> norm_rows_float_baseline();
// The rows for this machine (float), and the double rows (baseline).
const NormRows<float>& norm_rows(float);
const NormRows<double>& norm_rows(double);

}  // namespace dagnet::cpu
