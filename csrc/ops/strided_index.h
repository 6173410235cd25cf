// Index plans for kernels that walk tensors through strides without a per-element loop
// over the rank: computed on the host once per plan (an op's prepare), read per element
// on any device. Size-1 axes are dropped and neighbouring axes that every operand walks
// contiguously are merged, so most plans end with one to three axes.
#pragma once
#include <cstdint>
#include <vector>

#include "core/shape.h"
#include "ops/host_device.h"

namespace dagnet {

constexpr int kMaxIndexDims = 8;

// The row-major elements of a shape (dims) and, per operand, the offset of each element
// in that operand (strides; 0 on broadcast axes). Trivially copyable: kernels take it by value.
template <int N>
struct StridedIndex {
  int rank = 0;
  int64_t dims[kMaxIndexDims] = {};
  int64_t strides[N][kMaxIndexDims] = {};
  DAGNET_HOST_DEVICE void offsets(int64_t linear, int64_t* off) const {
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t q = linear / dims[d], r = linear - q * dims[d];
      linear = q;
      for (int k = 0; k < N; ++k) off[k] += r * strides[k][d];
    }
  }
  DAGNET_HOST_DEVICE int64_t offset(int64_t linear) const {  // N == 1
    int64_t off[N];
    offsets(linear, off);
    return off[0];
  }
};

// Each operand (shape) read broadcast (right-aligned) to `target`. Throws a Value error
// naming `what` when the merged plan needs more than kMaxIndexDims axes.
template <int N>
StridedIndex<N> broadcast_index(const Shape& target, const std::vector<Shape>& operands, const char* what);

// A reduction of x over the flagged axes: output j (row-major over the kept axes, the
// reduce op's keepdims layout) starts at x offset kept.offset(j), and its `count` inputs
// are at that plus reduced.offset(r). Both plans index into x.
struct ReduceIndex {
  StridedIndex<1> kept, reduced;
  int64_t outputs = 1, count = 1;
};
ReduceIndex reduce_index(const Shape& x, const std::vector<bool>& reduced, const char* what);

}  // namespace dagnet
