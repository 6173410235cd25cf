// The CPU kernel of random_uniform (ops/uniform_draw.h): element i depends only on (seed,
// counter, i), so a draw is the same for any thread count and on every device.
#pragma once
#include <cstdint>

#include "ops/uniform_draw.h"

namespace dagnet::cpu {

template <typename T>
void random_uniform(const UniformParams& p, int64_t counter, T* out, int64_t n);

}  // namespace dagnet::cpu
