// Keras 3's Lion, Ftrl, Lamb and Adafactor as fused in-place updates (formulas in
// ops/optimizer_more_math.h; every one takes attr weight_decay (0), applied first as
// param -= param * weight_decay * lr, and a float64 scalar learning rate):
//   lion_update(param, grad, learning_rate, m)   attrs beta_1 (0.9), beta_2 (0.99):
//     param -= lr sign(beta_1 m + (1 - beta_1) g); m = beta_2 m + (1 - beta_2) g
//   ftrl_update(param, grad, learning_rate, accumulator, linear)
//     attrs learning_rate_power (-0.5), l1_regularization_strength, l2_regularization_strength,
//     l2_shrinkage_regularization_strength, beta (all 0): with p = -learning_rate_power,
//     n' = n + g^2; linear += g + 2 l2_shrinkage param - (n'^p - n^p) / lr param;
//     param = (clip(linear, -l1, l1) - linear) / (n'^p / lr + 2 (l2 + beta / (2 lr))); n = n'
//   lamb_update(param, grad, learning_rate, iterations, m, v)   attrs beta_1, beta_2, epsilon:
//     Adam's moments; u = (m / (1 - beta_1^t)) / (sqrt(v / (1 - beta_2^t)) + epsilon);
//     param -= lr (||param|| / ||u||, or 1 when either is 0) u
//   adafactor_update(param, grad, learning_rate, iterations, [r, c,] v)
//     attrs beta_2_decay (-0.8), epsilon_1 (1e-30), epsilon_2 (1e-3), clip_threshold (1):
//     r (param's shape without the last axis) and c (without the second last) exactly when
//     the parameter has rank >= 2; see adafactor_coefs for the formula.
#include "cpu/optimizers_more.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/optimizer_more_workspace.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
void require_update_inputs(const InferContext& ctx, size_t first_slot, size_t last_slot) {
  ctx.require_float(0);
  ctx.require(shapes_compatible(ctx.shape(0), ctx.shape(1)) && ctx.dtype(1) == ctx.dtype(0),
              "the gradient must match the parameter's shape and dtype");
  ctx.require(ctx.shape(2).empty() && ctx.dtype(2) == DType::f64, "the learning rate must be a float64 scalar");
  for (size_t i = first_slot; i < last_slot; ++i)
    ctx.require(shapes_compatible(ctx.shape(i), ctx.shape(0)) && ctx.dtype(i) == ctx.dtype(0), "optimizer slot ", i,
                " must match the parameter");
}
void require_iterations(const InferContext& ctx) {
  ctx.require(ctx.shape(3).empty() && ctx.dtype(3) == DType::i64, "iterations must be an int64 scalar");
}
std::shared_ptr<const void> more_hyper(const Attrs& a, double default_beta_2) {
  return prepared_state(OptimizerMoreHyper{
      a.get_float("beta_1", 0.9), a.get_float("beta_2", default_beta_2), a.get_float("epsilon", 1e-7),
      a.get_float("weight_decay", 0.0), a.get_float("learning_rate_power", -0.5),
      a.get_float("l1_regularization_strength", 0.0), a.get_float("l2_regularization_strength", 0.0),
      a.get_float("l2_shrinkage_regularization_strength", 0.0), a.get_float("beta", 0.0),
      a.get_float("beta_2_decay", -0.8), a.get_float("epsilon_1", 1e-30), a.get_float("epsilon_2", 1e-3),
      a.get_float("clip_threshold", 1.0)});
}
// Keras's beta_2 default is 0.99 for Lion and 0.999 for Lamb.
PrepareRule prepare_more_hyper(double default_beta_2) {
  return [default_beta_2](const PrepareContext& ctx) { return more_hyper(ctx.attrs(), default_beta_2); };
}
}  // namespace

void register_more_optimizer_ops() {
  OpDef lion;
  lion.name = "lion_update";
  lion.min_inputs = lion.max_inputs = 4;
  lion.attrs = {{"beta_1", AttrType::Float}, {"beta_2", AttrType::Float}, {"weight_decay", AttrType::Float}};
  lion.mutates = {0, 3};
  lion.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_update_inputs(ctx, 3, 4);
    return {};
  };
  lion.prepare = prepare_more_hyper(0.99);
  lion.cpu = [](const KernelContext& ctx) {
    const OptimizerMoreHyper& h = ctx.prepared<OptimizerMoreHyper>();
    const Tensor& p = ctx.inputs[0];
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::lion_update<T>(p.data<T>(), ctx.inputs[1].data<T>(), ctx.inputs[3].data<T>(), p.numel(),
                          *ctx.inputs[2].data<double>(), h);
    });
  };
  register_op(std::move(lion));

  OpDef ftrl;
  ftrl.name = "ftrl_update";
  ftrl.min_inputs = ftrl.max_inputs = 5;
  ftrl.attrs = {{"learning_rate_power", AttrType::Float},
                {"l1_regularization_strength", AttrType::Float},
                {"l2_regularization_strength", AttrType::Float},
                {"l2_shrinkage_regularization_strength", AttrType::Float},
                {"beta", AttrType::Float},
                {"weight_decay", AttrType::Float}};
  ftrl.mutates = {0, 3, 4};
  ftrl.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_update_inputs(ctx, 3, 5);
    return {};
  };
  ftrl.prepare = prepare_more_hyper(0.999);
  ftrl.cpu = [](const KernelContext& ctx) {
    const OptimizerMoreHyper& h = ctx.prepared<OptimizerMoreHyper>();
    const Tensor& p = ctx.inputs[0];
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::ftrl_update<T>(p.data<T>(), ctx.inputs[1].data<T>(), ctx.inputs[3].data<T>(), ctx.inputs[4].data<T>(),
                          p.numel(), *ctx.inputs[2].data<double>(), h);
    });
  };
  register_op(std::move(ftrl));

  OpDef lamb;
  lamb.name = "lamb_update";
  lamb.min_inputs = lamb.max_inputs = 6;
  lamb.attrs = {{"beta_1", AttrType::Float},
                {"beta_2", AttrType::Float},
                {"epsilon", AttrType::Float},
                {"weight_decay", AttrType::Float}};
  lamb.mutates = {0, 4, 5};
  lamb.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_update_inputs(ctx, 4, 6);
    require_iterations(ctx);
    return {};
  };
  lamb.prepare = prepare_more_hyper(0.999);
  // The CUDA kernels' per-block partial sums (the CPU loop keeps its own).
  lamb.workspace = [](const std::vector<TensorSpec>&, const std::vector<TensorSpec>&, const Attrs&) {
    return optimizer_more_workspace_bytes(0);
  };
  lamb.cpu = [](const KernelContext& ctx) {
    const OptimizerMoreHyper& h = ctx.prepared<OptimizerMoreHyper>();
    const Tensor& p = ctx.inputs[0];
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::lamb_update<T>(p.data<T>(), ctx.inputs[1].data<T>(), ctx.inputs[4].data<T>(), ctx.inputs[5].data<T>(),
                          p.numel(), *ctx.inputs[2].data<double>(), *ctx.inputs[3].data<int64_t>(), h);
    });
  };
  register_op(std::move(lamb));

  OpDef adafactor;
  adafactor.name = "adafactor_update";
  adafactor.min_inputs = 5;
  adafactor.max_inputs = 7;
  adafactor.attrs = {{"beta_2_decay", AttrType::Float},
                     {"epsilon_1", AttrType::Float},
                     {"epsilon_2", AttrType::Float},
                     {"clip_threshold", AttrType::Float},
                     {"weight_decay", AttrType::Float}};
  adafactor.mutates = {0, 4, 5, 6};
  adafactor.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    const Shape& shape = ctx.shape(0);
    const bool factored = shape.size() >= 2;
    ctx.require(ctx.num_inputs() == (factored ? 7u : 5u),
                "adafactor_update takes the factored moments r and c exactly when the parameter has rank >= 2");
    require_update_inputs(ctx, ctx.num_inputs() - 1, ctx.num_inputs());
    require_iterations(ctx);
    if (factored) {
      const Shape rows(shape.begin(), shape.end() - 1);
      Shape cols(shape.begin(), shape.end() - 2);
      cols.push_back(shape.back());
      ctx.require(shapes_compatible(ctx.shape(4), rows) && ctx.dtype(4) == ctx.dtype(0),
                  "r must have the parameter's shape without its last axis, and its dtype");
      ctx.require(shapes_compatible(ctx.shape(5), cols) && ctx.dtype(5) == ctx.dtype(0),
                  "c must have the parameter's shape without its second last axis, and its dtype");
    }
    return {};
  };
  adafactor.prepare = prepare_more_hyper(0.999);
  adafactor.workspace = [](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs&) {
    return optimizer_more_workspace_bytes(in[0].shape.size() >= 2 ? adafactor_layout(in[0].shape).batches : 0);
  };
  adafactor.cpu = [](const KernelContext& ctx) {
    const OptimizerMoreHyper& h = ctx.prepared<OptimizerMoreHyper>();
    const Tensor& p = ctx.inputs[0];
    const AdafactorLayout layout = adafactor_layout(p.shape());
    const bool factored = ctx.inputs.size() == 7;
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::adafactor_update<T>(p.data<T>(), ctx.inputs[1].data<T>(), factored ? ctx.inputs[4].data<T>() : nullptr,
                               factored ? ctx.inputs[5].data<T>() : nullptr, ctx.inputs.back().data<T>(),
                               layout.batches, layout.rows, layout.cols, *ctx.inputs[2].data<double>(),
                               *ctx.inputs[3].data<int64_t>(), h);
    });
  };
  register_op(std::move(adafactor));
}

}  // namespace dagnet
