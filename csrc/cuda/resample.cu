// CUDA kernels of resize and resize_grad (ops/resize.cpp): each pass of the plan
// (core/resample_pass.h) is one gather, a thread per output element (a fused plan: one 2-D
// gather); the tables were copied to the device when the plan was made, so a step launches
// kernels only.
#include <cuda_runtime.h>

#include "core/resample_pass.h"
#include "cuda/cuda_check.h"
#include "cuda/kernel_support.cuh"

namespace dagnet::cuda {

namespace {
template <typename T>
__global__ void resample_kernel(ResamplePass p, const T* x, T* y) {
  const int64_t n = p.outer * p.out_len * p.inner;
  const T fill = static_cast<T>(p.fill);
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < n;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = idx % p.inner, r = idx / p.inner;
    const int64_t o = r % p.out_len, a = r / p.out_len;
    const float* w = p.weight + o * p.taps;
    const int64_t first = p.start[o];
    const T* src = x + a * p.in_len * p.inner + b;
    T acc = 0;
    for (int64_t k = 0; k < p.taps; ++k) {
      if (w[k] == 0.0f) continue;
      const int64_t i = first + k;
      const bool outside = p.reads_fill && (i < 0 || i >= p.in_len);
      acc += static_cast<T>(w[k]) * (outside ? fill : src[i * p.inner]);
    }
    y[idx] = acc;
  }
}

// A fused plan's two passes at once (cpu/resample.h: resample_2d), a thread per output.
template <typename T>
__global__ void resample_2d_kernel(ResamplePass rows, ResamplePass cols, const T* x, T* y) {
  const int64_t in_w = cols.in_len, out_w = cols.out_len, inner = cols.inner;
  const int64_t n = rows.outer * rows.out_len * out_w * inner;
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < n;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = idx % inner, j = (idx / inner) % out_w, r = idx / (inner * out_w);
    const int64_t a = r / rows.out_len, i = r % rows.out_len;
    const float *wr = rows.weight + i * rows.taps, *wc = cols.weight + j * cols.taps;
    const T* column = x + ((a * rows.in_len + rows.start[i]) * in_w + cols.start[j]) * inner + b;
    T acc = 0;
    for (int64_t k = 0; k < rows.taps; ++k) {
      if (wr[k] == 0.0f) continue;
      for (int64_t l = 0; l < cols.taps; ++l)
        if (wc[l] != 0.0f) acc += static_cast<T>(wr[k] * wc[l]) * column[(k * in_w + l) * inner];
    }
    y[idx] = acc;
  }
}

template <typename T>
void run(const KernelContext& ctx, const char* name) {
  const ResamplePlan& plan = ctx.prepared<ResamplePlan>();
  cudaStream_t s = stream(ctx);
  run_resample_plan<T>(
      plan, ctx.inputs[0].data<T>(), ctx.outputs[0].data<T>(), static_cast<T*>(ctx.workspace), ctx.outputs[0].numel(),
      [&](const ResamplePass& p, const T* x, T* y) {
        const int64_t n = p.outer * p.out_len * p.inner;
        if (n == 0) return;
        resample_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(p, x, y);
        check_launch(name);
      },
      [&](const ResamplePass& rows, const ResamplePass& cols, const T* x, T* y) {
        const int64_t n = rows.outer * rows.out_len * cols.out_len * cols.inner;
        if (n == 0) return;
        resample_2d_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(rows, cols, x, y);
        check_launch(name);
      },
      [&](const T* x, T* y, int64_t n) {
        if (n) check_cuda(cudaMemcpyAsync(y, x, n * sizeof(T), cudaMemcpyDeviceToDevice, s), name);
      });
}

void dispatch(const KernelContext& ctx, const char* name) {
  if (ctx.inputs[0].dtype() == DType::f64) run<double>(ctx, name);
  else run<float>(ctx, name);
}
}  // namespace

void register_resample_kernels() {
  register_kernel("resize", DeviceType::CUDA, [](const KernelContext& ctx) { dispatch(ctx, "resize"); });
  register_kernel("resize_grad", DeviceType::CUDA, [](const KernelContext& ctx) { dispatch(ctx, "resize_grad"); });
}

}  // namespace dagnet::cuda
