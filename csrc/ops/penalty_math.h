// The weight penalties' per-element terms (l1_penalty, l2_penalty) and slopes, shared by the
// CPU kernels (ops/regularizers.cpp) and the CUDA kernels (cuda/regularizers.cu).
#pragma once
#include <cmath>

#include "ops/host_device.h"

namespace dagnet {

DAGNET_HOST_DEVICE inline double l1_term(double w) { return fabs(w); }
DAGNET_HOST_DEVICE inline double l2_term(double w) { return w * w; }

// sign(w), 0 at 0 (TensorFlow's gradient of |w|); NaN stays NaN.
template <typename T>
DAGNET_HOST_DEVICE inline T l1_slope(T w) {
  return w > 0 ? T(1) : w < 0 ? T(-1) : w;
}

}  // namespace dagnet
