// Index arithmetic for ops that walk tensors with arbitrary strides (broadcasting,
// reductions, transposes, slices): each output element's offsets into the inputs.
#pragma once
#include <cstdint>
#include <vector>

#include "core/shape.h"

namespace dagnet::cpu {

// Row-major strides of a shape.
std::vector<int64_t> contiguous_strides(const Shape& shape);

// Strides that read `shape` broadcast (right-aligned) to `target`: 0 on broadcast axes.
std::vector<int64_t> broadcast_strides(const Shape& shape, const Shape& target);

// Calls fn(linear_output_index, offsets...) for every element of `shape`, where each
// offset advances by its own strides. Serial; callers parallelise over outer blocks.
template <size_t N, typename Fn>
void for_each_index(const Shape& shape, const std::vector<int64_t> (&strides)[N], const int64_t (&base)[N], Fn fn) {
  const size_t rank = shape.size();
  int64_t total = 1;
  for (int64_t d : shape) total *= d;
  if (total == 0) return;
  std::vector<int64_t> index(rank, 0);
  int64_t offsets[N];
  for (size_t k = 0; k < N; ++k) offsets[k] = base[k];
  for (int64_t linear = 0; linear < total; ++linear) {
    fn(linear, offsets);
    for (size_t d = rank; d-- > 0;) {
      ++index[d];
      for (size_t k = 0; k < N; ++k) offsets[k] += strides[k][d];
      if (index[d] < shape[d]) break;
      for (size_t k = 0; k < N; ++k) offsets[k] -= strides[k][d] * shape[d];
      index[d] = 0;
    }
  }
}

}  // namespace dagnet::cpu
