#include "ops/strided_index.h"

#include "core/error.h"

namespace dagnet {

namespace {
// Appends axes (size, per-operand strides) to `index`, dropping size-1 axes and merging an
// axis into the previous one when every operand continues contiguously across them.
template <int N>
void push_axes(StridedIndex<N>& index, const Shape& dims, const std::vector<std::vector<int64_t>>& strides,
               const char* what) {
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] == 1) continue;
    if (index.rank > 0) {
      const int last = index.rank - 1;
      bool merge = true;
      for (int k = 0; k < N; ++k) merge = merge && index.strides[k][last] == strides[k][d] * dims[d];
      if (merge) {
        index.dims[last] *= dims[d];
        for (int k = 0; k < N; ++k) index.strides[k][last] = strides[k][d];
        continue;
      }
    }
    check(index.rank < kMaxIndexDims, ErrorKind::Value, what, ": more than ", kMaxIndexDims,
          " axes remain after merging; the device kernels index at most that many");
    index.dims[index.rank] = dims[d];
    for (int k = 0; k < N; ++k) index.strides[k][index.rank] = strides[k][d];
    ++index.rank;
  }
}

std::vector<int64_t> row_major(const Shape& shape) {
  std::vector<int64_t> s(shape.size());
  int64_t step = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    s[d] = step;
    step *= shape[d];
  }
  return s;
}
}  // namespace

template <int N>
StridedIndex<N> broadcast_index(const Shape& target, const std::vector<Shape>& operands, const char* what) {
  std::vector<std::vector<int64_t>> strides;
  for (const Shape& shape : operands) {
    std::vector<int64_t> own = row_major(shape), s(target.size(), 0);
    const size_t lead = target.size() - shape.size();
    for (size_t d = 0; d < shape.size(); ++d) s[lead + d] = shape[d] == 1 ? 0 : own[d];
    strides.push_back(std::move(s));
  }
  StridedIndex<N> index;
  push_axes(index, target, strides, what);
  return index;
}

template StridedIndex<1> broadcast_index<1>(const Shape&, const std::vector<Shape>&, const char*);
template StridedIndex<2> broadcast_index<2>(const Shape&, const std::vector<Shape>&, const char*);
template StridedIndex<3> broadcast_index<3>(const Shape&, const std::vector<Shape>&, const char*);

ReduceIndex reduce_index(const Shape& x, const std::vector<bool>& reduced, const char* what) {
  const std::vector<int64_t> own = row_major(x);
  Shape kept_dims, reduced_dims;
  std::vector<std::vector<int64_t>> kept_strides(1), reduced_strides(1);
  ReduceIndex r;
  for (size_t d = 0; d < x.size(); ++d) {
    if (reduced[d]) {
      reduced_dims.push_back(x[d]);
      reduced_strides[0].push_back(own[d]);
      r.count *= x[d];
    } else {
      kept_dims.push_back(x[d]);
      kept_strides[0].push_back(own[d]);
      r.outputs *= x[d];
    }
  }
  push_axes(r.kept, kept_dims, kept_strides, what);
  push_axes(r.reduced, reduced_dims, reduced_strides, what);
  return r;
}

}  // namespace dagnet
