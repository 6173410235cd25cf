// What dense's kernels (CPU and CUDA) need, parsed once per plan by its prepare:
// y (M x N) = activation(x (M x K) @ kernel (K x N) + bias).
#pragma once
#include <cstdint>

#include "ops/kinds.h"

namespace dagnet {

struct DensePrepared {
  Activation act;
  double alpha;
  int64_t M, N, K;
};

}  // namespace dagnet
