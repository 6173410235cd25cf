// CUDA kernel of dropout (ops/dropout.cpp): the keep mask comes from ops/counter_rng.h's
// counter-based hash of (seed, rng_state, index), the CPU's code, so a seeded run draws the
// same mask on both devices. The rng_state lives on the device; the kernel reads it and a
// one-thread kernel advances it afterwards (stream order keeps every read before the write).
#include <cuda_runtime.h>

#include "cuda/kernel_support.cuh"
#include "cuda/reduce_support.cuh"
#include "ops/counter_rng.h"
#include "ops/dispatch.h"

namespace dagnet::cuda {

namespace {
template <typename T>
__global__ void dropout_kernel(DropoutParams p, const int64_t* state, const T* x, T* y, T* keep, int64_t n) {
  const uint64_t rng = rng_stream(p.seed, *state);
  const T scale = static_cast<T>(1.0 / (1.0 - p.rate));
  for (int64_t i = grid_first(); i < n; i += grid_step())
    dropout_element(rng, static_cast<uint64_t>(i), p.rate, scale, x[i], y[i], keep[i]);
}

__global__ void advance_kernel(int64_t* state) { ++*state; }

void dropout(const KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  int64_t* state = ctx.inputs[1].data<int64_t>();
  const int64_t n = x.numel();
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (n > 0)
      dropout_kernel<T><<<blocks_for(n), kThreads, 0, stream(ctx)>>>(
          ctx.prepared<DropoutParams>(), state, x.data<T>(), ctx.outputs[0].data<T>(), ctx.outputs[1].data<T>(), n);
  });
  advance_kernel<<<1, 1, 0, stream(ctx)>>>(state);
  check_launch("dropout");
}
}  // namespace

void register_dropout_cuda_kernels() { register_kernel("dropout", DeviceType::CUDA, dropout); }

}  // namespace dagnet::cuda
