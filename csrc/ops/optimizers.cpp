// Fused optimizer updates, in place, Keras 3 formulas and defaults:
//   sgd_update(param, grad, learning_rate[, velocity])   attrs momentum (0), nesterov (0/1):
//     plain p -= lr g; with momentum v = momentum v - lr g, p += v (nesterov: p += momentum v - lr g);
//     the velocity input is present exactly when momentum > 0
//   adam_update(param, grad, learning_rate, iterations, m, v[, v_hat])
//     attrs beta_1 (0.9), beta_2 (0.999), epsilon (1e-7), amsgrad (0/1):
//     t = iterations + 1; alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)
//     m += (g - m)(1 - beta_1); v += (g^2 - v)(1 - beta_2); [v_hat = max(v_hat, v); v = v_hat]
//     param -= alpha m / (sqrt(v) + epsilon)
//   rmsprop_update(param, grad, learning_rate, velocity[, momentum][, average_gradient])
//     attrs rho (0.9), momentum (0.0), epsilon (1e-7), centered (0/1):
//     velocity = rho velocity + (1 - rho) g^2; increment = lr g / sqrt(velocity + epsilon)
//     centered: average_gradient = rho avg + (1 - rho) g; the denominator is
//     sqrt(velocity - average_gradient^2 + epsilon)
//     with momentum: buf = momentum buf + increment; param -= buf; else param -= increment
//   adagrad_update(param, grad, learning_rate, accumulator)   attrs epsilon (1e-7):
//     accumulator += g^2; param -= lr g / sqrt(accumulator + epsilon)   (the accumulator
//     starts at initial_accumulator_value, 0.1)
//   adadelta_update(param, grad, learning_rate, accumulated_grad, accumulated_delta_var)
//     attrs rho (0.95), epsilon (1e-7): acc_g = rho acc_g + (1 - rho) g^2;
//     delta = -sqrt(acc_d + epsilon) g / sqrt(acc_g + epsilon); acc_d = rho acc_d + (1 - rho) delta^2;
//     param += lr delta
//   adamax_update(param, grad, learning_rate, iterations, m, u)
//     attrs beta_1 (0.9), beta_2 (0.999), epsilon (1e-7): m += (g - m)(1 - beta_1);
//     u = max(beta_2 u, |g|); param -= lr m / ((1 - beta_1^t)(u + epsilon))
//   nadam_update(param, grad, learning_rate, iterations, u_product, m, v)
//     attrs beta_1, beta_2, epsilon: u_t = beta_1 (1 - 0.5 * 0.96^t), u_product (float64
//     scalar) = u_1 ... u_t, kept by the Trainer; m, v as Adam;
//     m_hat = u_{t+1} m / (1 - u_product u_{t+1}) + (1 - u_t) g / (1 - u_product);
//     param -= lr m_hat / (sqrt(v / (1 - beta_2^t)) + epsilon)
//   nadam_schedule(u_product, iterations) attr beta_1 -> u_product * u_t, t = iterations + 1:
//     the advanced product the nadam updates of a step read (the Trainer assigns it back)
//   increment_counter(iterations): +1 on the int64 step counter, ordered after every
//     update that reads it (the scheduler runs in-place writers after other readers).
// All take attr weight_decay (0): Keras 3 first applies param -= param * weight_decay * lr.
// learning_rate is a float64 scalar parameter, so schedules change it without replanning.
#include <cmath>

#include "cpu/optimizers.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/optimizer_hyper.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
void require_update_inputs(const InferContext& ctx, size_t first_slot) {
  ctx.require_float(0);
  ctx.require(shapes_compatible(ctx.shape(0), ctx.shape(1)) && ctx.dtype(1) == ctx.dtype(0),
              "the gradient must match the parameter's shape and dtype");
  ctx.require(ctx.shape(2).empty() && ctx.dtype(2) == DType::f64, "the learning rate must be a float64 scalar");
  for (size_t i = first_slot; i < ctx.num_inputs(); ++i)
    ctx.require(shapes_compatible(ctx.shape(i), ctx.shape(0)) && ctx.dtype(i) == ctx.dtype(0), "optimizer slot ", i,
                " must match the parameter");
}
PrepareRule prepare_hyper(double default_rho) {
  return [default_rho](const PrepareContext& ctx) {
    const Attrs& a = ctx.attrs();
    return prepared_state(
        OptimizerHyper{a.get_float("momentum", 0.0), a.get_float("beta_1", 0.9), a.get_float("beta_2", 0.999),
                       a.get_float("epsilon", 1e-7), a.get_float("rho", default_rho), a.get_float("weight_decay", 0.0),
                       a.get_int("nesterov", 0) != 0, a.get_int("amsgrad", 0) != 0, a.get_int("centered", 0) != 0});
  };
}
}  // namespace

void register_optimizer_ops() {
  OpDef sgd;
  sgd.name = "sgd_update";
  sgd.min_inputs = 3;
  sgd.max_inputs = 4;
  sgd.attrs = {{"momentum", AttrType::Float}, {"nesterov", AttrType::Int}, {"weight_decay", AttrType::Float}};
  sgd.mutates = {0, 3};
  sgd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, 2);
    ctx.require(shapes_compatible(ctx.shape(0), ctx.shape(1)), "the gradient's shape differs from the parameter's");
    ctx.require(ctx.shape(2).empty() && ctx.dtype(2) == DType::f64, "the learning rate must be a float64 scalar");
    if (ctx.num_inputs() == 4)
      ctx.require(shapes_compatible(ctx.shape(3), ctx.shape(0)) && ctx.dtype(3) == ctx.dtype(0),
                  "the velocity must match the parameter");
    ctx.require((ctx.attrs().get_float("momentum", 0.0) > 0) == (ctx.num_inputs() == 4),
                "momentum > 0 needs a velocity input, and only then");
    return {};
  };
  sgd.prepare = prepare_hyper(0.9);
  sgd.cpu = [](const KernelContext& ctx) {
    const OptimizerHyper& h = ctx.prepared<OptimizerHyper>();
    const Tensor& p = ctx.inputs[0];
    double lr = *ctx.inputs[2].data<double>();
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* velocity = ctx.inputs.size() == 4 ? ctx.inputs[3].data<T>() : nullptr;
      cpu::sgd_update<T>(p.data<T>(), ctx.inputs[1].data<T>(), velocity, p.numel(), lr, h.momentum, h.nesterov,
                         h.weight_decay);
    });
  };
  register_op(std::move(sgd));

  OpDef adam;
  adam.name = "adam_update";
  adam.min_inputs = 6;
  adam.max_inputs = 7;
  adam.attrs = {{"beta_1", AttrType::Float},
                {"beta_2", AttrType::Float},
                {"epsilon", AttrType::Float},
                {"amsgrad", AttrType::Int},
                {"weight_decay", AttrType::Float}};
  adam.mutates = {0, 4, 5, 6};
  adam.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_update_inputs(ctx, 4);
    ctx.require(ctx.shape(3).empty() && ctx.dtype(3) == DType::i64, "iterations must be an int64 scalar");
    ctx.require((ctx.attrs().get_int("amsgrad", 0) != 0) == (ctx.num_inputs() == 7),
                "amsgrad needs a v_hat input, and only then");
    return {};
  };
  adam.prepare = prepare_hyper(0.9);
  adam.cpu = [](const KernelContext& ctx) {
    const OptimizerHyper& h = ctx.prepared<OptimizerHyper>();
    const Tensor& p = ctx.inputs[0];
    double lr = *ctx.inputs[2].data<double>();
    int64_t step = *ctx.inputs[3].data<int64_t>();
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* v_hat = ctx.inputs.size() == 7 ? ctx.inputs[6].data<T>() : nullptr;
      cpu::adam_update<T>(p.data<T>(), ctx.inputs[1].data<T>(), ctx.inputs[4].data<T>(), ctx.inputs[5].data<T>(), v_hat,
                          p.numel(), lr, step, h.beta_1, h.beta_2, h.epsilon, h.weight_decay);
    });
  };
  register_op(std::move(adam));

  OpDef rms;
  rms.name = "rmsprop_update";
  rms.min_inputs = 4;
  rms.max_inputs = 6;
  rms.attrs = {{"rho", AttrType::Float},
               {"momentum", AttrType::Float},
               {"epsilon", AttrType::Float},
               {"centered", AttrType::Int},
               {"weight_decay", AttrType::Float}};
  rms.mutates = {0, 3, 4, 5};
  rms.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_update_inputs(ctx, 3);
    size_t expected =
        4 + (ctx.attrs().get_float("momentum", 0.0) > 0 ? 1 : 0) + (ctx.attrs().get_int("centered", 0) != 0 ? 1 : 0);
    ctx.require(ctx.num_inputs() == expected,
                "rmsprop_update takes a momentum buffer when momentum > 0 and an average-gradient buffer when "
                "centered, and only then");
    return {};
  };
  rms.prepare = prepare_hyper(0.9);
  rms.cpu = [](const KernelContext& ctx) {
    const OptimizerHyper& h = ctx.prepared<OptimizerHyper>();
    const Tensor& p = ctx.inputs[0];
    double lr = *ctx.inputs[2].data<double>();
    const bool has_momentum = h.momentum > 0;
    const bool centered = h.centered;
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* buffer = has_momentum ? ctx.inputs[4].data<T>() : nullptr;
      T* average = centered ? ctx.inputs[has_momentum ? 5 : 4].data<T>() : nullptr;
      cpu::rmsprop_update<T>(p.data<T>(), ctx.inputs[1].data<T>(), ctx.inputs[3].data<T>(), buffer, average, p.numel(),
                             lr, h.rho, h.momentum, h.epsilon, h.weight_decay);
    });
  };
  register_op(std::move(rms));

  OpDef adagrad;
  adagrad.name = "adagrad_update";
  adagrad.min_inputs = adagrad.max_inputs = 4;
  adagrad.attrs = {{"epsilon", AttrType::Float}, {"weight_decay", AttrType::Float}};
  adagrad.mutates = {0, 3};
  adagrad.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_update_inputs(ctx, 3);
    return {};
  };
  adagrad.prepare = prepare_hyper(0.9);
  adagrad.cpu = [](const KernelContext& ctx) {
    const OptimizerHyper& h = ctx.prepared<OptimizerHyper>();
    const Tensor& p = ctx.inputs[0];
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::adagrad_update<T>(p.data<T>(), ctx.inputs[1].data<T>(), ctx.inputs[3].data<T>(), p.numel(),
                             *ctx.inputs[2].data<double>(), h.epsilon, h.weight_decay);
    });
  };
  register_op(std::move(adagrad));

  OpDef adadelta;
  adadelta.name = "adadelta_update";
  adadelta.min_inputs = adadelta.max_inputs = 5;
  adadelta.attrs = {{"rho", AttrType::Float}, {"epsilon", AttrType::Float}, {"weight_decay", AttrType::Float}};
  adadelta.mutates = {0, 3, 4};
  adadelta.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_update_inputs(ctx, 3);
    return {};
  };
  adadelta.prepare = prepare_hyper(0.95);
  adadelta.cpu = [](const KernelContext& ctx) {
    const OptimizerHyper& h = ctx.prepared<OptimizerHyper>();
    const Tensor& p = ctx.inputs[0];
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::adadelta_update<T>(p.data<T>(), ctx.inputs[1].data<T>(), ctx.inputs[3].data<T>(), ctx.inputs[4].data<T>(),
                              p.numel(), *ctx.inputs[2].data<double>(), h.rho, h.epsilon, h.weight_decay);
    });
  };
  register_op(std::move(adadelta));

  OpDef adamax;
  adamax.name = "adamax_update";
  adamax.min_inputs = adamax.max_inputs = 6;
  adamax.attrs = {{"beta_1", AttrType::Float},
                  {"beta_2", AttrType::Float},
                  {"epsilon", AttrType::Float},
                  {"weight_decay", AttrType::Float}};
  adamax.mutates = {0, 4, 5};
  adamax.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_update_inputs(ctx, 4);
    ctx.require(ctx.shape(3).empty() && ctx.dtype(3) == DType::i64, "iterations must be an int64 scalar");
    return {};
  };
  adamax.prepare = prepare_hyper(0.9);
  adamax.cpu = [](const KernelContext& ctx) {
    const OptimizerHyper& h = ctx.prepared<OptimizerHyper>();
    const Tensor& p = ctx.inputs[0];
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::adamax_update<T>(p.data<T>(), ctx.inputs[1].data<T>(), ctx.inputs[4].data<T>(), ctx.inputs[5].data<T>(),
                            p.numel(), *ctx.inputs[2].data<double>(), *ctx.inputs[3].data<int64_t>(), h.beta_1,
                            h.beta_2, h.epsilon, h.weight_decay);
    });
  };
  register_op(std::move(adamax));

  OpDef nadam;
  nadam.name = "nadam_update";
  nadam.min_inputs = nadam.max_inputs = 7;
  nadam.attrs = {{"beta_1", AttrType::Float},
                 {"beta_2", AttrType::Float},
                 {"epsilon", AttrType::Float},
                 {"weight_decay", AttrType::Float}};
  nadam.mutates = {0, 5, 6};
  nadam.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_update_inputs(ctx, 5);
    ctx.require(ctx.shape(3).empty() && ctx.dtype(3) == DType::i64, "iterations must be an int64 scalar");
    ctx.require(ctx.shape(4).empty() && ctx.dtype(4) == DType::f64, "u_product must be a float64 scalar");
    return {};
  };
  nadam.prepare = prepare_hyper(0.9);
  nadam.cpu = [](const KernelContext& ctx) {
    const OptimizerHyper& h = ctx.prepared<OptimizerHyper>();
    const Tensor& p = ctx.inputs[0];
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::nadam_update<T>(p.data<T>(), ctx.inputs[1].data<T>(), ctx.inputs[5].data<T>(), ctx.inputs[6].data<T>(),
                           p.numel(), *ctx.inputs[2].data<double>(), *ctx.inputs[3].data<int64_t>(),
                           *ctx.inputs[4].data<double>(), h.beta_1, h.beta_2, h.epsilon, h.weight_decay);
    });
  };
  register_op(std::move(nadam));

  OpDef schedule;
  schedule.name = "nadam_schedule";
  schedule.min_inputs = schedule.max_inputs = 2;
  schedule.attrs = {{"beta_1", AttrType::Float}};
  schedule.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require(ctx.shape(0).empty() && ctx.dtype(0) == DType::f64, "u_product must be a float64 scalar");
    ctx.require(ctx.shape(1).empty() && ctx.dtype(1) == DType::i64, "iterations must be an int64 scalar");
    return {{{}, DType::f64}};
  };
  schedule.prepare = [](const PrepareContext& ctx) { return prepared_state(ctx.attrs().get_float("beta_1", 0.9)); };
  schedule.cpu = [](const KernelContext& ctx) {
    const double beta_1 = ctx.prepared<double>();
    const double t = static_cast<double>(*ctx.inputs[1].data<int64_t>() + 1);
    *ctx.outputs[0].data<double>() = *ctx.inputs[0].data<double>() * beta_1 * (1.0 - 0.5 * std::pow(0.96, t));
  };
  register_op(std::move(schedule));

  OpDef counter;
  counter.name = "increment_counter";
  counter.mutates = {0};
  counter.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require(ctx.shape(0).empty() && ctx.dtype(0) == DType::i64, "the counter must be an int64 scalar");
    return {};
  };
  counter.cpu = [](const KernelContext& ctx) { ++*ctx.inputs[0].data<int64_t>(); };
  register_op(std::move(counter));
}

}  // namespace dagnet
