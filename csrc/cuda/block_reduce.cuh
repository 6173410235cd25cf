// Block-wide max and sum for kernels that reduce one row per block (blockDim.x a multiple
// of 32, at most 32 warps): warp shuffles, then one value per warp through `scratch`.
// Every thread gets the result; `scratch` may be reused right after.
#pragma once
#include <cuda_runtime.h>

namespace dagnet::cuda {

constexpr int kMaxWarpsPerBlock = 32;

template <typename T, typename Op>
__device__ inline T block_reduce(T v, T* scratch, Op op) {
  for (int o = 16; o > 0; o /= 2) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = (blockDim.x + 31) / 32;
  __syncthreads();  // scratch may still be read by a previous reduction
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = scratch[0];
  for (int k = 1; k < warps; ++k) v = op(v, scratch[k]);
  return v;
}

template <typename T>
__device__ inline T block_max(T v, T* scratch) {
  return block_reduce(v, scratch, [](T a, T b) { return fmax(a, b); });
}
template <typename T>
__device__ inline T block_sum(T v, T* scratch) {
  return block_reduce(v, scratch, [](T a, T b) { return a + b; });
}

}  // namespace dagnet::cuda
