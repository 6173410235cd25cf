// Branch-free float32 exp / sigmoid / tanh that compilers vectorise inside loops (libm's
// expf is a scalar call). exp: x = n ln2 + r, |r| <= ln2/2, e^r by a degree-6 Taylor
// polynomial (relative error ~2e-7, about 2 ulp), 2^n assembled in the exponent bits.
#pragma once
#include <cstdint>
#include <cstring>

namespace dagnet::cpu {

inline float fast_exp(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float n = (x * 1.44269504f + 12582912.0f) - 12582912.0f;  // round to nearest
  const float r = (x - n * 0.693145752f) - n * 1.42860677e-6f;    // ln2 split in two for accuracy
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

inline float fast_sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

// tanh(x) = 1 - 2 / (e^{2x} + 1): no cancellation for large |x|; near 0 the absolute
// error stays ~1e-7.
inline float fast_tanh(float x) { return 1.0f - 2.0f / (fast_exp(2.0f * x) + 1.0f); }

}  // namespace dagnet::cpu
