// CUDA kernels of the weight constraints (constrain, ops/constrain.cpp) and penalties
// (l1_penalty, l2_penalty and their gradients, ops/regularizers.cpp). The norms and sums
// are deterministic tree reductions in double (cuda/reduce_support.cuh); the per-slice
// factor and per-element terms are ops/constraint_math.h's and ops/penalty_math.h's, the
// CPU's code.
#include <cuda_runtime.h>

#include <cmath>

#include "cuda/kernel_support.cuh"
#include "cuda/reduce_support.cuh"
#include "ops/constraint_math.h"
#include "ops/dispatch.h"
#include "ops/penalty_math.h"

namespace dagnet::cuda {

namespace {
template <typename T>
__global__ void non_neg_kernel(T* w, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) w[i] = non_neg(w[i]);
}

// Each slice (output j of the index): its sum of squares, then every element times the
// slice's factor, in place (the finish pass runs after the block's reduction has read all).
template <typename T>
struct NormConstraintOp {
  using Acc = double;
  ConstraintPrepared p;
  T* w;
  __device__ double init() const { return 0.0; }
  __device__ double load(int64_t, int64_t at) const { return static_cast<double>(w[at]) * static_cast<double>(w[at]); }
  __device__ double combine(double a, double b) const { return a + b; }
  __device__ void finish(const ReduceIndex& ix, int64_t, int64_t base, double sum, int64_t first, int64_t step) const {
    const double f = constraint_factor(p, sqrt(sum));
    for (int64_t r = first; r < ix.count; r += step) {
      const int64_t at = base + ix.reduced.offset(r);
      w[at] = static_cast<T>(static_cast<double>(w[at]) * f);
    }
  }
};

template <typename T, bool L1>
struct PenaltyOp {
  using Acc = double;
  double factor;
  const T* w;
  T* out;
  __device__ double init() const { return 0.0; }
  __device__ double load(int64_t, int64_t at) const {
    const double v = static_cast<double>(w[at]);
    return L1 ? l1_term(v) : l2_term(v);
  }
  __device__ double combine(double a, double b) const { return a + b; }
  __device__ void finish(const ReduceIndex&, int64_t, int64_t, double sum, int64_t first, int64_t) const {
    if (first == 0) *out = static_cast<T>(factor * sum);
  }
};

template <typename T, bool L1>
__global__ void penalty_grad_kernel(double scale, const T* upstream, const T* w, T* d, int64_t n) {
  const T k = static_cast<T>(scale) * *upstream;
  for (int64_t i = grid_first(); i < n; i += grid_step()) d[i] = k * (L1 ? l1_slope(w[i]) : w[i]);
}

void constrain(const KernelContext& ctx) {
  const ConstraintPrepared& p = ctx.prepared<ConstraintPrepared>();
  const Tensor& w = ctx.inputs[0];
  if (w.numel() == 0) return;
  dispatch_float(w.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (p.kind == Constraint::NonNeg) {
      non_neg_kernel<T><<<blocks_for(w.numel()), kThreads, 0, stream(ctx)>>>(w.data<T>(), w.numel());
      check_launch("constrain");
    } else {
      launch_reduce(p.index, NormConstraintOp<T>{p, w.data<T>()}, stream(ctx), "constrain");
    }
  });
}

// The whole tensor as one reduction (a single output).
ReduceIndex whole(int64_t n) { return rows_index(n, 1); }

template <bool L1>
void penalty(const KernelContext& ctx) {
  const Tensor& w = ctx.inputs[0];
  dispatch_float(w.dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch_reduce(whole(w.numel()), PenaltyOp<T, L1>{ctx.prepared<double>(), w.data<T>(), ctx.outputs[0].data<T>()},
                  stream(ctx), L1 ? "l1_penalty" : "l2_penalty");
  });
}

template <bool L1>
void penalty_grad(const KernelContext& ctx) {
  const Tensor& w = ctx.inputs[1];
  if (w.numel() == 0) return;
  dispatch_float(w.dtype(), [&](auto tag) {
    using T = decltype(tag);
    penalty_grad_kernel<T, L1><<<blocks_for(w.numel()), kThreads, 0, stream(ctx)>>>(
        (L1 ? 1.0 : 2.0) * ctx.prepared<double>(), ctx.inputs[0].data<T>(), w.data<T>(), ctx.outputs[0].data<T>(),
        w.numel());
    check_launch(L1 ? "l1_penalty_grad" : "l2_penalty_grad");
  });
}
}  // namespace

void register_regularizer_cuda_kernels() {
  register_kernel("constrain", DeviceType::CUDA, constrain);
  register_kernel("l1_penalty", DeviceType::CUDA, penalty<true>);
  register_kernel("l2_penalty", DeviceType::CUDA, penalty<false>);
  register_kernel("l1_penalty_grad", DeviceType::CUDA, penalty_grad<true>);
  register_kernel("l2_penalty_grad", DeviceType::CUDA, penalty_grad<false>);
}

}  // namespace dagnet::cuda
