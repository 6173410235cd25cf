// l2_penalty(w) attr l2: the scalar l2 * sum(w^2) that Keras's regularizers.l2 adds to
// the loss; l2_penalty_grad(g, w) = 2 * l2 * g * w.
#include "core/thread_pool.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

void register_regularizer_ops() {
  OpDef fwd;
  fwd.name = "l2_penalty";
  fwd.attrs = {{"l2", AttrType::Float}};
  fwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    return {{{}, ctx.dtype(0)}};
  };
  fwd.cpu = [](const KernelContext& ctx) {
    const Tensor& w = ctx.inputs[0];
    double l2 = ctx.attrs().get_float("l2", 0.01);
    dispatch_float(w.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* p = w.data<T>();
      double sum = 0;
      for (int64_t i = 0; i < w.numel(); ++i) sum += static_cast<double>(p[i]) * p[i];
      *ctx.outputs[0].data<T>() = static_cast<T>(l2 * sum);
    });
  };
  fwd.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    return std::vector<ValueId>{gb.emit("l2_penalty_grad", {grads[0], node.inputs[0]}, node.attrs)};
  };
  register_op(std::move(fwd));

  OpDef bwd;
  bwd.name = "l2_penalty_grad";
  bwd.min_inputs = bwd.max_inputs = 2;
  bwd.attrs = {{"l2", AttrType::Float}};
  bwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require(ctx.shape(0).empty(), "the upstream gradient must be a scalar");
    ctx.require_same_dtype(0, 2);
    return {{ctx.shape(1), ctx.dtype(1)}};
  };
  bwd.cpu = [](const KernelContext& ctx) {
    const Tensor& w = ctx.inputs[1];
    dispatch_float(w.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T k = static_cast<T>(2 * ctx.attrs().get_float("l2", 0.01)) * *ctx.inputs[0].data<T>();
      const T* p = w.data<T>();
      T* d = ctx.outputs[0].data<T>();
      parallel_for(w.numel(), 1 << 15, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) d[i] = k * p[i];
      });
    });
  };
  register_op(std::move(bwd));
}

}  // namespace dagnet
