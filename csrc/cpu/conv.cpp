#include "cpu/conv.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "core/thread_pool.h"
#include "cpu/elementwise.h"

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
void im2col(const T* x, const ConvShape& s, int64_t first, int64_t last, int64_t c0, int64_t cc, T* cols) {
  const int64_t k = s.taps() * cc, out_rows = s.od * s.oh;
  // One task per (image, output depth, output row): no divisions per position.
  parallel_for((last - first) * out_rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, k * s.ow)),
               [&](int64_t b, int64_t e) {
                 for (int64_t r = b; r < e; ++r) {
                   const int64_t image = first + r / out_rows, oz = (r % out_rows) / s.oh, oy = r % s.oh;
                   T* dst = cols + r * s.ow * k;
                   for (int64_t ox = 0; ox < s.ow; ++ox)
                     for (int64_t kz = 0; kz < s.kd; ++kz) {
                       const int64_t iz = window_input(oz, kz, s.sd, s.dd, s.pad_front);
                       for (int64_t ky = 0; ky < s.kh; ++ky) {
                         const int64_t iy = window_input(oy, ky, s.sh, s.dh, s.pad_top);
                         for (int64_t kx = 0; kx < s.kw; ++kx, dst += cc) {
                           const int64_t at =
                               input_pixel(s, image, iz, iy, window_input(ox, kx, s.sw, s.dw, s.pad_left));
                           copy_taps<T>(at >= 0 ? x + at + c0 : nullptr, cc, dst);
                         }
                       }
                     }
                 }
               });
}

template <typename T>
void col2im_add(const T* cols, const ConvShape& s, int64_t first, int64_t last, int64_t c0, int64_t cc, T* dx) {
  const int64_t k = s.taps() * cc, per_image = s.out_spatial();
  // Windows overlap within an image, so images (not rows) are the unit of parallelism.
  parallel_for(last - first, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const T* src = cols + i * per_image * k;
      for (int64_t row = (first + i) * per_image; row < (first + i + 1) * per_image; ++row) {
        const OutputPosition p = output_position(s, row);
        for (int64_t t = 0; t < s.taps(); ++t, src += cc) {
          const int64_t at = tap_source(s, p, window_tap(s, t));
          if (at < 0) continue;
          T* dst = dx + at + c0;
          for (int64_t c = 0; c < cc; ++c) dst[c] += src[c];
        }
      }
    }
  });
}

template <typename T>
void sum_channels(const T* dy, int64_t rows, int64_t c, T* out) {
  // Many channels: the row-by-row sum vectorises and splits the channels between threads
  // (one thread, 16x32x32x128: 130 us, 185 us the blocked way below).
  if (c >= 64) return sum_rows(dy, rows, c, out);
  if (c <= 0) return;
  // A few channels (3, 10) vectorise badly row by row (10 = 8 + 2 scalar lanes, the output
  // reloaded per row): `group` consecutive rows are one flat run of lanes = a multiple of 16
  // floats, summed lane by lane and folded per channel at the end (one thread,
  // 32x32x32x10: 90 -> 33 us).
  const int64_t group = 16 / std::gcd<int64_t>(c, 16), lanes = group * c;
  constexpr int64_t kBlockRows = 2048;  // a multiple of every group
  const int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  std::vector<T> partial(static_cast<size_t>(std::max<int64_t>(blocks, 1) * lanes), T(0));
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      T* acc = partial.data() + b * lanes;
      const int64_t r0 = b * kBlockRows, r1 = std::min(rows, r0 + kBlockRows);
      const int64_t full = r0 + (r1 - r0) / group * group;
      for (int64_t r = r0; r < full; r += group) {
        const T* run = dy + r * c;
        for (int64_t j = 0; j < lanes; ++j) acc[j] += run[j];
      }
      const T* rest = dy + full * c;  // the last block's leftover rows
      for (int64_t j = 0; j < (r1 - full) * c; ++j) acc[j] += rest[j];
    }
  });
  for (int64_t ch = 0; ch < c; ++ch) {
    T sum = 0;
    for (int64_t b = 0; b < std::max<int64_t>(blocks, 1); ++b)
      for (int64_t g = 0; g < group; ++g) sum += partial[b * lanes + g * c + ch];
    out[ch] = sum;
  }
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

#define DAGNET_CONV_INSTANTIATE(T)                                                                 \
  template void im2col<T>(const T*, const ConvShape&, int64_t, int64_t, int64_t, int64_t, T*);     \
  template void col2im_add<T>(const T*, const ConvShape&, int64_t, int64_t, int64_t, int64_t, T*); \
  template void sum_channels<T>(const T*, int64_t, int64_t, T*);                                   \
  template void channels_first_to_last<T>(const T*, int64_t, int64_t, int64_t, T*);                \
  template void channels_last_to_first<T>(const T*, int64_t, int64_t, int64_t, T*);
DAGNET_CONV_INSTANTIATE(float)
DAGNET_CONV_INSTANTIATE(double)
#undef DAGNET_CONV_INSTANTIATE

}  // namespace dagnet::cpu
