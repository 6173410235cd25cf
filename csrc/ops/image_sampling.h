// Sampling an image at a projectively transformed position, as TensorFlow's
// ImageProjectiveTransformV3 does (Keras 3's ops.image.affine_transform, which the
// RandomRotation / RandomTranslation / RandomZoom layers call). Output pixel (x, y) reads
// the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1, for the
// 8 numbers [a0 a1 a2 b0 b1 b2 c0 c1] of its image's transform; a position outside the image
// is first mapped back in by the fill mode (scipy's rules, in TensorFlow's float arithmetic).
// Shared by the CPU and CUDA kernels (DAGNET_HOST_DEVICE), so both sample the same pixels.
#pragma once
#include <cmath>
#include <cstdint>

#include "ops/host_device.h"

namespace dagnet {

enum class FillMode : int32_t { Reflect, Wrap, Constant, Nearest };
enum class SampleMethod : int32_t { Nearest, Bilinear };

DAGNET_HOST_DEVICE inline float clamp_coordinate(float c, int64_t len) {
  const float hi = static_cast<float>(len - 1);
  return c < 0.0f ? 0.0f : (c > hi ? hi : c);
}

// A coordinate outside [0, len - 1] mapped back in: reflect (d c b a | a b c d | d c b a),
// wrap (a b c d | a b c d), nearest (a a | a b c d | d d); constant leaves it outside. The
// periods are counted in float (floorf), never converted to an integer, so a huge or
// infinite coordinate (a degenerate transform) cannot overflow a conversion: it ends as
// NaN or far outside, which sample_point treats as the fill value.
DAGNET_HOST_DEVICE inline float map_coordinate(FillMode mode, float c, int64_t len) {
  switch (mode) {
    case FillMode::Constant: return c;
    case FillMode::Nearest: return clamp_coordinate(c, len);
    case FillMode::Reflect:
      if (c < 0) {
        if (len <= 1) {
          c = 0;
        } else {
          const float twice = static_cast<float>(2 * len);
          c += twice * floorf(-c / twice);
          c = c < static_cast<float>(-len) ? c + twice : -c - 1;
        }
      } else if (c > static_cast<float>(len - 1)) {
        if (len <= 1) {
          c = 0;
        } else {
          const float twice = static_cast<float>(2 * len);
          c -= twice * floorf(c / twice);
          if (c >= static_cast<float>(len)) c = twice - c - 1;
        }
      }
      return clamp_coordinate(c, len);
    case FillMode::Wrap:
      if (c < 0) {
        if (len <= 1) c = 0;
        else c += static_cast<float>(len) * (floorf(-c / static_cast<float>(len - 1)) + 1);
      } else if (c > static_cast<float>(len - 1)) {
        if (len <= 1) c = 0;
        else c -= static_cast<float>(len) * floorf(c / static_cast<float>(len - 1));
      }
      return clamp_coordinate(c, len);
  }
  return c;
}

// Where output pixel (oy, ox) samples: `inside` false means it is the fill value. Nearest
// reads pixel (y, x). Bilinear reads (y + i, x + j), i, j in {0, 1}, weighted wy[i] * wx[j]
// and combined as TensorFlow does: wy[0] (wx[0] v00 + wx[1] v01) + wy[1] (wx[0] v10 + wx[1]
// v11). A tap outside the image reads the fill value (only constant mode leaves positions
// outside: bilinear then blends the border pixels with the fill value, as TensorFlow does).
struct SamplePoint {
  bool inside = false;
  int64_t y = 0, x = 0;
  float wy[2] = {0, 0}, wx[2] = {0, 0};
};

DAGNET_HOST_DEVICE inline SamplePoint sample_point(const float t[8], int64_t oy, int64_t ox, int64_t height,
                                                   int64_t width, SampleMethod method, FillMode mode) {
  SamplePoint p;
  const float fx = static_cast<float>(ox), fy = static_cast<float>(oy);
  const float projection = t[6] * fx + t[7] * fy + 1.0f;
  if (projection == 0.0f) return p;  // an infinitely far point: outside the image
  const float x = map_coordinate(mode, (t[0] * fx + t[1] * fy + t[2]) / projection, width);
  const float y = map_coordinate(mode, (t[3] * fx + t[4] * fy + t[5]) / projection, height);
  // Beyond one pixel of the border every tap reads the fill value (NaN lands here too,
  // and no far coordinate reaches an integer conversion).
  if (!(x > -2.0f && x < static_cast<float>(width + 1) && y > -2.0f && y < static_cast<float>(height + 1))) return p;
  p.inside = true;
  if (method == SampleMethod::Nearest) {
    p.y = static_cast<int64_t>(roundf(y));
    p.x = static_cast<int64_t>(roundf(x));
    p.wy[0] = p.wx[0] = 1.0f;
    return p;
  }
  const float y0 = floorf(y), x0 = floorf(x);
  p.y = static_cast<int64_t>(y0);
  p.x = static_cast<int64_t>(x0);
  p.wy[0] = (y0 + 1) - y;
  p.wy[1] = y - y0;
  p.wx[0] = (x0 + 1) - x;
  p.wx[1] = x - x0;
  return p;
}

// An affine_transform's images, output window, method and fill (the kernels' prepared state).
struct AffineGeometry {
  int64_t batch = 0, height = 0, width = 0, channels = 0;  // input
  int64_t out_height = 0, out_width = 0;
  bool channels_first = false;
  int64_t transforms = 1;  // rows of the (rows, 8) transform: 1 (shared) or batch
  SampleMethod method = SampleMethod::Bilinear;
  FillMode fill_mode = FillMode::Reflect;
  double fill_value = 0;
};

}  // namespace dagnet
