// Max pooling over channels_last (NHWC / NDHWC) data, where a pixel's channels are
// contiguous: every loop below runs over channels with unit stride and no aliasing, so
// the compiler vectorises it at the width of the instruction set the including file is
// built for (pooling.cpp: baseline; pooling_avx2.cpp, pooling_avx512.cpp). Everything
// here has internal linkage: each of those files gets its own copy, compiled with its own
// flags, and the linker never swaps one for another.
//
// The results are bit-identical to the per-element loop they replace (the first maximum
// in window order wins; with nan_propagates the last NaN wins; see PoolShape).
#pragma once
#include <cstdint>
#include <limits>

#include "cpu/max_pool_kernels.h"

namespace dagnet::cpu {
namespace {

// One axis of a pooling window, clipped to the input (padding never contributes).
struct Span {
  int64_t begin, end;
};
inline Span span_of(int64_t out, int64_t stride, int64_t pad, int64_t kernel, int64_t size) {
  const int64_t start = out * stride - pad, stop = start + kernel;
  return {start < 0 ? 0 : start, stop < size ? stop : size};
}

template <bool kNan, typename T>
inline T max_of(T best, T v) {
  return (v > best || (kNan && v != v)) ? v : best;
}

// out[c] = max(out[c], px[c]) for c in [0, nc).
template <bool kNan, typename T>
inline void max_into(T* __restrict out, const T* __restrict px, int64_t nc) {
  for (int64_t c = 0; c < nc; ++c) out[c] = max_of<kNan>(out[c], px[c]);
}

// The running maximum's start: the window's first element when NaN propagates, else the
// lowest value (a window of NaNs then gives lowest, as TensorFlow's MaxPool).
template <bool kNan, typename T>
inline void start_running_max(T* __restrict out, const T* __restrict first, int64_t nc) {
  for (int64_t c = 0; c < nc; ++c) out[c] = kNan ? first[c] : std::numeric_limits<T>::lowest();
}

// Scratch (elements) for the 2-D row-reuse path: kh rows of horizontal maxima.
constexpr int64_t kRowScratch = 4096;  // 16 KB (float) or 32 KB (double) of stack

// 2-D windows that overlap vertically (stride < kernel height) and span several columns,
// e.g. 3x3 stride 1: each input row's horizontal window maxima are computed once and
// reused by every output row whose window covers that row, so an output costs
// (kw - 1) + (kh - 1) maxima instead of kh * kw - 1. Taking each row's maximum first and
// then the maximum over rows keeps the window order (row-major), hence the same winner.
template <bool kNan, typename T>
void max_pool_rows_2d(const PoolShape& s, const T* __restrict img, T* __restrict out, int64_t c0, int64_t nc,
                      T* __restrict rows) {
  int64_t next_row = 0;  // input rows below this have their maxima in the ring
  // With every channel in one pass a row of maxima is one contiguous run of ow * c
  // elements, so few channels (3, 10) still fill whole vectors: the rows are then taken
  // whole, and with unit stride so are the outputs whose window lies inside the row.
  const bool whole_rows = nc == s.c;
  int64_t lo = 0, hi = 0;  // those outputs: [lo, hi)
  if (whole_rows && s.sw == 1) {
    lo = s.pad_left < s.ow ? s.pad_left : s.ow;
    hi = s.w - s.kw + s.pad_left + 1;
    hi = hi > s.ow ? s.ow : (hi < lo ? lo : hi);
  }
  for (int64_t oy = 0; oy < s.oh; ++oy) {
    const Span ys = span_of(oy, s.sh, s.pad_top, s.kh, s.h);
    for (int64_t y = ys.begin > next_row ? ys.begin : next_row; y < ys.end; ++y) {
      T* row = rows + (y % s.kh) * s.ow * nc;
      const T* in = img + y * s.w * s.c + c0;
      if (hi > lo) {  // each element still meets its window's columns in order
        const T* src = in + (lo - s.pad_left) * s.c;
        start_running_max<kNan>(row + lo * nc, src, (hi - lo) * nc);
        for (int64_t k = 0; k < s.kw; ++k) max_into<kNan>(row + lo * nc, src + k * s.c, (hi - lo) * nc);
      }
      for (int64_t ox = 0; ox < s.ow; ++ox) {
        if (ox == lo) ox = hi;  // done above (hi >= lo)
        if (ox >= s.ow) break;
        const Span xs = span_of(ox, s.sw, s.pad_left, s.kw, s.w);
        T* r = row + ox * nc;
        start_running_max<kNan>(r, in + xs.begin * s.c, nc);
        for (int64_t x = xs.begin; x < xs.end; ++x) max_into<kNan>(r, in + x * s.c, nc);
      }
    }
    if (ys.end > next_row) next_row = ys.end;
    T* o = out + oy * s.ow * s.c + c0;
    if (whole_rows) {
      const int64_t n = s.ow * nc;
      const T* first = rows + (ys.begin % s.kh) * n;
      for (int64_t j = 0; j < n; ++j) o[j] = first[j];
      for (int64_t y = ys.begin + 1; y < ys.end; ++y) max_into<kNan>(o, rows + (y % s.kh) * n, n);
      continue;
    }
    for (int64_t ox = 0; ox < s.ow; ++ox) {
      T* dst = o + ox * s.c;
      const T* first = rows + (ys.begin % s.kh) * s.ow * nc + ox * nc;
      for (int64_t c = 0; c < nc; ++c) dst[c] = first[c];
      for (int64_t y = ys.begin + 1; y < ys.end; ++y) max_into<kNan>(dst, rows + (y % s.kh) * s.ow * nc + ox * nc, nc);
    }
  }
}

// Any window: each output pixel's channels start from the window's first pixel and take
// the maximum with every window pixel in order.
template <bool kNan, typename T>
void max_pool_pixels(const PoolShape& s, const T* __restrict img, T* __restrict out, int64_t c0, int64_t nc) {
  for (int64_t oz = 0, o = 0; oz < s.od; ++oz) {
    const Span zs = span_of(oz, s.sd, s.pad_front, s.kd, s.d);
    for (int64_t oy = 0; oy < s.oh; ++oy) {
      const Span ys = span_of(oy, s.sh, s.pad_top, s.kh, s.h);
      for (int64_t ox = 0; ox < s.ow; ++ox, ++o) {
        const Span xs = span_of(ox, s.sw, s.pad_left, s.kw, s.w);
        T* dst = out + o * s.c + c0;
        start_running_max<kNan>(dst, img + ((zs.begin * s.h + ys.begin) * s.w + xs.begin) * s.c + c0, nc);
        for (int64_t z = zs.begin; z < zs.end; ++z)
          for (int64_t y = ys.begin; y < ys.end; ++y)
            for (int64_t x = xs.begin; x < xs.end; ++x)
              max_into<kNan>(dst, img + ((z * s.h + y) * s.w + x) * s.c + c0, nc);
      }
    }
  }
}

// Channels [c0, c0 + nc) of one image: img and out point at the image's first element.
template <bool kNan, typename T>
void max_pool_image_channels_last(const PoolShape& s, const T* img, T* out, int64_t c0, int64_t nc) {
  const bool reuse_rows = s.d == 1 && s.kd == 1 && s.sh < s.kh && s.kw > 1;
  // Channels per pass of the row path so that kh rows of maxima fit the scratch.
  int64_t step = s.kh * s.ow > 0 ? kRowScratch / (s.kh * s.ow) : 0;
  if (step > 16) step -= step % 16;  // whole vectors
  if (!reuse_rows || step < (nc < 8 ? nc : 8)) return max_pool_pixels<kNan>(s, img, out, c0, nc);
  T rows[kRowScratch];
  for (int64_t c = c0; c < c0 + nc; c += step)
    max_pool_rows_2d<kNan>(s, img, out, c, c0 + nc - c < step ? c0 + nc - c : step, rows);
}

// The gradient of one output pixel's channels [0, nc) (img, g and d already offset to
// channel c0): the window's maximum per channel, then dy to the first element equal to it
// (`left` is what is still to place).
template <bool kNan, typename T>
void max_grad_window(const PoolShape& s, Span zs, Span ys, Span xs, const T* __restrict img, const T* __restrict g,
                     T* __restrict d, int64_t nc, T* __restrict best, T* __restrict left) {
  start_running_max<kNan>(best, img + ((zs.begin * s.h + ys.begin) * s.w + xs.begin) * s.c, nc);
  for (int64_t z = zs.begin; z < zs.end; ++z)
    for (int64_t y = ys.begin; y < ys.end; ++y)
      for (int64_t x = xs.begin; x < xs.end; ++x) max_into<kNan>(best, img + ((z * s.h + y) * s.w + x) * s.c, nc);
  for (int64_t c = 0; c < nc; ++c) left[c] = g[c];
  for (int64_t z = zs.begin; z < zs.end; ++z)
    for (int64_t y = ys.begin; y < ys.end; ++y)
      for (int64_t x = xs.begin; x < xs.end; ++x) {
        const int64_t p = ((z * s.h + y) * s.w + x) * s.c;
        for (int64_t c = 0; c < nc; ++c) {
          // A 0/1 factor instead of a select: a branch on where the maximum sits
          // mispredicts (a NaN gradient may then reach more elements).
          const T give = static_cast<T>(img[p + c] == best[c]) * left[c];
          d[p + c] += give;
          left[c] -= give;
        }
      }
}

// dx += the gradient of channels [c0, c0 + nc) of one image (dx zeroed by the caller).
template <bool kNan, typename T>
void max_pool_grad_image_channels_last(const PoolShape& s, const T* img, const T* dy, T* dx, int64_t c0, int64_t nc) {
  T best[kMaxPoolChannelBlock], left[kMaxPoolChannelBlock];
  for (int64_t oz = 0, o = 0; oz < s.od; ++oz) {
    const Span zs = span_of(oz, s.sd, s.pad_front, s.kd, s.d);
    for (int64_t oy = 0; oy < s.oh; ++oy) {
      const Span ys = span_of(oy, s.sh, s.pad_top, s.kh, s.h);
      for (int64_t ox = 0; ox < s.ow; ++ox, ++o)
        max_grad_window<kNan>(s, zs, ys, span_of(ox, s.sw, s.pad_left, s.kw, s.w), img + c0, dy + o * s.c + c0, dx + c0,
                              nc, best, left);
    }
  }
}

template <typename T>
void max_pool_forward_here(const PoolShape& s, const T* img, T* out, int64_t c0, int64_t nc) {
  if (s.nan_propagates) max_pool_image_channels_last<true>(s, img, out, c0, nc);
  else max_pool_image_channels_last<false>(s, img, out, c0, nc);
}
template <typename T>
void max_pool_grad_here(const PoolShape& s, const T* img, const T* dy, T* dx, int64_t c0, int64_t nc) {
  if (s.nan_propagates) max_pool_grad_image_channels_last<true>(s, img, dy, dx, c0, nc);
  else max_pool_grad_image_channels_last<false>(s, img, dy, dx, c0, nc);
}

inline MaxPoolKernels max_pool_kernels_here() {
  return {max_pool_forward_here<float>, max_pool_forward_here<double>, max_pool_grad_here<float>,
          max_pool_grad_here<double>};
}

}  // namespace
}  // namespace dagnet::cpu
