// Branch-free float32 exp / sigmoid / tanh that compilers vectorise inside loops (libm's
// expf is a scalar call). exp: x = n ln2 + r, |r| <= ln2/2, e^r by a degree-6 Taylor
// polynomial (relative error ~2e-7, about 2 ulp), 2^n assembled in the exponent bits.
// Inputs past the float range give 0 / +inf (NaN propagates through the polynomial).
#pragma once
#include <cstdint>
#include <cstring>

namespace dagnet::cpu {

inline float fast_exp(float x) {
  const float in = x;
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
  // NaN stays in r and p; converting it to an integer would be undefined, so the exponent
  // takes 0 for it (a compare and a blend, still vectorised).
  const int32_t bits = (static_cast<int32_t>(n == n ? n : 0.0f) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  const float value = p * scale;
  // Past the float range: 0 below (where e^x is at most denormal) and +inf above, as expf.
  return in < -87.5f ? 0.0f : (in > 88.7f ? __builtin_inff() : value);
}

inline float fast_sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

// tanh(x) = 1 - 2 / (e^{2x} + 1): no cancellation for large |x|. Near 0 that form
// cancels (relative error ~1e-7 / |x|), so |x| < 0.25 takes the odd Taylor series to x^11
// instead (truncation < 1e-8 relative); both are computed and blended, branch-free.
inline float fast_tanh(float x) {
  const float far = 1.0f - 2.0f / (fast_exp(2.0f * x) + 1.0f);
  const float x2 = x * x;
  float p = -1382.0f / 155925.0f;
  p = p * x2 + 62.0f / 2835.0f;
  p = p * x2 - 17.0f / 315.0f;
  p = p * x2 + 2.0f / 15.0f;
  p = p * x2 - 1.0f / 3.0f;
  const float near = x + x * x2 * p;
  return x2 < 0.0625f ? near : far;
}

// e^x - 1 with the same care near 0 (Taylor to x^7 for |x| < 0.25).
inline float fast_expm1(float x) {
  const float far = fast_exp(x) - 1.0f;
  float p = 1.0f / 5040.0f;
  p = p * x + 1.0f / 720.0f;
  p = p * x + 1.0f / 120.0f;
  p = p * x + 1.0f / 24.0f;
  p = p * x + 1.0f / 6.0f;
  p = p * x + 0.5f;
  const float near = x + x * x * p;
  return x * x < 0.0625f ? near : far;
}

}  // namespace dagnet::cpu
