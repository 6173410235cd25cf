#include "cpu/pooling.h"

#include <algorithm>
#include <limits>
#include <type_traits>

#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "cpu/max_pool_body.h"
#include "cpu/max_pool_kernels.h"

namespace dagnet::cpu {

namespace {
using Window = PoolWindow;
Window window(const PoolShape& s, int64_t oz, int64_t oy, int64_t ox) { return pool_window(s, oz, oy, ox); }

// Channels are the inner loop (contiguous with channels_last, so it vectorises): the
// offset of channel ch at pixel (z, y, x) of image i is
// image + ((z * h + y) * w + x) * pixel + ch * channel.
struct Strides {
  int64_t image, pixel, channel, out_image, out_pixel;
};
Strides strides_of(const PoolShape& s) {
  const int64_t in = s.d * s.h * s.w, out = s.od * s.oh * s.ow;
  if (s.channels_first) return {s.c * in, 1, in, s.c * out, 1};
  return {in * s.c, s.c, 1, out * s.c, s.c};
}
int64_t out_channel_stride(const PoolShape& s) { return s.channels_first ? s.od * s.oh * s.ow : 1; }
// The offset of pixel (z, y, x) in pixels.
inline int64_t pixel_at(const PoolShape& s, int64_t z, int64_t y, int64_t x) { return (z * s.h + y) * s.w + x; }

// The running maximum under TensorFlow's NaN rules (see PoolShape::nan_propagates).
template <typename T>
inline T max_start(const PoolShape& s, T first) {
  return s.nan_propagates ? first : std::numeric_limits<T>::lowest();
}
template <typename T>
inline T max_step(bool nan_propagates, T best, T v) {
  return (v > best || (nan_propagates && v != v)) ? v : best;
}

constexpr int64_t kChannelBlock = kMaxPoolChannelBlock;  // channels per task; also the per-thread scratch size

// Runs fn(image, c0, c1) for every image and block of channels, in parallel: tasks never
// share an input element's channel, so gradient scatters into overlapping windows need
// no synchronisation.
template <typename Fn>
void for_each_block(const PoolShape& s, Fn fn) {
  const int64_t blocks = (s.c + kChannelBlock - 1) / kChannelBlock;
  const int64_t per_task = std::max<int64_t>(1, s.od * s.oh * s.ow * std::min(s.c, kChannelBlock) * s.kd * s.kh * s.kw);
  parallel_for(s.n * blocks, std::max<int64_t>(1, 16384 / per_task), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t i = t / blocks, c0 = (t % blocks) * kChannelBlock;
      fn(i, c0, std::min(s.c, c0 + kChannelBlock));
    }
  });
}

// Runs fn(image, output pixel, window, c0, c1) for every output pixel and block of channels.
template <typename Fn>
void for_each_pixel(const PoolShape& s, Fn fn) {
  for_each_block(s, [&](int64_t i, int64_t c0, int64_t c1) {
    for (int64_t oz = 0, o = 0; oz < s.od; ++oz)
      for (int64_t oy = 0; oy < s.oh; ++oy)
        for (int64_t ox = 0; ox < s.ow; ++ox, ++o) fn(i, o, window(s, oz, oy, ox), c0, c1);
  });
}

template <typename T>
void max_pool_channels_last(const PoolShape& s, const T* x, T* y) {
  const MaxPoolKernels k = max_pool_kernels_for_cpu();
  const Strides st = strides_of(s);
  for_each_block(s, [&](int64_t i, int64_t c0, int64_t c1) {
    if constexpr (std::is_same_v<T, float>) k.forward_f32(s, x + i * st.image, y + i * st.out_image, c0, c1 - c0);
    else k.forward_f64(s, x + i * st.image, y + i * st.out_image, c0, c1 - c0);
  });
}

template <typename T>
void max_pool_grad_channels_last(const PoolShape& s, const T* x, const T* dy, T* dx) {
  const MaxPoolKernels k = max_pool_kernels_for_cpu();
  const Strides st = strides_of(s);
  for_each_block(s, [&](int64_t i, int64_t c0, int64_t c1) {
    const T *img = x + i * st.image, *g = dy + i * st.out_image;
    if constexpr (std::is_same_v<T, float>) k.grad_f32(s, img, g, dx + i * st.image, c0, c1 - c0);
    else k.grad_f64(s, img, g, dx + i * st.image, c0, c1 - c0);
  });
}
}  // namespace

MaxPoolKernels max_pool_kernels_baseline() { return max_pool_kernels_here(); }

MaxPoolKernels max_pool_kernels_for_cpu() {
  static const MaxPoolKernels chosen = [] {
#if defined(DAGNET_X86_KERNELS)
    switch (active_cpu_isa()) {
      case CpuIsa::AVX512: return max_pool_kernels_avx512();
      case CpuIsa::AVX2_FMA: return max_pool_kernels_avx2();
      case CpuIsa::Portable: break;
    }
#endif
    return max_pool_kernels_baseline();
  }();
  return chosen;
}

// channels_last: cpu/max_pool_body.h, vectorised over the contiguous channels; below,
// channels_first, whose channels are a plane apart.
template <typename T>
void max_pool(const PoolShape& s, const T* x, T* y) {
  if (!s.channels_first) return max_pool_channels_last(s, x, y);
  const Strides st = strides_of(s);
  const int64_t ocs = out_channel_stride(s);
  for_each_pixel(s, [&](int64_t i, int64_t o, const Window& w, int64_t c0, int64_t c1) {
    T best[kChannelBlock];
    const T* img = x + pool_input_offset(s, i, 0, 0, 0, 0);
    const T* first = x + pool_input_offset(s, i, 0, w.z0, w.y0, w.x0);
    const bool nan = s.nan_propagates;
    for (int64_t ch = c0; ch < c1; ++ch) best[ch - c0] = max_start(s, first[ch * st.channel]);
    for (int64_t zz = w.z0; zz < w.z1; ++zz)
      for (int64_t yy = w.y0; yy < w.y1; ++yy)
        for (int64_t xx = w.x0; xx < w.x1; ++xx) {
          const T* px = img + pixel_at(s, zz, yy, xx) * st.pixel;
          for (int64_t ch = c0; ch < c1; ++ch) best[ch - c0] = max_step(nan, best[ch - c0], px[ch * st.channel]);
        }
    T* out = y + i * st.out_image + o * st.out_pixel;
    for (int64_t ch = c0; ch < c1; ++ch) out[ch * ocs] = best[ch - c0];
  });
}

template <typename T>
void avg_pool(const PoolShape& s, const T* x, T* y) {
  const Strides st = strides_of(s);
  const int64_t ocs = out_channel_stride(s);
  for_each_pixel(s, [&](int64_t i, int64_t o, const Window& w, int64_t c0, int64_t c1) {
    T sum[kChannelBlock] = {};
    const T* img = x + i * st.image;
    for (int64_t zz = w.z0; zz < w.z1; ++zz)
      for (int64_t yy = w.y0; yy < w.y1; ++yy)
        for (int64_t xx = w.x0; xx < w.x1; ++xx) {
          const T* px = img + pixel_at(s, zz, yy, xx) * st.pixel;
          for (int64_t ch = c0; ch < c1; ++ch) sum[ch - c0] += px[ch * st.channel];
        }
    const T count = static_cast<T>(w.size());
    T* out = y + i * st.out_image + o * st.out_pixel;
    for (int64_t ch = c0; ch < c1; ++ch) out[ch * ocs] = sum[ch - c0] / count;
  });
}

namespace {
// One output pixel's channels [0, nc) of max_pool_grad, with the channel stride a constant
// 1 for channels_last so the loops vectorise. Two passes: the window's maximum per
// channel, then the gradient to the first element equal to it (`left` is what is still
// to place).
template <typename T, bool kContiguous>
void max_grad_pixel(const PoolShape& s, const Window& w, int64_t pixel, int64_t channel_stride, const T* __restrict img,
                    const T* __restrict g, int64_t g_stride, T* __restrict d, int64_t nc) {
  const int64_t cs = kContiguous ? 1 : channel_stride;
  T best[kChannelBlock], left[kChannelBlock];
  const T* first = img + pixel_at(s, w.z0, w.y0, w.x0) * pixel;
  const bool nan = s.nan_propagates;
  for (int64_t ch = 0; ch < nc; ++ch) best[ch] = max_start(s, first[ch * cs]);
  for (int64_t zz = w.z0; zz < w.z1; ++zz)
    for (int64_t yy = w.y0; yy < w.y1; ++yy)
      for (int64_t xx = w.x0; xx < w.x1; ++xx) {
        const T* px = img + pixel_at(s, zz, yy, xx) * pixel;
        for (int64_t ch = 0; ch < nc; ++ch) best[ch] = max_step(nan, best[ch], px[ch * cs]);
      }
  for (int64_t ch = 0; ch < nc; ++ch) left[ch] = g[ch * g_stride];
  for (int64_t zz = w.z0; zz < w.z1; ++zz)
    for (int64_t yy = w.y0; yy < w.y1; ++yy)
      for (int64_t xx = w.x0; xx < w.x1; ++xx) {
        const int64_t p = pixel_at(s, zz, yy, xx) * pixel;
        for (int64_t ch = 0; ch < nc; ++ch) {
        // A 0/1 factor instead of a select: baseline x86-64 has no blend, and a branch on
        // where the maximum sits mispredicts (a NaN gradient may then reach more elements).
          const T give = static_cast<T>(img[p + ch * cs] == best[ch]) * left[ch];
          d[p + ch * cs] += give;
          left[ch] -= give;
        }
      }
}
}  // namespace

template <typename T>
void max_pool_grad(const PoolShape& s, const T* x, const T* dy, T* dx) {
  std::fill(dx, dx + s.n * s.d * s.h * s.w * s.c, T(0));
  if (!s.channels_first) return max_pool_grad_channels_last(s, x, dy, dx);
  const Strides st = strides_of(s);
  const int64_t ocs = out_channel_stride(s);
  for_each_pixel(s, [&](int64_t i, int64_t o, const Window& w, int64_t c0, int64_t c1) {
    const T* img = x + i * st.image + c0 * st.channel;
    const T* g = dy + i * st.out_image + o * st.out_pixel + c0 * ocs;
    T* d = dx + i * st.image + c0 * st.channel;
    if (st.channel == 1) max_grad_pixel<T, true>(s, w, st.pixel, 1, img, g, ocs, d, c1 - c0);
    else max_grad_pixel<T, false>(s, w, st.pixel, st.channel, img, g, ocs, d, c1 - c0);
  });
}

template <typename T>
void avg_pool_grad(const PoolShape& s, const T* dy, T* dx) {
  std::fill(dx, dx + s.n * s.d * s.h * s.w * s.c, T(0));
  const Strides st = strides_of(s);
  const int64_t ocs = out_channel_stride(s);
  for_each_pixel(s, [&](int64_t i, int64_t o, const Window& w, int64_t c0, int64_t c1) {
    T share[kChannelBlock];
    const T count = static_cast<T>(w.size());
    const T* g = dy + i * st.out_image + o * st.out_pixel;
    for (int64_t ch = c0; ch < c1; ++ch) share[ch - c0] = g[ch * ocs] / count;
    T* d = dx + i * st.image;
    for (int64_t zz = w.z0; zz < w.z1; ++zz)
      for (int64_t yy = w.y0; yy < w.y1; ++yy)
        for (int64_t xx = w.x0; xx < w.x1; ++xx) {
          T* px = d + pixel_at(s, zz, yy, xx) * st.pixel;
          for (int64_t ch = c0; ch < c1; ++ch) px[ch * st.channel] += share[ch - c0];
        }
  });
}

template void max_pool<float>(const PoolShape&, const float*, float*);
template void max_pool<double>(const PoolShape&, const double*, double*);
template void avg_pool<float>(const PoolShape&, const float*, float*);
template void avg_pool<double>(const PoolShape&, const double*, double*);
template void max_pool_grad<float>(const PoolShape&, const float*, const float*, float*);
template void max_pool_grad<double>(const PoolShape&, const double*, const double*, double*);
template void avg_pool_grad<float>(const PoolShape&, const float*, float*);
template void avg_pool_grad<double>(const PoolShape&, const double*, double*);

}  // namespace dagnet::cpu
