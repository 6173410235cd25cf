// Shared body of the per-ISA normalization row primitives (included by each ISA's file so
// the same plain loops vectorise for that ISA's registers). Not a public header.
#include "cpu/normalization_rows.h"

namespace {
using dagnet::cpu::kNormLanes;

// kNormLanes values as one GCC/Clang vector: the run reductions below compile to plain
// vector adds and multiplies (a loop over lanes invites outer-loop vectorisation with
// permutes instead).
template <typename T>
struct Lanes {
  typedef T type __attribute__((vector_size(sizeof(T) * kNormLanes)));
};
template <typename T>
using LaneVector = typename Lanes<T>::type;

// Loads and stores are memcpy (no alignment assumed); no function takes or returns a
// vector, so the baseline build's ABI never meets a 64-byte vector.
#define DAGNET_LOAD_LANES(v, p) __builtin_memcpy(&(v), (p), sizeof(v))

template <typename T>
void moments_impl(const T* __restrict x, int64_t n, T shift, T* __restrict l1, T* __restrict l2) {
  LaneVector<T> a, b, v;
  DAGNET_LOAD_LANES(a, l1);
  DAGNET_LOAD_LANES(b, l2);
  LaneVector<T> s = LaneVector<T>{} + shift;
  int64_t i = 0;
  for (; i + kNormLanes <= n; i += kNormLanes) {
    DAGNET_LOAD_LANES(v, x + i);
    const LaneVector<T> d = v - s;
    a += d;
    b += d * d;
  }
  __builtin_memcpy(l1, &a, sizeof(a));
  __builtin_memcpy(l2, &b, sizeof(b));
  for (int j = 0; i < n; ++i, ++j) {
    const T d = x[i] - shift;
    l1[j] += d;
    l2[j] += d * d;
  }
}

template <typename T>
void moment_columns_impl(const T* __restrict x, const T* __restrict shift, int64_t w, T* __restrict a1,
                         T* __restrict a2) {
  if (!shift) {
    for (int64_t q = 0; q < w; ++q) {
      a1[q] += x[q];
      a2[q] += x[q] * x[q];
    }
    return;
  }
  for (int64_t q = 0; q < w; ++q) {
    const T d = x[q] - shift[q];
    a1[q] += d;
    a2[q] += d * d;
  }
}

template <typename T>
void dots_impl(const T* __restrict dy, const T* __restrict x, int64_t n, T shift, T* __restrict l1, T* __restrict l2) {
  LaneVector<T> a, b, v, w;
  DAGNET_LOAD_LANES(a, l1);
  DAGNET_LOAD_LANES(b, l2);
  LaneVector<T> s = LaneVector<T>{} + shift;
  int64_t i = 0;
  for (; i + kNormLanes <= n; i += kNormLanes) {
    DAGNET_LOAD_LANES(v, dy + i);
    DAGNET_LOAD_LANES(w, x + i);
    a += v;
    b += v * (w - s);
  }
  __builtin_memcpy(l1, &a, sizeof(a));
  __builtin_memcpy(l2, &b, sizeof(b));
  for (int j = 0; i < n; ++i, ++j) {
    l1[j] += dy[i];
    l2[j] += dy[i] * (x[i] - shift);
  }
}

template <typename T>
void dot_columns_impl(const T* __restrict dy, const T* __restrict x, const T* __restrict shift, int64_t w,
                      T* __restrict sdy, T* __restrict sdz) {
  for (int64_t q = 0; q < w; ++q) {
    sdy[q] += dy[q];
    sdz[q] += dy[q] * (x[q] - shift[q]);
  }
}

template <typename T>
void affine_impl(const T* __restrict x, T* __restrict y, int64_t n, T a, T b) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * a + b;
}

template <typename T>
void affine_columns_impl(const T* __restrict x, T* __restrict y, int64_t w, const T* __restrict a,
                         const T* __restrict b) {
  for (int64_t q = 0; q < w; ++q) y[q] = x[q] * a[q] + b[q];
}

template <typename T>
void affine_params_impl(const T* __restrict x, T* __restrict y, int64_t n, T m, T rs, const T* __restrict g,
                        const T* __restrict b) {
  if (g && b) {
    for (int64_t i = 0; i < n; ++i) {
      const T a = rs * g[i];
      y[i] = x[i] * a + (b[i] - m * a);
    }
  } else if (g) {
    for (int64_t i = 0; i < n; ++i) {
      const T a = rs * g[i];
      y[i] = x[i] * a - m * a;
    }
  } else if (b) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * rs + (b[i] - m * rs);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * rs - m * rs;
  }
}

template <typename T>
void dx_run_impl(const T* __restrict dy, const T* __restrict x, T* __restrict dx, int64_t n, T rg, T a1, T a0) {
  for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * rg + (a1 * x[i] + a0);
}

template <typename T>
void dx_params_impl(const T* __restrict dy, const T* __restrict x, T* __restrict dx, int64_t n, T rs,
                    const T* __restrict g, T a1, T a0) {
  for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * (rs * g[i]) + (a1 * x[i] + a0);
}

template <typename T>
void dx_columns_impl(const T* __restrict dy, const T* __restrict x, T* __restrict dx, int64_t w, const T* __restrict rg,
                     const T* __restrict a1, const T* __restrict a0) {
  for (int64_t q = 0; q < w; ++q) dx[q] = dy[q] * rg[q] + (a1[q] * x[q] + a0[q]);
}

template <typename T>
void param_dots_impl(const T* __restrict dy, const T* __restrict x, int64_t n, T zs, T rs, const T* __restrict g,
                     T* __restrict l1, T* __restrict l2, double* __restrict pg, double* __restrict pb) {
  LaneVector<T> a, b, v, w;
  DAGNET_LOAD_LANES(a, l1);
  DAGNET_LOAD_LANES(b, l2);
  LaneVector<T> s = LaneVector<T>{} + zs;
  int64_t i = 0;
  for (; i + kNormLanes <= n; i += kNormLanes) {
    DAGNET_LOAD_LANES(v, dy + i);
    DAGNET_LOAD_LANES(w, g + i);
    const LaneVector<T> gg = v * w;
    DAGNET_LOAD_LANES(w, x + i);
    a += gg;
    b += gg * (w - s);
  }
  __builtin_memcpy(l1, &a, sizeof(a));
  __builtin_memcpy(l2, &b, sizeof(b));
  for (int j = 0; i < n; ++i, ++j) {
    const T gg = dy[i] * g[i];
    l1[j] += gg;
    l2[j] += gg * (x[i] - zs);
  }
  if (pg)
    for (int64_t k = 0; k < n; ++k) pg[k] += static_cast<double>(dy[k] * (x[k] - zs) * rs);
  if (pb)
    for (int64_t k = 0; k < n; ++k) pb[k] += static_cast<double>(dy[k]);
}

#undef DAGNET_LOAD_LANES

template <typename T>
dagnet::cpu::NormRows<T> norm_rows_impl() {
  return {moments_impl<T>,   moment_columns_impl<T>, dots_impl<T>,          dot_columns_impl<T>,
          affine_impl<T>,    affine_columns_impl<T>, affine_params_impl<T>, dx_run_impl<T>,
          dx_params_impl<T>, dx_columns_impl<T>,     param_dots_impl<T>};
}
}  // namespace
