// constrain's prepared state and per-slice factor, shared by the CPU kernel
// (ops/constrain.cpp) and the CUDA kernel (cuda/regularizers.cu). With n the L2 norm of a
// slice and eps = 1e-7 (Keras's backend epsilon) each element is multiplied by:
//   unit_norm: 1 / (eps + n);  max_norm: clip(n, 0, max) / (eps + n)
//   min_max_norm: (rate * clip(n, min, max) + (1 - rate) * n) / (eps + n)
// (non_neg is max(w, 0) elementwise).
#pragma once
#include "ops/device_minmax.h"
#include "ops/host_device.h"
#include "ops/strided_index.h"

namespace dagnet {

enum class Constraint { NonNeg, MaxNorm, UnitNorm, MinMaxNorm };

struct ConstraintPrepared {
  Constraint kind;
  double max_value, min_value, rate;
  ReduceIndex index;  // the norm slices: kept axes = slices, reduced axes = `axes` (CUDA plans)
};

constexpr double kConstraintEpsilon = 1e-7;

DAGNET_HOST_DEVICE inline double constraint_factor(const ConstraintPrepared& p, double norm) {
  const double denominator = kConstraintEpsilon + norm;
  switch (p.kind) {
    case Constraint::UnitNorm: return 1.0 / denominator;
    case Constraint::MaxNorm: return dn_clamp(norm, 0.0, p.max_value) / denominator;
    case Constraint::MinMaxNorm:
      return (p.rate * dn_clamp(norm, p.min_value, p.max_value) + (1.0 - p.rate) * norm) / denominator;
    case Constraint::NonNeg: break;
  }
  return 1.0;
}

template <typename T>
DAGNET_HOST_DEVICE inline T non_neg(T w) {
  return w < T(0) ? T(0) : w;  // NaN stays NaN, as maximum does
}

}  // namespace dagnet
