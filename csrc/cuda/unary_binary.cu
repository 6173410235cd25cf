// CUDA kernels of the elementwise math ops: unary / unary_grad (ops/unary.cpp), binary /
// binary_grad / where / where_grad / sum_to_shape (ops/binary.cpp, NumPy broadcasting
// through the StridedIndex each op's prepare builds once per plan), add (ops/add.cpp),
// scale and cast (ops/elementwise.cpp, ops/cast.cpp). The per-element math is
// ops/elementwise_math.h and ops/convert.h, the code the CPU kernels run.
#include <cuda_runtime.h>

#include "cuda/kernel_support.cuh"
#include "cuda/reduce_support.cuh"
#include "ops/convert.h"
#include "ops/dispatch.h"
#include "ops/elementwise_math.h"

namespace dagnet::cuda {

namespace {
template <typename T>
__global__ void unary_kernel(UnaryKind kind, const T* x, T* y, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) y[i] = apply_unary(kind, x[i]);
}

template <typename T>
__global__ void unary_grad_kernel(UnaryKind kind, const T* g, const T* x, const T* y, T* dx, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) dx[i] = g[i] * unary_derivative(kind, x[i], y[i]);
}

template <typename T>
__global__ void binary_kernel(BinaryKind kind, StridedIndex<2> ix, const T* a, const T* b, T* out, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    int64_t off[2];
    ix.offsets(i, off);
    out[i] = apply_binary(kind, a[off[0]], b[off[1]]);
  }
}

template <typename T>
__global__ void binary_grad_kernel(BinaryKind kind, StridedIndex<2> ix, const T* g, const T* a, const T* b, T* da,
                                   T* db, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    int64_t off[2];
    ix.offsets(i, off);
    T pa, pb;
    binary_partials(kind, a[off[0]], b[off[1]], pa, pb);
    da[i] = g[i] * pa;
    db[i] = g[i] * pb;
  }
}

template <typename T>
__global__ void where_kernel(StridedIndex<3> ix, const T* c, const T* a, const T* b, T* out, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    int64_t off[3];
    ix.offsets(i, off);
    out[i] = c[off[0]] != T(0) ? a[off[1]] : b[off[2]];
  }
}

template <typename T>
__global__ void where_grad_kernel(StridedIndex<1> ix, const T* g, const T* c, T* da, T* db, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    const bool take_a = c[ix.offset(i)] != T(0);
    da[i] = take_a ? g[i] : T(0);
    db[i] = take_a ? T(0) : g[i];
  }
}

// Up to kAddInputs summands per launch, added in input order (the CPU's order, so the
// same bits): out = in[0] + in[1] + ..., where in[0] may be `out` itself from an earlier launch.
constexpr int kAddInputs = 8;
template <typename T>
struct AddInputs {
  const T* in[kAddInputs];
  int count;
};

template <typename T>
__global__ void add_kernel(AddInputs<T> inputs, T* out, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) {
    T acc = inputs.in[0][i];
    for (int k = 1; k < inputs.count; ++k) acc += inputs.in[k][i];
    out[i] = acc;
  }
}

template <typename T>
__global__ void scale_kernel(const T* x, T factor, T* y, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) y[i] = x[i] * factor;
}

template <typename Out, typename In>
__global__ void cast_kernel(const In* x, Out* y, int64_t n) {
  for (int64_t i = grid_first(); i < n; i += grid_step()) y[i] = convert<Out>(x[i]);
}

void unary(const KernelContext& ctx) {
  const int64_t n = ctx.outputs[0].numel();
  if (n == 0) return;
  dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    unary_kernel<T><<<blocks_for(n), kThreads, 0, stream(ctx)>>>(ctx.prepared<UnaryKind>(), ctx.inputs[0].data<T>(),
                                                                 ctx.outputs[0].data<T>(), n);
    check_launch("unary");
  });
}

void unary_grad(const KernelContext& ctx) {
  const int64_t n = ctx.outputs[0].numel();
  if (n == 0) return;
  dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    unary_grad_kernel<T><<<blocks_for(n), kThreads, 0, stream(ctx)>>>(
        ctx.prepared<UnaryKind>(), ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(), ctx.inputs[2].data<T>(),
        ctx.outputs[0].data<T>(), n);
    check_launch("unary_grad");
  });
}

void binary(const KernelContext& ctx) {
  const BinaryPrepared& p = ctx.prepared<BinaryPrepared>();
  const int64_t n = ctx.outputs[0].numel();
  if (n == 0) return;
  dispatch_any(ctx.outputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    binary_kernel<T><<<blocks_for(n), kThreads, 0, stream(ctx)>>>(p.kind, p.index, ctx.inputs[0].data<T>(),
                                                                  ctx.inputs[1].data<T>(), ctx.outputs[0].data<T>(), n);
    check_launch("binary");
  });
}

void binary_grad(const KernelContext& ctx) {
  const BinaryPrepared& p = ctx.prepared<BinaryPrepared>();
  const int64_t n = ctx.inputs[0].numel();
  if (n == 0) return;
  dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    binary_grad_kernel<T><<<blocks_for(n), kThreads, 0, stream(ctx)>>>(
        p.kind, p.index, ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(), ctx.inputs[2].data<T>(),
        ctx.outputs[0].data<T>(), ctx.outputs[1].data<T>(), n);
    check_launch("binary_grad");
  });
}

void where(const KernelContext& ctx) {
  const int64_t n = ctx.outputs[0].numel();
  if (n == 0) return;
  dispatch_any(ctx.outputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    where_kernel<T><<<blocks_for(n), kThreads, 0, stream(ctx)>>>(ctx.prepared<WherePrepared>().index,
                                                                 ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(),
                                                                 ctx.inputs[2].data<T>(), ctx.outputs[0].data<T>(), n);
    check_launch("where");
  });
}

void where_grad(const KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].numel();
  if (n == 0) return;
  dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    where_grad_kernel<T><<<blocks_for(n), kThreads, 0, stream(ctx)>>>(
        ctx.prepared<WhereGradPrepared>().index, ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(),
        ctx.outputs[0].data<T>(), ctx.outputs[1].data<T>(), n);
    check_launch("where_grad");
  });
}

void sum_to_shape(const KernelContext& ctx) {
  dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch_reduce(ctx.prepared<ReduceIndex>(), SumOp<T>{ctx.inputs[0].data<T>(), ctx.outputs[0].data<T>()}, stream(ctx),
                  "sum_to_shape");
  });
}

void add(const KernelContext& ctx) {
  const int64_t n = ctx.outputs[0].numel();
  if (n == 0) return;
  dispatch_float(ctx.outputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* out = ctx.outputs[0].data<T>();
    size_t next = 0;
    while (next < ctx.inputs.size()) {
      AddInputs<T> batch{};
      if (next > 0) batch.in[batch.count++] = out;  // the running sum so far
      while (batch.count < kAddInputs && next < ctx.inputs.size())
        batch.in[batch.count++] = ctx.inputs[next++].data<T>();
      add_kernel<T><<<blocks_for(n), kThreads, 0, stream(ctx)>>>(batch, out, n);
      check_launch("add");
    }
  });
}

void scale(const KernelContext& ctx) {
  const int64_t n = ctx.outputs[0].numel();
  if (n == 0) return;
  dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    scale_kernel<T><<<blocks_for(n), kThreads, 0, stream(ctx)>>>(
        ctx.inputs[0].data<T>(), static_cast<T>(ctx.prepared<double>()), ctx.outputs[0].data<T>(), n);
    check_launch("scale");
  });
}

void cast(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0];
  const int64_t n = x.numel();
  if (n == 0) return;
  dispatch_any(x.dtype(), [&](auto in_tag) {
    using In = decltype(in_tag);
    dispatch_any(y.dtype(), [&](auto out_tag) {
      using Out = decltype(out_tag);
      cast_kernel<Out, In><<<blocks_for(n), kThreads, 0, stream(ctx)>>>(x.data<In>(), y.data<Out>(), n);
      check_launch("cast");
    });
  });
}
}  // namespace

void register_unary_binary_cuda_kernels() {
  register_kernel("unary", DeviceType::CUDA, unary);
  register_kernel("unary_grad", DeviceType::CUDA, unary_grad);
  register_kernel("binary", DeviceType::CUDA, binary);
  register_kernel("binary_grad", DeviceType::CUDA, binary_grad);
  register_kernel("where", DeviceType::CUDA, where);
  register_kernel("where_grad", DeviceType::CUDA, where_grad);
  register_kernel("sum_to_shape", DeviceType::CUDA, sum_to_shape);
  register_kernel("add", DeviceType::CUDA, add);
  register_kernel("scale", DeviceType::CUDA, scale);
  register_kernel("cast", DeviceType::CUDA, cast);
}

}  // namespace dagnet::cuda
