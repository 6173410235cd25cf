// What a CUDA kernel needs from its KernelContext, and shared launch helpers. A CUDA op
// kernel (registered with register_kernel(op, DeviceType::CUDA, fn)) launches on
// stream(ctx), uses blas(ctx) for GEMMs, takes scratch from ctx.workspace (never
// cudaMalloc), reads attributes from ctx.prepared<T>() (never parses strings), and reports
// bad data with report_error() on the device; the executor checks the record once per step.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "core/device_backend.h"
#include "graph/op.h"

namespace dagnet::cuda {

inline cudaStream_t stream(const KernelContext& ctx) { return static_cast<cudaStream_t>(ctx.device->stream); }
inline cublasHandle_t blas(const KernelContext& ctx) { return static_cast<cublasHandle_t>(ctx.device->blas); }

constexpr int kThreads = 256;
inline unsigned blocks_for(int64_t n, int threads = kThreads) {
  int64_t b = (n + threads - 1) / threads;
  return static_cast<unsigned>(b < 1 ? 1 : (b > 65535 * 32 ? 65535 * 32 : b));
}

// Elements i of [0, n) this thread handles: for (int64_t i = grid_first(); i < n; i += grid_step()),
// or DAGNET_CUDA_FOR(i, n) { ... } (the same grid-stride loop).
__device__ inline int64_t grid_first() { return blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; }
__device__ inline int64_t grid_step() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }
#define DAGNET_CUDA_FOR(i, n) for (int64_t i = grid_first(); i < (n); i += grid_step())

// The first report of a run wins (atomicCAS on the code); see KernelContext::report_error.
__device__ inline void report_error(DeviceError* e, int32_t code, int32_t step, int64_t position, int64_t int_value,
                                    double float_value, int64_t bound) {
  if (atomicCAS(&e->code, 0, -1) != 0) return;
  e->step = step;
  e->position = position;
  e->int_value = int_value;
  e->float_value = float_value;
  e->bound = bound;
  __threadfence();
  atomicExch(&e->code, code);
}

// Checks the launch just issued (a bad configuration is a Runtime error naming `what`).
void check_launch(const char* what);

}  // namespace dagnet::cuda
