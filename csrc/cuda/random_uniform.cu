// CUDA kernel of random_uniform (ops/random_uniform.cpp): the numbers of ops/uniform_draw.h
// (the CPU kernel's), read from the device-side state, which a second launch then advances.
#include <cuda_runtime.h>

#include "cuda/kernel_support.cuh"
#include "ops/uniform_draw.h"

namespace dagnet::cuda {

namespace {
template <typename T>
__global__ void uniform_kernel(UniformParams p, const int64_t* state, T* out, int64_t n) {
  const uint64_t rng = rng_stream(p.seed, *state);
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = static_cast<T>(uniform_value(p, rng, static_cast<uint64_t>(i)));
}

__global__ void advance_kernel(int64_t* state) { ++*state; }

template <typename T>
void uniform(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  int64_t* state = ctx.inputs[0].data<int64_t>();
  if (out.numel()) {
    uniform_kernel<T><<<blocks_for(out.numel()), kThreads, 0, stream(ctx)>>>(ctx.prepared<UniformParams>(), state,
                                                                             out.data<T>(), out.numel());
    check_launch("random_uniform");
  }
  advance_kernel<<<1, 1, 0, stream(ctx)>>>(state);
  check_launch("random_uniform");
}
}  // namespace

void register_random_uniform_kernels() {
  register_kernel("random_uniform", DeviceType::CUDA, [](const KernelContext& ctx) {
    if (ctx.outputs[0].dtype() == DType::f64) uniform<double>(ctx);
    else uniform<float>(ctx);
  });
}

}  // namespace dagnet::cuda
