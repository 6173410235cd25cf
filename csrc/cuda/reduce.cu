// CUDA kernels of reduce / reduce_grad / sum_leading_axes (ops/reduce_axes.cpp), over the
// ReduceIndex the ops' prepare builds once per plan (cuda/reduce_support.cuh runs it with
// deterministic tree reductions). Accumulators follow the CPU (ops/reduce_math.h): double
// for floats, int64 with wrap-around for integers on the contiguous-block path, double on
// the generic one; max/min start from the first element they see, as the CPU's do.
#include <cuda_runtime.h>

#include <cmath>
#include <type_traits>

#include "cuda/kernel_support.cuh"
#include "cuda/reduce_support.cuh"
#include "ops/convert.h"
#include "ops/dispatch.h"
#include "ops/reduce_math.h"

namespace dagnet::cuda {

namespace {
bool is_extreme(ReduceKind k) { return k == ReduceKind::Max || k == ReduceKind::Min; }

// An accumulator that knows whether it has seen an element (max/min have no identity).
template <typename A>
struct Seen {
  A value;
  bool any;
};

template <typename T, typename A>
struct ReduceOp {
  using Acc = Seen<A>;
  ReduceKind kind;
  const T* x;
  T* y;
  __device__ Acc init() const { return {reduce_init<A>(kind), false}; }
  __device__ Acc load(int64_t, int64_t at) const { return {static_cast<A>(x[at]), true}; }
  __device__ Acc combine(Acc a, Acc b) const {
    if (kind == ReduceKind::Max || kind == ReduceKind::Min) {
      if (!a.any) return b;
      if (!b.any) return a;
    }
    return {reduce_combine(kind, a.value, b.value), a.any || b.any};
  }
  __device__ void finish(const ReduceIndex& ix, int64_t j, int64_t, Acc total, int64_t first, int64_t) const {
    if (first != 0) return;
    if (kind != ReduceKind::Mean) {
      y[j] = convert<T>(total.value);
    } else if (ix.count == 0) {  // a mean of nothing: 0/0 for floats, 0 for integers (the CPU's block path)
      y[j] = std::is_floating_point_v<T> ? convert<T>(nan("")) : T(0);
    } else {
      y[j] = convert<T>(static_cast<double>(total.value) / static_cast<double>(ix.count));
    }
  }
};

// max/min gradient: split evenly among the elements equal to the extreme (TensorFlow's rule).
template <typename T>
struct TieGradOp {
  using Acc = double;
  const T *g, *x, *y;
  T* dx;
  __device__ double init() const { return 0.0; }
  __device__ double load(int64_t j, int64_t at) const { return x[at] == y[j] ? 1.0 : 0.0; }
  __device__ double combine(double a, double b) const { return a + b; }
  __device__ void finish(const ReduceIndex& ix, int64_t j, int64_t base, double ties, int64_t first,
                         int64_t step) const {
    for (int64_t r = first; r < ix.count; r += step) {
      const int64_t at = base + ix.reduced.offset(r);
      dx[at] = x[at] == y[j] ? static_cast<T>(g[j] / ties) : T(0);
    }
  }
};

// prod gradient: the product of the other elements (exact with zeros too).
struct ZerosAndProduct {
  double zeros, nonzero;
};
template <typename T>
struct ProdGradOp {
  using Acc = ZerosAndProduct;
  const T *g, *x;
  T* dx;
  __device__ Acc init() const { return {0.0, 1.0}; }
  __device__ Acc load(int64_t, int64_t at) const {
    return x[at] == T(0) ? Acc{1.0, 1.0} : Acc{0.0, static_cast<double>(x[at])};
  }
  __device__ Acc combine(Acc a, Acc b) const { return {a.zeros + b.zeros, a.nonzero * b.nonzero}; }
  __device__ void finish(const ReduceIndex& ix, int64_t j, int64_t base, Acc t, int64_t first, int64_t step) const {
    for (int64_t r = first; r < ix.count; r += step) {
      const int64_t at = base + ix.reduced.offset(r);
      // nonzero product when x is the only zero, 0 when another element is zero too, y / x otherwise
      dx[at] = x[at] == T(0) ? (t.zeros == 1 ? static_cast<T>(g[j] * t.nonzero) : T(0))
                             : (t.zeros > 0 ? T(0) : static_cast<T>(g[j] * t.nonzero / x[at]));
    }
  }
};

// sum / mean gradient: every input of output j gets g[j] (over the count for a mean; the
// CPU's block path multiplies by 1/count, its generic path divides).
template <typename T>
__global__ void spread_kernel(ReduceIndex ix, const T* g, bool mean, bool block, T* dx) {
  const int64_t n = ix.outputs * ix.count;
  const double count = static_cast<double>(ix.count);
  const T inverse = static_cast<T>(1.0 / (count > 1 ? count : 1.0));
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    const int64_t j = i / ix.count, r = i - j * ix.count;
    const T v = !mean ? g[j] : block ? g[j] * inverse : static_cast<T>(g[j] / count);
    dx[ix.kept.offset(j) + ix.reduced.offset(r)] = v;
  }
}

void reduce(const KernelContext& ctx) {
  const ReducePrepared& p = ctx.prepared<ReducePrepared>();
  const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0];
  check(!(is_extreme(p.kind) && x.numel() == 0 && y.numel() > 0), ErrorKind::Value, "node '", ctx.node.name,
        "' (reduce): ", p.kind == ReduceKind::Max ? "max" : "min", " over an empty axis");
  dispatch_any(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      launch_reduce(p.index, ReduceOp<T, double>{p.kind, x.data<T>(), y.data<T>()}, stream(ctx), "reduce");
    } else if (p.block) {
      launch_reduce(p.index, ReduceOp<T, int64_t>{p.kind, x.data<T>(), y.data<T>()}, stream(ctx), "reduce");
    } else {
      launch_reduce(p.index, ReduceOp<T, double>{p.kind, x.data<T>(), y.data<T>()}, stream(ctx), "reduce");
    }
  });
}

void reduce_grad(const KernelContext& ctx) {
  const ReducePrepared& p = ctx.prepared<ReducePrepared>();
  const Tensor &g = ctx.inputs[0], &x = ctx.inputs[1], &y = ctx.inputs[2], &dx = ctx.outputs[0];
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    switch (p.kind) {
      case ReduceKind::Sum:
      case ReduceKind::Mean: {
        const int64_t n = p.index.outputs * p.index.count;
        if (n == 0) return;
        spread_kernel<T><<<blocks_for(n), kThreads, 0, stream(ctx)>>>(p.index, g.data<T>(), p.kind == ReduceKind::Mean,
                                                                      p.block, dx.data<T>());
        check_launch("reduce_grad");
        return;
      }
      case ReduceKind::Max:
      case ReduceKind::Min:
        launch_reduce(p.index, TieGradOp<T>{g.data<T>(), x.data<T>(), y.data<T>(), dx.data<T>()}, stream(ctx),
                      "reduce_grad");
        return;
      case ReduceKind::Prod:
        launch_reduce(p.index, ProdGradOp<T>{g.data<T>(), x.data<T>(), dx.data<T>()}, stream(ctx), "reduce_grad");
        return;
    }
  });
}

void sum_leading_axes(const KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  const int64_t cols = x.shape().back(), rows = product(x.shape(), 0, x.rank() - 1);
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch_reduce(rows_index(rows, cols), SumOp<T>{x.data<T>(), ctx.outputs[0].data<T>()}, stream(ctx),
                  "sum_leading_axes");
  });
}
}  // namespace

void register_reduce_cuda_kernels() {
  register_kernel("reduce", DeviceType::CUDA, reduce);
  register_kernel("reduce_grad", DeviceType::CUDA, reduce_grad);
  register_kernel("sum_leading_axes", DeviceType::CUDA, sum_leading_axes);
}

}  // namespace dagnet::cuda
