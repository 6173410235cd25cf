// random_uniform's numbers (ops/random_uniform.cpp), shared by the CPU and CUDA kernels:
// element i of the draw numbered `counter` is minval + (maxval - minval) * u, u the
// counter-based uniform of ops/counter_rng.h.
#pragma once
#include <cstdint>

#include "ops/counter_rng.h"
#include "ops/host_device.h"

namespace dagnet {

// random_uniform's attributes, parsed once per plan.
struct UniformParams {
  int64_t seed = 0;
  double minval = 0, maxval = 1;
};

DAGNET_HOST_DEVICE inline double uniform_value(const UniformParams& p, uint64_t stream, uint64_t index) {
  return p.minval + (p.maxval - p.minval) * rng_uniform(stream, index);
}

}  // namespace dagnet
