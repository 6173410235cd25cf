#include "cpu/resample.h"

#include <algorithm>

#include "core/thread_pool.h"

namespace dagnet::cpu {

namespace {
// Reads tap i of a row (the fill value outside [0, in_len) when the pass pads).
template <typename T>
inline bool inside(const ResamplePass& p, int64_t i) {
  return !p.reads_fill || (i >= 0 && i < p.in_len);
}

// dst += w * src over n contiguous elements (restrict: the compiler vectorises it unguarded).
template <typename T>
inline void add_scaled(T* __restrict dst, const T* __restrict src, T w, int64_t n) {
  for (int64_t b = 0; b < n; ++b) dst[b] += w * src[b];
}
}  // namespace

// Parallel over output rows (a, o): each writes its own `inner` outputs, so the gradient
// pass (a gather over transposed tables) needs no synchronisation either, and the result
// does not depend on the thread count. The inner loop runs over contiguous memory.
template <typename T>
void resample_pass(const ResamplePass& p, const T* x, T* y) {
  const int64_t rows = p.outer * p.out_len;
  const int64_t row_work = std::max<int64_t>(1, p.inner * p.taps);
  const T fill = static_cast<T>(p.fill);
  parallel_for(rows, std::max<int64_t>(1, 16384 / row_work), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t a = r / p.out_len, o = r % p.out_len;
      const T* src = x + a * p.in_len * p.inner;
      T* dst = y + r * p.inner;
      const float* w = p.weight + o * p.taps;
      const int64_t first = p.start[o];
      if (p.inner == 1) {
        T acc = 0;
        for (int64_t k = 0; k < p.taps; ++k) {
          if (w[k] == 0.0f) continue;
          const int64_t i = first + k;
          acc += static_cast<T>(w[k]) * (inside<T>(p, i) ? src[i] : fill);
        }
        *dst = acc;
        continue;
      }
      std::fill(dst, dst + p.inner, T(0));
      for (int64_t k = 0; k < p.taps; ++k) {
        if (w[k] == 0.0f) continue;
        const T wk = static_cast<T>(w[k]);
        const int64_t i = first + k;
        if (!inside<T>(p, i)) {
          const T v = wk * fill;
          for (int64_t b = 0; b < p.inner; ++b) dst[b] += v;
          continue;
        }
        add_scaled(dst, src + i * p.inner, wk, p.inner);
      }
    }
  });
}

// Parallel over output rows (a, i); for each output pixel, its taps' products of row and
// column weights scale whole `inner` vectors (contiguous in channels_last).
template <typename T>
void resample_2d(const ResamplePass& rows, const ResamplePass& cols, const T* x, T* y) {
  const int64_t in_w = cols.in_len, out_w = cols.out_len, inner = cols.inner;
  const int64_t row_work = std::max<int64_t>(1, out_w * inner * rows.taps * cols.taps);
  parallel_for(rows.outer * rows.out_len, std::max<int64_t>(1, 16384 / row_work), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t a = r / rows.out_len, i = r % rows.out_len;
      const float* wr = rows.weight + i * rows.taps;
      const T* image = x + (a * rows.in_len + rows.start[i]) * in_w * inner;
      T* out = y + r * out_w * inner;
      for (int64_t j = 0; j < out_w; ++j) {
        const float* wc = cols.weight + j * cols.taps;
        const T* column = image + static_cast<int64_t>(cols.start[j]) * inner;
        T* dst = out + j * inner;
        if (inner == 1) {
          T acc = 0;
          for (int64_t k = 0; k < rows.taps; ++k) {
            if (wr[k] == 0.0f) continue;
            for (int64_t l = 0; l < cols.taps; ++l)
              if (wc[l] != 0.0f) acc += static_cast<T>(wr[k] * wc[l]) * column[k * in_w + l];
          }
          *dst = acc;
          continue;
        }
        std::fill(dst, dst + inner, T(0));
        for (int64_t k = 0; k < rows.taps; ++k) {
          if (wr[k] == 0.0f) continue;
          for (int64_t l = 0; l < cols.taps; ++l) {
            if (wc[l] == 0.0f) continue;
            add_scaled(dst, column + (k * in_w + l) * inner, static_cast<T>(wr[k] * wc[l]), inner);
          }
        }
      }
    }
  });
}

template void resample_pass<float>(const ResamplePass&, const float*, float*);
template void resample_pass<double>(const ResamplePass&, const double*, double*);
template void resample_2d<float>(const ResamplePass&, const ResamplePass&, const float*, float*);
template void resample_2d<double>(const ResamplePass&, const ResamplePass&, const double*, double*);

}  // namespace dagnet::cpu
