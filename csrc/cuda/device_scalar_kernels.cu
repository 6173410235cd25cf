// CUDA kernels of the ops that keep a step's scalar state on the device: the optimizer's
// step counter, Nadam's momentum-schedule product and the write-back of optimizer state,
// plus fill_like (gradient seeds) which every training step runs. With these, a step reads
// and advances its counters without a host round trip.
#include <cuda_runtime.h>

#include "cuda/cuda_check.h"
#include "cuda/kernel_support.cuh"

namespace dagnet::cuda {

namespace {
__global__ void increment_kernel(int64_t* counter) { ++*counter; }

__global__ void nadam_schedule_kernel(const double* u_product, const int64_t* iterations, double beta_1, double* out) {
  const double t = static_cast<double>(*iterations + 1);
  *out = *u_product * beta_1 * (1.0 - 0.5 * pow(0.96, t));
}

template <typename T>
__global__ void fill_kernel(T* out, T value, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = value;
}

template <typename T>
void fill(const Tensor& out, double value, cudaStream_t s) {
  if (out.numel() == 0) return;
  fill_kernel<T><<<blocks_for(out.numel()), kThreads, 0, s>>>(out.data<T>(), static_cast<T>(value), out.numel());
}
}  // namespace

void register_device_scalar_kernels() {
  register_kernel("increment_counter", DeviceType::CUDA, [](const KernelContext& ctx) {
    increment_kernel<<<1, 1, 0, stream(ctx)>>>(ctx.inputs[0].data<int64_t>());
    check_launch("increment_counter");
  });
  register_kernel("nadam_schedule", DeviceType::CUDA, [](const KernelContext& ctx) {
    nadam_schedule_kernel<<<1, 1, 0, stream(ctx)>>>(ctx.inputs[0].data<double>(), ctx.inputs[1].data<int64_t>(),
                                                    ctx.prepared<double>(), ctx.outputs[0].data<double>());
    check_launch("nadam_schedule");
  });
  register_kernel("assign", DeviceType::CUDA, [](const KernelContext& ctx) {
    const Tensor &target = ctx.inputs[0], &value = ctx.inputs[1];
    if (target.nbytes())
      check_cuda(cudaMemcpyAsync(target.raw(), value.raw(), target.nbytes(), cudaMemcpyDeviceToDevice, stream(ctx)),
                 "assign");
  });
  register_kernel("fill_like", DeviceType::CUDA, [](const KernelContext& ctx) {
    const Tensor& out = ctx.outputs[0];
    const double value = ctx.prepared<double>();
    switch (out.dtype()) {
      case DType::f32: fill<float>(out, value, stream(ctx)); break;
      case DType::f64: fill<double>(out, value, stream(ctx)); break;
      case DType::i32: fill<int32_t>(out, value, stream(ctx)); break;
      case DType::i64: fill<int64_t>(out, value, stream(ctx)); break;
    }
    check_launch("fill_like");
  });
}

}  // namespace dagnet::cuda
