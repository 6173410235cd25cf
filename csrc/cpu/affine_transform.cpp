#include "cpu/affine_transform.h"

#include <algorithm>

#include "core/thread_pool.h"

namespace dagnet::cpu {

namespace {
// Offsets of (image, pixel, channel) in either layout.
struct Strides {
  int64_t image, row, pixel, channel;
};
Strides strides_of(bool channels_first, int64_t h, int64_t w, int64_t c) {
  if (channels_first) return {c * h * w, w, 1, h * w};
  return {h * w * c, w * c, c, 1};
}

template <typename T>
void transform_of(const AffineGeometry& s, const T* transforms, int64_t image, float t[8]) {
  const T* row = transforms + (s.transforms == 1 ? 0 : image * 8);
  for (int k = 0; k < 8; ++k) t[k] = static_cast<float>(row[k]);  // TensorFlow samples in float32
}

inline bool in_image(const AffineGeometry& s, int64_t y, int64_t x) {
  return y >= 0 && y < s.height && x >= 0 && x < s.width;
}

// The bilinear blend of four pixels of `n` channels, `stride` apart (1: channels_last, so
// the loop vectorises), in TensorFlow's order.
template <typename T>
inline void blend(T* __restrict dst, int64_t out_stride, const T* __restrict v00, const T* __restrict v01,
                  const T* __restrict v10, const T* __restrict v11, int64_t stride, const SamplePoint& p, int64_t n) {
  const T wy0 = p.wy[0], wy1 = p.wy[1], wx0 = p.wx[0], wx1 = p.wx[1];
  if (stride == 1 && out_stride == 1) {
    for (int64_t c = 0; c < n; ++c) dst[c] = wy0 * (wx0 * v00[c] + wx1 * v01[c]) + wy1 * (wx0 * v10[c] + wx1 * v11[c]);
    return;
  }
  for (int64_t c = 0; c < n; ++c) {
    const int64_t o = c * stride;
    dst[c * out_stride] = wy0 * (wx0 * v00[o] + wx1 * v01[o]) + wy1 * (wx0 * v10[o] + wx1 * v11[o]);
  }
}
}  // namespace

// Parallel over output rows; the channel loop is innermost (contiguous in channels_last).
template <typename T>
void affine_transform(const AffineGeometry& s, const T* x, const T* transforms, T* y) {
  const Strides in = strides_of(s.channels_first, s.height, s.width, s.channels);
  const Strides out = strides_of(s.channels_first, s.out_height, s.out_width, s.channels);
  const T fill = static_cast<T>(s.fill_value);
  const int64_t row_work = std::max<int64_t>(1, s.out_width * (s.channels + 8));
  parallel_for(s.batch * s.out_height, std::max<int64_t>(1, 16384 / row_work), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t n = r / s.out_height, oy = r % s.out_height;
      float t[8];
      transform_of(s, transforms, n, t);
      const T* img = x + n * in.image;
      for (int64_t ox = 0; ox < s.out_width; ++ox) {
        T* dst = y + n * out.image + oy * out.row + ox * out.pixel;
        const SamplePoint p = sample_point(t, oy, ox, s.height, s.width, s.method, s.fill_mode);
        if (!p.inside) {
          for (int64_t c = 0; c < s.channels; ++c) dst[c * out.channel] = fill;
          continue;
        }
        if (s.method == SampleMethod::Nearest) {
          if (!in_image(s, p.y, p.x)) {
            for (int64_t c = 0; c < s.channels; ++c) dst[c * out.channel] = fill;
            continue;
          }
          const T* src = img + p.y * in.row + p.x * in.pixel;
          for (int64_t c = 0; c < s.channels; ++c) dst[c * out.channel] = src[c * in.channel];
          continue;
        }
        const T* tap[2][2];
        bool all_inside = true;
        for (int i = 0; i < 2; ++i)
          for (int j = 0; j < 2; ++j) {
            const bool inside = in_image(s, p.y + i, p.x + j);
            tap[i][j] = inside ? img + (p.y + i) * in.row + (p.x + j) * in.pixel : nullptr;
            all_inside = all_inside && inside;
          }
        if (all_inside) {
          blend(dst, out.channel, tap[0][0], tap[0][1], tap[1][0], tap[1][1], in.channel, p, s.channels);
          continue;
        }
        const T wy0 = p.wy[0], wy1 = p.wy[1], wx0 = p.wx[0], wx1 = p.wx[1];
        for (int64_t c = 0; c < s.channels; ++c) {  // a border pixel: some taps read the fill value
          const int64_t o = c * in.channel;
          const T v00 = tap[0][0] ? tap[0][0][o] : fill, v01 = tap[0][1] ? tap[0][1][o] : fill;
          const T v10 = tap[1][0] ? tap[1][0][o] : fill, v11 = tap[1][1] ? tap[1][1][o] : fill;
          dst[c * out.channel] = wy0 * (wx0 * v00 + wx1 * v01) + wy1 * (wx0 * v10 + wx1 * v11);
        }
      }
    }
  });
}

// Parallel over (image, block of channels): a task owns its channels of one image, so the
// scatter needs no synchronisation and sums in a fixed order (thread-count independent).
template <typename T>
void affine_transform_grad(const AffineGeometry& s, const T* dy, const T* transforms, T* dx) {
  const Strides in = strides_of(s.channels_first, s.height, s.width, s.channels);
  const Strides out = strides_of(s.channels_first, s.out_height, s.out_width, s.channels);
  constexpr int64_t kBlock = 64;
  const int64_t blocks = (s.channels + kBlock - 1) / kBlock;
  std::fill(dx, dx + s.batch * in.image, T(0));
  parallel_for(s.batch * blocks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t n = task / blocks, c0 = (task % blocks) * kBlock, c1 = std::min(s.channels, c0 + kBlock);
      float t[8];
      transform_of(s, transforms, n, t);
      T* img = dx + n * in.image;
      for (int64_t oy = 0; oy < s.out_height; ++oy)
        for (int64_t ox = 0; ox < s.out_width; ++ox) {
          const SamplePoint p = sample_point(t, oy, ox, s.height, s.width, s.method, s.fill_mode);
          if (!p.inside) continue;
          const T* g = dy + n * out.image + oy * out.row + ox * out.pixel;
          for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 2; ++j) {
              const T w = static_cast<T>(p.wy[i]) * static_cast<T>(p.wx[j]);
              if (w == T(0) || !in_image(s, p.y + i, p.x + j)) continue;
              T* d = img + (p.y + i) * in.row + (p.x + j) * in.pixel;
              for (int64_t c = c0; c < c1; ++c) d[c * in.channel] += w * g[c * out.channel];
            }
        }
    }
  });
}

template void affine_transform<float>(const AffineGeometry&, const float*, const float*, float*);
template void affine_transform<double>(const AffineGeometry&, const double*, const double*, double*);
template void affine_transform_grad<float>(const AffineGeometry&, const float*, const float*, float*);
template void affine_transform_grad<double>(const AffineGeometry&, const double*, const double*, double*);

}  // namespace dagnet::cpu
