// CUDA kernels of the random ops (ops/random.cpp): rng_draw and random_normal, with the
// counter-based numbers of ops/counter_rng.h (the same values as the CPU kernels).
#include <cuda_runtime.h>

#include "cuda/kernel_support.cuh"
#include "ops/counter_rng.h"

namespace dagnet::cuda {

namespace {
__global__ void draw_kernel(int64_t* state, int64_t* out) { *out = (*state)++; }

template <typename T>
__global__ void normal_kernel(const int64_t* counter, double mean, double stddev, int64_t seed, T* out, int64_t n) {
  const uint64_t rng = rng_stream(seed, *counter);
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = static_cast<T>(mean + stddev * rng_normal(rng, static_cast<uint64_t>(i)));
}

template <typename T>
void normal(const KernelContext& ctx) {
  const NormalParams& p = ctx.prepared<NormalParams>();
  const Tensor& out = ctx.outputs[0];
  if (out.numel() == 0) return;
  normal_kernel<T><<<blocks_for(out.numel()), kThreads, 0, stream(ctx)>>>(ctx.inputs[0].data<int64_t>(), p.mean,
                                                                          p.stddev, p.seed, out.data<T>(), out.numel());
  check_launch("random_normal");
}
}  // namespace

void register_random_kernels() {
  register_kernel("rng_draw", DeviceType::CUDA, [](const KernelContext& ctx) {
    draw_kernel<<<1, 1, 0, stream(ctx)>>>(ctx.inputs[0].data<int64_t>(), ctx.outputs[0].data<int64_t>());
    check_launch("rng_draw");
  });
  register_kernel("random_normal", DeviceType::CUDA, [](const KernelContext& ctx) {
    if (ctx.outputs[0].dtype() == DType::f64) normal<double>(ctx);
    else normal<float>(ctx);
  });
}

}  // namespace dagnet::cuda
