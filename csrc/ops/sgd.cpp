// sgd_update(param, grad, learning_rate[, velocity]): Keras SGD, in place on param and
// velocity. Attributes: momentum, nesterov, weight_decay (Keras 3: p -= p * wd * lr first). No outputs: it runs for its effect.
#include "cpu/sgd.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

void register_sgd_ops() {
  OpDef op;
  op.name = "sgd_update";
  op.min_inputs = 3;
  op.max_inputs = 4;
  op.attrs = {{"momentum", AttrType::Float}, {"nesterov", AttrType::Int}, {"weight_decay", AttrType::Float}};
  op.mutates = {0, 3};
  op.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, 2);
    ctx.require(ctx.shape(0) == ctx.shape(1), "the gradient's shape differs from the parameter's");
    ctx.require(ctx.shape(2).empty() && ctx.dtype(2) == DType::f64, "the learning rate must be a float64 scalar");
    if (ctx.num_inputs() == 4)
      ctx.require(ctx.shape(3) == ctx.shape(0) && ctx.dtype(3) == ctx.dtype(0),
                  "the velocity must match the parameter");
    ctx.require((ctx.attrs().get_float("momentum", 0.0) > 0) == (ctx.num_inputs() == 4),
                "momentum > 0 needs a velocity input, and only then");
    return {};
  };
  op.cpu = [](const KernelContext& ctx) {
    const Tensor& p = ctx.inputs[0];
    double lr = *ctx.inputs[2].data<double>();
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* velocity = ctx.inputs.size() == 4 ? ctx.inputs[3].data<T>() : nullptr;
      cpu::sgd_update<T>(p.data<T>(), ctx.inputs[1].data<T>(), velocity, p.numel(), lr,
                         ctx.attrs().get_float("momentum", 0.0), ctx.attrs().get_int("nesterov", 0) != 0,
                         ctx.attrs().get_float("weight_decay", 0.0));
    });
  };
  register_op(std::move(op));
}

}  // namespace dagnet
