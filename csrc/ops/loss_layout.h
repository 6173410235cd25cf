// The loss ops' prepared state and workspace layout (ops/losses.cpp), read by the CPU and
// CUDA kernels. Workspace, in order: the labels as int64 (sparse losses), the per-row loss
// values (forward ops), then a small block of scalars the CUDA kernels compute in a pass
// of their own (the mean's divisor, hinge's binary-label flag; the CPU computes these
// inline and leaves the block unused).
#pragma once
#include <cstddef>

#include "core/allocator.h"
#include "core/shape.h"

namespace dagnet {

// The optional inputs after (y_pred, y_true): [mask] then [weights] (attr weighted).
struct LossExtras {
  size_t mask = 0, weights = 0;  // input indices; 0 = absent
};

// Parsed once per plan: where the optional inputs are, and Huber's delta.
struct LossPrepared {
  LossExtras e;
  double delta;
};

constexpr size_t kLossScalarsBytes = 64;

// Per-row loss values before their (deterministic, in-order) sum.
inline size_t loss_rows_bytes(const Shape& pred) {
  return round_up(static_cast<size_t>(product(pred, 0, pred.size() - 1)) * sizeof(double), 64);
}

// The labels as int64, validated (sparse losses).
inline size_t loss_labels_bytes(const Shape& labels) {
  return round_up(static_cast<size_t>(num_elements(labels)) * sizeof(int64_t), 64);
}

}  // namespace dagnet
