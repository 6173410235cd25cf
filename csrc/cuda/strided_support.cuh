// Strided gathers and scatters over an op's prepared StridedWalk (ops/strided_walk.h): slice
// reads x at the walk's offsets, transpose reads x in y's order, slice_grad writes g there.
#pragma once
#include "cuda/window_support.cuh"
#include "ops/strided_walk.h"

namespace dagnet::cuda {

// The walk as a launch argument; `what` names the op in the error for a rank beyond it.
inline StridedGeometry geometry_of(const StridedWalk& w, const char* what) {
  if (w.shape.size() > static_cast<size_t>(kMaxWalkRank))
    fail(ErrorKind::Value, what, " on CUDA supports tensors of rank <= ", kMaxWalkRank, ", got ", w.shape.size());
  StridedGeometry g;
  g.rank = static_cast<int>(w.shape.size());
  for (int d = 0; d < g.rank; ++d) {
    g.dims[d] = w.shape[d];
    g.strides[d] = w.strides[d];
  }
  g.base = w.base;
  return g;
}

template <typename T>
__global__ void strided_gather_kernel(const T* x, StridedGeometry g, int64_t total, T* y) {
  DAGNET_CUDA_FOR(i, total) y[i] = x[g.offset(i)];
}
// The walk's offsets are distinct (an axis of extent > 1 has a nonzero stride), so plain
// stores suffice.
template <typename T>
__global__ void strided_scatter_kernel(const T* y, StridedGeometry g, int64_t total, T* x) {
  DAGNET_CUDA_FOR(i, total) x[g.offset(i)] = y[i];
}

// y (the walk's shape, contiguous) = x at the walk's offsets.
template <typename T>
void strided_gather(const StridedWalk& w, const T* x, T* y, int64_t total, cudaStream_t s, const char* what) {
  if (total == 0) return;
  strided_gather_kernel<T><<<blocks_for(total), kThreads, 0, s>>>(x, geometry_of(w, what), total, y);
  check_launch(what);
}

}  // namespace dagnet::cuda
