// Counter-based random numbers shared by the CPU and CUDA kernels: a value depends only on
// (seed, counter, index), so masks and noise are the same for any thread count and on any
// device. The counter is an int64 state parameter a layer advances every training step
// (rng_draw), so each step draws fresh numbers; the index is the element's flat position.
#pragma once
#include <cmath>
#include <cstdint>

#include "ops/host_device.h"

namespace dagnet {

DAGNET_HOST_DEVICE inline uint64_t splitmix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The stream of one draw: seed and counter mixed so that neighbouring counters (steps)
// and neighbouring seeds (layers) give unrelated streams.
DAGNET_HOST_DEVICE inline uint64_t rng_stream(int64_t seed, int64_t counter) {
  return splitmix64(static_cast<uint64_t>(seed) ^ splitmix64(static_cast<uint64_t>(counter)));
}

// Uniform in [0, 1) with 53 random bits.
DAGNET_HOST_DEVICE inline double rng_uniform(uint64_t stream, uint64_t index) {
  return static_cast<double>(splitmix64(stream + index) >> 11) * 0x1.0p-53;
}

// Dropout's keep decision for element `index` (inverted dropout keeps with probability 1 - rate).
DAGNET_HOST_DEVICE inline bool rng_keep(uint64_t stream, uint64_t index, double rate) {
  return rng_uniform(stream, index) >= rate;
}

// A standard normal for element `index` (Box-Muller on two uniforms drawn from sub-indices
// 2*index and 2*index + 1; u1 in (0, 1] so the log is finite).
DAGNET_HOST_DEVICE inline double rng_normal(uint64_t stream, uint64_t index) {
  const double u1 = 1.0 - rng_uniform(stream, 2 * index);
  const double u2 = rng_uniform(stream, 2 * index + 1);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

// random_normal's attributes, parsed once per plan (read by the CPU and CUDA kernels).
struct NormalParams {
  double mean = 0.0, stddev = 1.0;
  int64_t seed = 0;
};

// dropout's attributes, parsed once per plan (read by the CPU and CUDA kernels).
struct DropoutParams {
  double rate = 0.5;
  int64_t seed = 0;
};

// One element of inverted dropout: keep (1 or 0) and y = x * keep * scale, scale = 1 / (1 - rate).
template <typename T>
DAGNET_HOST_DEVICE inline void dropout_element(uint64_t stream, uint64_t index, double rate, T scale, T x, T& y,
                                               T& keep) {
  keep = rng_keep(stream, index, rate) ? T(1) : T(0);
  y = x * keep * scale;
}

}  // namespace dagnet
