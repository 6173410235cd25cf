// CUDA kernel of dense: one cuBLAS GEMM (x @ kernel into y), then one epilogue kernel that
// adds the bias and applies the activation in the same pass over y (softmax: one block per
// row, the bias added as the row is read). The elementwise formulas are ops/activation_math.h.
#include "cuda/blas.cuh"
#include "cuda/block_reduce.cuh"
#include "cuda/window_support.cuh"
#include "ops/activation_math.h"
#include "ops/dense_layout.h"
#include "ops/dispatch.h"

namespace dagnet::cuda {

namespace {
template <typename T>
__global__ void dense_bias_activation_kernel(T* y, int64_t rows, int64_t cols, const T* bias, Activation act, T alpha) {
  DAGNET_CUDA_FOR(i, rows * cols) {
    T v = y[i];
    if (bias) v += bias[i % cols];
    y[i] = activation_value(act, v, alpha);
  }
}

// Softmax along each row of (y + bias), as the CPU computes it: max, exp(v - max), sum,
// times 1 / sum.
template <typename T>
__global__ void dense_bias_softmax_kernel(T* y, int64_t rows, int64_t cols, const T* bias) {
  __shared__ T scratch[kMaxWarpsPerBlock];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    T* row = y + r * cols;
    T m = -INFINITY;
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
      const T v = bias ? row[j] + bias[j] : row[j];
      row[j] = v;
      m = fmax(m, v);
    }
    m = block_max(m, scratch);
    T sum = 0;
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
      const T e = exp(row[j] - m);
      row[j] = e;
      sum += e;
    }
    const T inv = T(1) / block_sum(sum, scratch);
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) row[j] *= inv;
  }
}

template <typename T>
void dense(const KernelContext& ctx) {
  const DensePrepared& p = ctx.prepared<DensePrepared>();
  const Tensor &x = ctx.inputs[0], &w = ctx.inputs[1], &y = ctx.outputs[0];
  T* out = y.data<T>();
  gemm<T>(blas(ctx), false, false, p.M, p.N, p.K, x.data<T>(), p.K, w.data<T>(), p.N, out, p.N, false, "dense");
  const T* bias = ctx.inputs.size() == 3 ? ctx.inputs[2].data<T>() : nullptr;
  const int64_t total = p.M * p.N;
  if (total == 0) return;
  if (p.act == Activation::Softmax) {
    dense_bias_softmax_kernel<T><<<blocks_for(p.M, 1), kThreads, 0, stream(ctx)>>>(out, p.M, p.N, bias);
    check_launch("dense (softmax epilogue)");
  } else if (bias || p.act != Activation::Linear) {
    dense_bias_activation_kernel<T>
        <<<blocks_for(total), kThreads, 0, stream(ctx)>>>(out, p.M, p.N, bias, p.act, static_cast<T>(p.alpha));
    check_launch("dense (bias and activation epilogue)");
  }
}
}  // namespace

void register_dense_cuda_kernels() {
  register_kernel("dense", DeviceType::CUDA, [](const KernelContext& ctx) {
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) { dense<decltype(tag)>(ctx); });
  });
}

}  // namespace dagnet::cuda
