// Counter-based random fills (ops/counter_rng.h): element i of a draw depends only on
// (seed, counter, i).
#pragma once
#include <cstdint>

#include "ops/counter_rng.h"

namespace dagnet::cpu {

// out[i] = mean + stddev * normal(seed, counter, i), i in [0, n).
template <typename T>
void random_normal(const NormalParams& p, int64_t counter, T* out, int64_t n);

}  // namespace dagnet::cpu
