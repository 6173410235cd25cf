#include "cpu/conv.h"

#include <algorithm>
#include <cstring>

#include "core/thread_pool.h"

namespace dagnet::cpu {

namespace {
// c values from src (or zeros): an inline loop for the few channels of a first layer
// (where a memcpy call per tap costs more than the copy), memcpy otherwise.
template <typename T>
inline void copy_taps(const T* src, int64_t c, T* dst) {
  if (c < 16) {
    for (int64_t i = 0; i < c; ++i) dst[i] = src ? src[i] : T(0);
  } else if (src) {
    std::memcpy(dst, src, sizeof(T) * c);
  } else {
    std::fill(dst, dst + c, T(0));
  }
}
}  // namespace

template <typename T>
void im2col(const T* x, const ConvShape& s, int64_t first, int64_t last, T* cols) {
  const int64_t k = s.k();
  // One task per (image, output row): no divisions per position.
  parallel_for((last - first) * s.oh, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, k * s.ow)),
               [&](int64_t b, int64_t e) {
                 for (int64_t r = b; r < e; ++r) {
                   const int64_t image = first + r / s.oh, oy = r % s.oh;
                   const T* img = x + image * s.h * s.w * s.c;
                   T* dst = cols + r * s.ow * k;
                   for (int64_t ox = 0; ox < s.ow; ++ox)
                     for (int64_t ky = 0; ky < s.kh; ++ky) {
                       const int64_t iy = oy * s.sh - s.pad_top + ky * s.dh;
                       const bool row_in = iy >= 0 && iy < s.h;
                       for (int64_t kx = 0; kx < s.kw; ++kx, dst += s.c) {
                         const int64_t ix = ox * s.sw - s.pad_left + kx * s.dw;
                         copy_taps<T>(row_in && ix >= 0 && ix < s.w ? img + (iy * s.w + ix) * s.c : nullptr, s.c, dst);
                       }
                     }
                 }
               });
}

template <typename T>
void col2im_add(const T* cols, const ConvShape& s, int64_t first, int64_t last, T* dx) {
  const int64_t k = s.k();
  // Windows overlap within an image, so images (not rows) are the unit of parallelism.
  parallel_for(last - first, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t image = first + i;
      const T* src = cols + i * s.oh * s.ow * k;
      for (int64_t oy = 0; oy < s.oh; ++oy)
        for (int64_t ox = 0; ox < s.ow; ++ox)
          for (int64_t ky = 0; ky < s.kh; ++ky) {
            const int64_t iy = oy * s.sh - s.pad_top + ky * s.dh;
            for (int64_t kx = 0; kx < s.kw; ++kx, src += s.c) {
              const int64_t ix = ox * s.sw - s.pad_left + kx * s.dw;
              if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) continue;
              T* dst = dx + ((image * s.h + iy) * s.w + ix) * s.c;
              for (int64_t c = 0; c < s.c; ++c) dst[c] += src[c];
            }
          }
    }
  });
}

template <typename T>
void channels_first_to_last(const T* in, int64_t n, int64_t c, int64_t hw, T* out) {
  parallel_for(n * hw, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, c)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t image = r / hw, p = r % hw;
      for (int64_t ch = 0; ch < c; ++ch) out[r * c + ch] = in[(image * c + ch) * hw + p];
    }
  });
}

template <typename T>
void channels_last_to_first(const T* in, int64_t n, int64_t c, int64_t hw, T* out) {
  parallel_for(n * c, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, hw)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t image = r / c, ch = r % c;
      for (int64_t p = 0; p < hw; ++p) out[r * hw + p] = in[(image * hw + p) * c + ch];
    }
  });
}

#define DAGNET_CONV_INSTANTIATE(T)                                                  \
  template void im2col<T>(const T*, const ConvShape&, int64_t, int64_t, T*);        \
  template void col2im_add<T>(const T*, const ConvShape&, int64_t, int64_t, T*);    \
  template void channels_first_to_last<T>(const T*, int64_t, int64_t, int64_t, T*); \
  template void channels_last_to_first<T>(const T*, int64_t, int64_t, int64_t, T*);
DAGNET_CONV_INSTANTIATE(float)
DAGNET_CONV_INSTANTIATE(double)
#undef DAGNET_CONV_INSTANTIATE

}  // namespace dagnet::cpu
