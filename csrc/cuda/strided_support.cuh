// Strided gathers and scatters over an op's prepared StridedWalk (ops/strided_walk.h): slice
// reads x at the walk's offsets, transpose reads x in y's order, slice_grad writes g there.
#pragma once
#include "cuda/window_support.cuh"
#include "ops/strided_walk.h"

namespace dagnet::cuda {

// The walk as a launch argument, simplified first: axes of extent 1 go, and an axis whose
// stride is the next one's stride times its extent merges into it (fewer divisions per
// element, and a transpose becomes a plain (batch, rows, cols) one). `what` names the op in
// the error for a rank still beyond kMaxWalkRank. The walk must have elements.
inline StridedGeometry geometry_of(const StridedWalk& w, const char* what) {
  StridedGeometry g;
  g.base = w.base;
  int rank = 0;
  for (size_t d = 0; d < w.shape.size(); ++d) {
    if (w.shape[d] == 1) continue;
    if (rank > 0 && g.strides[rank - 1] == w.strides[d] * w.shape[d]) {
      g.dims[rank - 1] *= w.shape[d];
      g.strides[rank - 1] = w.strides[d];
      continue;
    }
    if (rank == kMaxWalkRank)
      fail(ErrorKind::Value, what, " on CUDA supports up to ", kMaxWalkRank,
           " non-mergeable axes, got a tensor of shape ", shape_str(w.shape));
    g.dims[rank] = w.shape[d];
    g.strides[rank] = w.strides[d];
    ++rank;
  }
  g.rank = rank;
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
