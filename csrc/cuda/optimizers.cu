// CUDA kernels of the fused optimizer updates: one thread per element, in place, with the
// per-element formulas of ops/optimizer_math.h (the CPU loops call the same functions).
// The learning rate, iteration counter and Nadam's u_product are device scalars that each
// thread reads, so schedules and the step count change nothing in a captured graph.
#include "cuda/optimizer_launch.cuh"
#include "cuda/window_support.cuh"
#include "ops/dispatch.h"
#include "ops/optimizer_hyper.h"
#include "ops/optimizer_math.h"

namespace dagnet::cuda {

namespace {
template <typename T>
__global__ void sgd_kernel(T* param, const T* grad, T* velocity, int64_t n, const double* lr_d, T momentum,
                           bool nesterov, T wd, bool decay) {
  const T lr = static_cast<T>(*lr_d);
  DAGNET_CUDA_FOR(i, n) {
    if (decay) decay_weight(param[i], wd, lr);
    if (velocity) {
      sgd_momentum_step(param[i], grad[i], velocity[i], momentum, lr, nesterov);
    } else {
      param[i] -= lr * grad[i];
    }
  }
}

template <typename T>
__global__ void adam_kernel(T* param, const T* grad, T* m, T* v, T* v_hat, int64_t n, const double* lr,
                            const int64_t* step, OptimizerHyper h) {
  const AdamCoefs<T> c = adam_coefs<T>(*lr, *step, h.beta_1, h.beta_2, h.epsilon, h.weight_decay);
  DAGNET_CUDA_FOR(i, n) {
    if (h.weight_decay != 0) decay_weight(param[i], c.wd, c.lr);
    adam_step(c, param[i], grad[i], m[i], v[i], v_hat ? v_hat + i : nullptr);
  }
}

template <typename T>
__global__ void rmsprop_kernel(T* param, const T* grad, T* velocity, T* buffer, T* average, int64_t n, const double* lr,
                               OptimizerHyper h) {
  const RmspropCoefs<T> c{static_cast<T>(*lr), static_cast<T>(h.rho), static_cast<T>(h.momentum),
                          static_cast<T>(h.epsilon), static_cast<T>(h.weight_decay)};
  DAGNET_CUDA_FOR(i, n) {
    if (h.weight_decay != 0) decay_weight(param[i], c.wd, c.lr);
    rmsprop_step(c, param[i], grad[i], velocity[i], buffer ? buffer + i : nullptr, average ? average + i : nullptr);
  }
}

template <typename T>
__global__ void adagrad_kernel(T* param, const T* grad, T* accumulator, int64_t n, const double* lr_d,
                               OptimizerHyper h) {
  const T lr = static_cast<T>(*lr_d), eps = static_cast<T>(h.epsilon), wd = static_cast<T>(h.weight_decay);
  DAGNET_CUDA_FOR(i, n) {
    if (h.weight_decay != 0) decay_weight(param[i], wd, lr);
    adagrad_step(lr, eps, param[i], grad[i], accumulator[i]);
  }
}

template <typename T>
__global__ void adadelta_kernel(T* param, const T* grad, T* acc_grad, T* acc_delta, int64_t n, const double* lr,
                                OptimizerHyper h) {
  const AdadeltaCoefs<T> c{static_cast<T>(*lr), static_cast<T>(h.rho), static_cast<T>(1 - h.rho),
                           static_cast<T>(h.epsilon)};
  const T wd = static_cast<T>(h.weight_decay);
  DAGNET_CUDA_FOR(i, n) {
    if (h.weight_decay != 0) decay_weight(param[i], wd, c.lr);
    adadelta_step(c, param[i], grad[i], acc_grad[i], acc_delta[i]);
  }
}

template <typename T>
__global__ void adamax_kernel(T* param, const T* grad, T* m, T* u, int64_t n, const double* lr, const int64_t* step,
                              OptimizerHyper h) {
  const AdamaxCoefs<T> c = adamax_coefs<T>(*lr, *step, h.beta_1, h.beta_2, h.epsilon);
  const T wd = static_cast<T>(h.weight_decay);
  DAGNET_CUDA_FOR(i, n) {
    if (h.weight_decay != 0) decay_weight(param[i], wd, c.lr);
    adamax_step(c, param[i], grad[i], m[i], u[i]);
  }
}

template <typename T>
__global__ void nadam_kernel(T* param, const T* grad, T* m, T* v, int64_t n, const double* lr, const int64_t* step,
                             const double* u_product, OptimizerHyper h) {
  const NadamCoefs<T> c = nadam_coefs<T>(*lr, *step, *u_product, h.beta_1, h.beta_2, h.epsilon);
  const T wd = static_cast<T>(h.weight_decay);
  DAGNET_CUDA_FOR(i, n) {
    if (h.weight_decay != 0) decay_weight(param[i], wd, c.lr);
    nadam_step(c, param[i], grad[i], m[i], v[i]);
  }
}

}  // namespace

void register_optimizer_cuda_kernels() {
  register_kernel("sgd_update", DeviceType::CUDA, [](const KernelContext& ctx) {
    const OptimizerHyper& h = ctx.prepared<OptimizerHyper>();
    run_update(ctx, "sgd_update", [&](auto tag, unsigned grid, int64_t n) {
      using T = decltype(tag);
      sgd_kernel<T><<<grid, kThreads, 0, stream(ctx)>>>(slot<T>(ctx, 0), slot<T>(ctx, 1), slot<T>(ctx, 3), n,
                                                        lr_of(ctx), static_cast<T>(h.momentum), h.nesterov,
                                                        static_cast<T>(h.weight_decay), h.weight_decay != 0);
    });
  });
  register_kernel("adam_update", DeviceType::CUDA, [](const KernelContext& ctx) {
    const OptimizerHyper& h = ctx.prepared<OptimizerHyper>();
    run_update(ctx, "adam_update", [&](auto tag, unsigned grid, int64_t n) {
      using T = decltype(tag);
      adam_kernel<T><<<grid, kThreads, 0, stream(ctx)>>>(slot<T>(ctx, 0), slot<T>(ctx, 1), slot<T>(ctx, 4),
                                                         slot<T>(ctx, 5), slot<T>(ctx, 6), n, lr_of(ctx), step_of(ctx),
                                                         h);
    });
  });
  register_kernel("rmsprop_update", DeviceType::CUDA, [](const KernelContext& ctx) {
    const OptimizerHyper& h = ctx.prepared<OptimizerHyper>();
    const bool has_momentum = h.momentum > 0;
    run_update(ctx, "rmsprop_update", [&](auto tag, unsigned grid, int64_t n) {
      using T = decltype(tag);
      T* buffer = has_momentum ? slot<T>(ctx, 4) : nullptr;
      T* average = h.centered ? slot<T>(ctx, has_momentum ? 5 : 4) : nullptr;
      rmsprop_kernel<T><<<grid, kThreads, 0, stream(ctx)>>>(slot<T>(ctx, 0), slot<T>(ctx, 1), slot<T>(ctx, 3), buffer,
                                                            average, n, lr_of(ctx), h);
    });
  });
  register_kernel("adagrad_update", DeviceType::CUDA, [](const KernelContext& ctx) {
    const OptimizerHyper& h = ctx.prepared<OptimizerHyper>();
    run_update(ctx, "adagrad_update", [&](auto tag, unsigned grid, int64_t n) {
      using T = decltype(tag);
      adagrad_kernel<T>
          <<<grid, kThreads, 0, stream(ctx)>>>(slot<T>(ctx, 0), slot<T>(ctx, 1), slot<T>(ctx, 3), n, lr_of(ctx), h);
    });
  });
  register_kernel("adadelta_update", DeviceType::CUDA, [](const KernelContext& ctx) {
    const OptimizerHyper& h = ctx.prepared<OptimizerHyper>();
    run_update(ctx, "adadelta_update", [&](auto tag, unsigned grid, int64_t n) {
      using T = decltype(tag);
      adadelta_kernel<T><<<grid, kThreads, 0, stream(ctx)>>>(slot<T>(ctx, 0), slot<T>(ctx, 1), slot<T>(ctx, 3),
                                                             slot<T>(ctx, 4), n, lr_of(ctx), h);
    });
  });
  register_kernel("adamax_update", DeviceType::CUDA, [](const KernelContext& ctx) {
    const OptimizerHyper& h = ctx.prepared<OptimizerHyper>();
    run_update(ctx, "adamax_update", [&](auto tag, unsigned grid, int64_t n) {
      using T = decltype(tag);
      adamax_kernel<T><<<grid, kThreads, 0, stream(ctx)>>>(slot<T>(ctx, 0), slot<T>(ctx, 1), slot<T>(ctx, 4),
                                                           slot<T>(ctx, 5), n, lr_of(ctx), step_of(ctx), h);
    });
  });
  register_kernel("nadam_update", DeviceType::CUDA, [](const KernelContext& ctx) {
    const OptimizerHyper& h = ctx.prepared<OptimizerHyper>();
    run_update(ctx, "nadam_update", [&](auto tag, unsigned grid, int64_t n) {
      using T = decltype(tag);
      nadam_kernel<T><<<grid, kThreads, 0, stream(ctx)>>>(slot<T>(ctx, 0), slot<T>(ctx, 1), slot<T>(ctx, 5),
                                                          slot<T>(ctx, 6), n, lr_of(ctx), step_of(ctx),
                                                          ctx.inputs[4].data<double>(), h);
    });
  });
}

}  // namespace dagnet::cuda
