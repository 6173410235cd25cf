// Index arithmetic for ops that walk tensors with arbitrary strides (broadcasting,
// reductions, transposes, slices): each output element's offsets into the inputs.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/thread_pool.h"

#include "core/shape.h"

namespace dagnet::cpu {

// Row-major strides of a shape.
std::vector<int64_t> contiguous_strides(const Shape& shape);

// Strides that read `shape` broadcast (right-aligned) to `target`: 0 on broadcast axes.
std::vector<int64_t> broadcast_strides(const Shape& shape, const Shape& target);

// Calls fn(linear_index, offsets) for the elements [begin, end) of `shape` in row-major
// order, where each offset advances by its own strides. The last axis runs as a tight
// inner loop (the lambda inlines into it); only row changes walk the index carry.
template <size_t N, typename Fn>
void for_each_index_range(const Shape& shape, const std::vector<int64_t> (&strides)[N], const int64_t (&base)[N],
                          int64_t begin, int64_t end, Fn fn) {
  if (begin >= end) return;
  const size_t rank = shape.size();
  if (rank == 0) {
    fn(int64_t(0), base);
    return;
  }
  const int64_t inner = shape[rank - 1];
  int64_t step[N], row[N], offsets[N];
  for (size_t k = 0; k < N; ++k) step[k] = strides[k][rank - 1];
  // Index and offsets of the row holding `begin`.
  std::vector<int64_t> index(rank, 0);
  int64_t rest = begin / inner;
  for (size_t d = rank - 1; d-- > 0;) {
    index[d] = rest % shape[d];
    rest /= shape[d];
  }
  for (size_t k = 0; k < N; ++k) {
    row[k] = base[k];
    for (size_t d = 0; d + 1 < rank; ++d) row[k] += index[d] * strides[k][d];
  }
  int64_t linear = begin, j = begin % inner;
  while (linear < end) {
    const int64_t stop = std::min<int64_t>(inner, j + (end - linear));
    for (; j < stop; ++j, ++linear) {
      for (size_t k = 0; k < N; ++k) offsets[k] = row[k] + j * step[k];
      fn(linear, static_cast<const int64_t*>(offsets));
    }
    j = 0;
    for (size_t d = rank - 1; d-- > 0;) {  // next row
      ++index[d];
      for (size_t k = 0; k < N; ++k) row[k] += strides[k][d];
      if (index[d] < shape[d]) break;
      for (size_t k = 0; k < N; ++k) row[k] -= strides[k][d] * shape[d];
      index[d] = 0;
    }
  }
}

// The whole of `shape`, serially (for callers that accumulate into shared offsets).
template <size_t N, typename Fn>
void for_each_index(const Shape& shape, const std::vector<int64_t> (&strides)[N], const int64_t (&base)[N], Fn fn) {
  int64_t total = 1;
  for (int64_t d : shape) total *= d;
  for_each_index_range<N>(shape, strides, base, 0, total, fn);
}

// The same split over the thread pool: fn must only write through the linear index.
template <size_t N, typename Fn>
void parallel_for_each_index(const Shape& shape, const std::vector<int64_t> (&strides)[N], const int64_t (&base)[N],
                             Fn fn) {
  int64_t total = 1;
  for (int64_t d : shape) total *= d;
  parallel_for(total, 1 << 14, [&](int64_t b, int64_t e) { for_each_index_range<N>(shape, strides, base, b, e, fn); });
}

}  // namespace dagnet::cpu
