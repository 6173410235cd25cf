// Deterministic reductions for the CUDA elementwise-family kernels: fixed-shape tree
// reductions in shared memory or across a warp (no atomics), so two runs give the same
// bits. launch_reduce runs an Op over every output of a ReduceIndex (ops/strided_index.h):
//   using Acc = ...;                      the accumulator type
//   Acc init() const;                     the identity
//   Acc load(int64_t j, int64_t x_offset) const;  the term of one of output j's inputs
//   Acc combine(Acc a, Acc b) const;      associative step
//   void finish(const ReduceIndex&, int64_t j, int64_t base, Acc total, int64_t first, int64_t step) const;
// finish writes output j (from its `first` call) and may walk output j's inputs again,
// r = first, first + step, ... (gradients and in-place updates of the slice); in block
// mode every thread of the block calls it, in thread mode one thread with (0, 1).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/kernel_support.cuh"
#include "ops/strided_index.h"

namespace dagnet::cuda {

// The block's reduction of one value per thread (blockDim.x == kThreads), returned to every
// thread. Safe to call repeatedly in one kernel.
template <typename A, typename Combine>
__device__ A block_reduce(A v, Combine combine) {
  __shared__ A shared[kThreads];
  __syncthreads();  // a previous call's readers are done with `shared`
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) shared[threadIdx.x] = combine(shared[threadIdx.x], shared[threadIdx.x + s]);
    __syncthreads();
  }
  return shared[0];
}

// The warp's reduction (butterfly: every lane ends with the same value, in a fixed order).
template <typename A, typename Combine>
__device__ A warp_reduce(A v, Combine combine) {
  for (int s = 16; s > 0; s >>= 1) v = combine(v, __shfl_xor_sync(0xffffffffu, v, s));
  return v;
}

struct AddOp {
  template <typename A>
  __device__ A operator()(A a, A b) const {
    return a + b;
  }
};

template <typename Op>
struct CombineOf {
  const Op& op;
  __device__ typename Op::Acc operator()(typename Op::Acc a, typename Op::Acc b) const { return op.combine(a, b); }
};

template <typename Op>
__global__ void reduce_by_thread(ReduceIndex ix, Op op) {
  for (int64_t j = grid_first(); j < ix.outputs; j += grid_step()) {
    const int64_t base = ix.kept.offset(j);
    typename Op::Acc acc = op.init();
    for (int64_t r = 0; r < ix.count; ++r) acc = op.combine(acc, op.load(j, base + ix.reduced.offset(r)));
    op.finish(ix, j, base, acc, 0, 1);
  }
}

template <typename Op>
__global__ void reduce_by_block(ReduceIndex ix, Op op) {
  for (int64_t j = blockIdx.x; j < ix.outputs; j += gridDim.x) {  // uniform per block: the syncs are safe
    const int64_t base = ix.kept.offset(j);
    typename Op::Acc acc = op.init();
    for (int64_t r = threadIdx.x; r < ix.count; r += blockDim.x)
      acc = op.combine(acc, op.load(j, base + ix.reduced.offset(r)));
    const typename Op::Acc total = block_reduce(acc, CombineOf<Op>{op});
    op.finish(ix, j, base, total, threadIdx.x, blockDim.x);
  }
}

// Short reductions, or many outputs whose inputs are not contiguous (column sums: thread
// j's neighbours read the next addresses): one thread per output. Long reductions that are
// few or run along contiguous memory: one block per output, its threads reading together.
template <typename Op>
void launch_reduce(const ReduceIndex& ix, const Op& op, cudaStream_t s, const char* what) {
  if (ix.outputs == 0) return;
  const bool contiguous = ix.reduced.rank > 0 && ix.reduced.strides[0][ix.reduced.rank - 1] == 1;
  if (ix.count <= 64 || (ix.outputs >= 2048 && !contiguous)) {
    reduce_by_thread<Op><<<blocks_for(ix.outputs), kThreads, 0, s>>>(ix, op);
  } else {
    const int64_t grid = ix.outputs < 65535 ? ix.outputs : 65535;
    reduce_by_block<Op><<<static_cast<unsigned>(grid), kThreads, 0, s>>>(ix, op);
  }
  check_launch(what);
}

// out[j] = the sum of output j's inputs, accumulated in double (sum_to_shape, sum_leading_axes).
template <typename T>
struct SumOp {
  using Acc = double;
  const T* x;
  T* out;
  __device__ double init() const { return 0.0; }
  __device__ double load(int64_t, int64_t at) const { return static_cast<double>(x[at]); }
  __device__ double combine(double a, double b) const { return a + b; }
  __device__ void finish(const ReduceIndex&, int64_t j, int64_t, double total, int64_t first, int64_t) const {
    if (first == 0) out[j] = static_cast<T>(total);
  }
};

// A contiguous (rows, cols) matrix summed over its rows, as a ReduceIndex.
inline ReduceIndex rows_index(int64_t rows, int64_t cols) {
  ReduceIndex ix;
  ix.outputs = cols;
  ix.count = rows;
  ix.kept.rank = ix.reduced.rank = 1;
  ix.kept.dims[0] = cols;
  ix.kept.strides[0][0] = 1;
  ix.reduced.dims[0] = rows;
  ix.reduced.strides[0][0] = cols;
  return ix;
}

}  // namespace dagnet::cuda
