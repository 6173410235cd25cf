// Shared body of the per-ISA attention row kernels (included by each ISA's file so the same
// source is vectorised for that ISA's registers). Not a public header. Reductions keep 16
// independent partial sums (one per lane) so they vectorise without reassociating a chain;
// a row never aliases its mask or the probabilities (restrict), so the blends vectorise too.
#include <cmath>
#include <limits>

#include "cpu/attention_rows.h"
#include "cpu/fast_math.h"

namespace {
constexpr int kLanes = 16;

template <typename T>
T exp_of(T x) {
  if constexpr (sizeof(T) == sizeof(float)) return dagnet::cpu::fast_exp(x);
  else return std::exp(x);
}

template <typename T>
T mask_scale_max_impl(T* __restrict row, int64_t n, T scale, const T* __restrict mask, int64_t stride) {
  const T minus_inf = -std::numeric_limits<T>::infinity();
  if (mask && stride == 0 && mask[0] == T(0)) {
    for (int64_t j = 0; j < n; ++j) row[j] = minus_inf;
    return minus_inf;
  }
  if (mask && stride == 1) {
    for (int64_t j = 0; j < n; ++j) {
      const T v = row[j] * scale;
      row[j] = mask[j] != T(0) ? v : minus_inf;
    }
  } else if (mask && stride > 1) {
    for (int64_t j = 0; j < n; ++j) row[j] = mask[j * stride] != T(0) ? row[j] * scale : minus_inf;
  } else {
    for (int64_t j = 0; j < n; ++j) row[j] *= scale;
  }
  T acc[kLanes];
  for (int k = 0; k < kLanes; ++k) acc[k] = minus_inf;
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int k = 0; k < kLanes; ++k) acc[k] = acc[k] > row[j + k] ? acc[k] : row[j + k];
  T m = minus_inf;
  for (int k = 0; k < kLanes; ++k) m = m > acc[k] ? m : acc[k];
  for (; j < n; ++j) m = m > row[j] ? m : row[j];
  return m;
}

template <typename T>
T exp_sum_impl(T* row, int64_t n, T max) {
  T acc[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int k = 0; k < kLanes; ++k) {
      const T e = exp_of(row[j + k] - max);  // exp(-inf) = 0
      row[j + k] = e;
      acc[k] += e;
    }
  T sum = T(0);
  for (; j < n; ++j) {
    const T e = exp_of(row[j] - max);
    row[j] = e;
    sum += e;
  }
  for (int k = 0; k < kLanes; ++k) sum += acc[k];
  return sum;
}

template <typename T>
void scale_impl(T* row, int64_t n, T factor) {
  for (int64_t j = 0; j < n; ++j) row[j] *= factor;
}

template <typename T>
T dot_impl(const T* a, const T* b, int64_t n) {
  T acc[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int k = 0; k < kLanes; ++k) acc[k] += a[j + k] * b[j + k];
  T sum = T(0);
  for (; j < n; ++j) sum += a[j] * b[j];
  for (int k = 0; k < kLanes; ++k) sum += acc[k];
  return sum;
}

template <typename T>
void softmax_grad_impl(const T* p, T* g, int64_t n, T dot, T scale, const T* mask, int64_t stride) {
  if (mask && stride == 0 && mask[0] == T(0)) {
    for (int64_t j = 0; j < n; ++j) g[j] = T(0);
    return;
  }
  if (mask && stride == 1) {
    for (int64_t j = 0; j < n; ++j) {
      const T v = p[j] * (g[j] - dot) * scale;
      g[j] = mask[j] != T(0) ? v : T(0);
    }
  } else if (mask && stride > 1) {
    for (int64_t j = 0; j < n; ++j) g[j] = mask[j * stride] != T(0) ? p[j] * (g[j] - dot) * scale : T(0);
  } else {
    for (int64_t j = 0; j < n; ++j) g[j] = p[j] * (g[j] - dot) * scale;
  }
}

template <typename T>
constexpr dagnet::cpu::AttentionRowsOf<T> kAttentionRows = {mask_scale_max_impl<T>, exp_sum_impl<T>, scale_impl<T>,
                                                            dot_impl<T>, softmax_grad_impl<T>};
}  // namespace
