// A strided read (or write) of a tensor in the row-major order of another shape: element
// `linear` of `shape` sits at base + sum(index[d] * strides[d]) in the walked tensor.
// slice, slice_grad and transpose derive theirs once per plan (prepare); the CUDA kernels
// copy it into a fixed-rank StridedGeometry, whose offset() is the per-element arithmetic.
#pragma once
#include <cstdint>
#include <vector>

#include "core/shape.h"
#include "ops/host_device.h"

namespace dagnet {

struct StridedWalk {
  Shape shape;
  std::vector<int64_t> strides;
  int64_t base = 0;
};

constexpr int kMaxWalkRank = 8;

// The by-value form a kernel launch takes (ranks up to kMaxWalkRank).
struct StridedGeometry {
  int rank = 0;
  int64_t dims[kMaxWalkRank] = {};
  int64_t strides[kMaxWalkRank] = {};
  int64_t base = 0;

  DAGNET_HOST_DEVICE int64_t offset(int64_t linear) const {
    int64_t at = base;
    for (int d = rank - 1; d >= 0; --d) {
      at += (linear % dims[d]) * strides[d];
      linear /= dims[d];
    }
    return at;
  }
};

}  // namespace dagnet
