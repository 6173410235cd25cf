// CUDA kernels of activation / activation_grad (ops/activation.cpp): every elementwise kind
// through ops/activation_math.h's formulas (the CPU's scalar paths), softmax one warp per
// line with butterfly reductions (deterministic; y may alias x and dx alias dy, since each
// lane rewrites only the elements it read).
#include <cuda_runtime.h>

#include "cuda/kernel_support.cuh"
#include "cuda/reduce_support.cuh"
#include "ops/activation_math.h"
#include "ops/device_minmax.h"
#include "ops/dispatch.h"

namespace dagnet::cuda {

namespace {
constexpr int kWarpsPerBlock = kThreads / 32;

template <typename T>
__global__ void forward_kernel(Activation act, T alpha, const T* x, T* y, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) y[i] = activation_value(act, x[i], alpha);
}

template <typename T>
__global__ void backward_kernel(Activation act, T alpha, const T* dy, const T* y, T* dx, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) dx[i] = activation_grad_value(act, dy[i], y[i], alpha);
}

struct MaxOp {
  template <typename T>
  __device__ T operator()(T a, T b) const {
    return dn_max(a, b);
  }
};

// Line l = (o, i): elements o * length * inner + i + k * inner, k < length.
template <typename T>
__global__ void softmax_forward_kernel(ActivationLayout l, const T* x, T* y) {
  using std::exp;
  const int lane = threadIdx.x % 32;
  const int64_t lines = l.outer * l.inner, warps = static_cast<int64_t>(gridDim.x) * kWarpsPerBlock;
  for (int64_t line = blockIdx.x * static_cast<int64_t>(kWarpsPerBlock) + threadIdx.x / 32; line < lines;
       line += warps) {
    const int64_t base = (line / l.inner) * l.length * l.inner + line % l.inner, stride = l.inner;
    T m = x[base];
    for (int64_t k = lane; k < l.length; k += 32) m = dn_max(m, x[base + k * stride]);
    m = warp_reduce(m, MaxOp{});
    T sum = 0;
    for (int64_t k = lane; k < l.length; k += 32) {
      const T e = exp(x[base + k * stride] - m);
      y[base + k * stride] = e;
      sum += e;
    }
    const T inv = T(1) / warp_reduce(sum, AddOp{});
    for (int64_t k = lane; k < l.length; k += 32) y[base + k * stride] *= inv;
  }
}

template <typename T>
__global__ void softmax_backward_kernel(ActivationLayout l, const T* dy, const T* y, T* dx) {
  const int lane = threadIdx.x % 32;
  const int64_t lines = l.outer * l.inner, warps = static_cast<int64_t>(gridDim.x) * kWarpsPerBlock;
  for (int64_t line = blockIdx.x * static_cast<int64_t>(kWarpsPerBlock) + threadIdx.x / 32; line < lines;
       line += warps) {
    const int64_t base = (line / l.inner) * l.length * l.inner + line % l.inner, stride = l.inner;
    T dot = 0;
    for (int64_t k = lane; k < l.length; k += 32) dot += dy[base + k * stride] * y[base + k * stride];
    dot = warp_reduce(dot, AddOp{});
    for (int64_t k = lane; k < l.length; k += 32) {
      const int64_t at = base + k * stride;
      dx[at] = y[at] * (dy[at] - dot);  // dx_k = y_k (dy_k - sum_j dy_j y_j)
    }
  }
}

unsigned line_blocks(const ActivationLayout& l) { return blocks_for(l.outer * l.inner, kWarpsPerBlock); }

void forward(const KernelContext& ctx) {
  const ActivationPrepared& p = ctx.prepared<ActivationPrepared>();
  const int64_t n = ctx.outputs[0].numel();
  if (n == 0) return;
  dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = ctx.inputs[0].data<T>();
    T* y = ctx.outputs[0].data<T>();
    if (p.act == Activation::Softmax) {
      if (p.layout.length == 0) return;
      softmax_forward_kernel<T><<<line_blocks(p.layout), kThreads, 0, stream(ctx)>>>(p.layout, x, y);
    } else {
      forward_kernel<T><<<blocks_for(n), kThreads, 0, stream(ctx)>>>(p.act, static_cast<T>(p.alpha), x, y, n);
    }
    check_launch("activation");
  });
}

void backward(const KernelContext& ctx) {
  const ActivationPrepared& p = ctx.prepared<ActivationPrepared>();
  const int64_t n = ctx.outputs[0].numel();
  if (n == 0) return;
  dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T *dy = ctx.inputs[0].data<T>(), *y = ctx.inputs[1].data<T>();
    T* dx = ctx.outputs[0].data<T>();
    if (p.act == Activation::Softmax) {
      if (p.layout.length == 0) return;
      softmax_backward_kernel<T><<<line_blocks(p.layout), kThreads, 0, stream(ctx)>>>(p.layout, dy, y, dx);
    } else {
      backward_kernel<T><<<blocks_for(n), kThreads, 0, stream(ctx)>>>(p.act, static_cast<T>(p.alpha), dy, y, dx, n);
    }
    check_launch("activation_grad");
  });
}
}  // namespace

void register_activation_cuda_kernels() {
  register_kernel("activation", DeviceType::CUDA, forward);
  register_kernel("activation_grad", DeviceType::CUDA, backward);
}

}  // namespace dagnet::cuda
