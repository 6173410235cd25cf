// CUDA kernels of Keras 3's Lion, Ftrl, Lamb and Adafactor updates, with the per-element
// formulas of ops/optimizer_more_math.h (the CPU loops call the same functions). Lion and
// Ftrl are one thread per element. Lamb and Adafactor need sums over the whole variable:
// a first kernel leaves one partial sum per block (a fixed kPartials blocks, so the sums
// are the same from run to run) in the workspace, and every block of the next kernel adds
// those partials in the same order before it moves its elements.
#include "cuda/block_reduce.cuh"
#include "cuda/kernel_support.cuh"
#include "cuda/optimizer_launch.cuh"
#include "ops/dispatch.h"
#include "ops/optimizer_more_math.h"
#include "ops/optimizer_more_workspace.h"

namespace dagnet::cuda {

namespace {
constexpr unsigned kPartials = kOptimizerPartials;

template <typename T>
__global__ void lion_kernel(T* param, const T* grad, T* m, int64_t n, const double* lr_d, OptimizerMoreHyper h) {
  const T lr = static_cast<T>(*lr_d), b1 = static_cast<T>(h.beta_1), b2 = static_cast<T>(h.beta_2),
          wd = static_cast<T>(h.weight_decay);
  DAGNET_CUDA_FOR(i, n) {
    if (h.weight_decay != 0) decay_weight(param[i], wd, lr);
    lion_step(lr, b1, b2, param[i], grad[i], m[i]);
  }
}

template <typename T>
__global__ void ftrl_kernel(T* param, const T* grad, T* accumulator, T* linear, int64_t n, const double* lr,
                            OptimizerMoreHyper h) {
  const FtrlCoefs<T> c = ftrl_coefs<T>(*lr, h);
  const T wd = static_cast<T>(h.weight_decay);
  DAGNET_CUDA_FOR(i, n) {
    if (h.weight_decay != 0) decay_weight(param[i], wd, c.lr);
    ftrl_step(c, param[i], grad[i], accumulator[i], linear[i]);
  }
}

// Every block's sum of partials[0, count) (count <= blockDim.x), added in one fixed order.
__device__ inline double sum_partials(const double* partials, unsigned count, double* scratch) {
  return block_sum(threadIdx.x < count ? partials[threadIdx.x] : 0.0, scratch);
}

// Lamb, first sweep: decay, moments, and per-block sums of param^2 and direction^2.
template <typename T>
__global__ void lamb_moments_kernel(T* param, const T* grad, T* m, T* v, int64_t n, const double* lr,
                                    const int64_t* step, OptimizerMoreHyper h, double* partials) {
  __shared__ double scratch[kMaxWarpsPerBlock];
  const LambCoefs<T> c = lamb_coefs<T>(*step, h.beta_1, h.beta_2, h.epsilon);
  const T wd = static_cast<T>(h.weight_decay), lr_t = static_cast<T>(*lr);
  double ps = 0, ds = 0;
  DAGNET_CUDA_FOR(i, n) {
    if (h.weight_decay != 0) decay_weight(param[i], wd, lr_t);
    const T d = lamb_moments(c, grad[i], m[i], v[i]);
    ps += static_cast<double>(param[i]) * param[i];
    ds += static_cast<double>(d) * d;
  }
  ps = block_sum(ps, scratch);
  ds = block_sum(ds, scratch);
  if (threadIdx.x == 0) {
    partials[blockIdx.x] = ps;
    partials[kPartials + blockIdx.x] = ds;
  }
}

template <typename T>
__global__ void lamb_apply_kernel(T* param, const T* m, const T* v, int64_t n, const double* lr, const int64_t* step,
                                  OptimizerMoreHyper h, const double* partials) {
  __shared__ double scratch[kMaxWarpsPerBlock];
  const double ps = sum_partials(partials, kPartials, scratch);
  const double ds = sum_partials(partials + kPartials, kPartials, scratch);
  const T scale = lamb_scale<T>(*lr, ps, ds);
  const LambCoefs<T> c = lamb_coefs<T>(*step, h.beta_1, h.beta_2, h.epsilon);
  DAGNET_CUDA_FOR(i, n) param[i] -= scale * lamb_direction(c, m[i], v[i]);
}

// Adafactor, first sweep: decay, and per-block sums of param^2.
template <typename T>
__global__ void adafactor_decay_kernel(T* param, int64_t n, const double* lr, OptimizerMoreHyper h, double* partials) {
  __shared__ double scratch[kMaxWarpsPerBlock];
  const T wd = static_cast<T>(h.weight_decay), lr_t = static_cast<T>(*lr);
  double ps = 0;
  DAGNET_CUDA_FOR(i, n) {
    if (h.weight_decay != 0) decay_weight(param[i], wd, lr_t);
    ps += static_cast<double>(param[i]) * param[i];
  }
  ps = block_sum(ps, scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = ps;
}

// Row means (one thread per row of cols elements) into r.
template <typename T>
__global__ void adafactor_rows_kernel(const T* grad, T* r, int64_t count, int64_t cols, const double* lr,
                                      const int64_t* step, OptimizerMoreHyper h) {
  const AdafactorCoefs c = adafactor_coefs<T>(*lr, *step, h);
  DAGNET_CUDA_FOR(k, count) {
    double s = 0;
    for (int64_t j = 0; j < cols; ++j) s += adafactor_square(c, grad[k * cols + j]);
    adafactor_average(c, r[k], static_cast<T>(s / static_cast<double>(cols)));
  }
}

// Column means (one thread per column of one batch; neighbours read neighbouring elements).
template <typename T>
__global__ void adafactor_cols_kernel(const T* grad, T* col, int64_t batches, int64_t rows, int64_t cols,
                                      const double* lr, const int64_t* step, OptimizerMoreHyper h) {
  const AdafactorCoefs c = adafactor_coefs<T>(*lr, *step, h);
  DAGNET_CUDA_FOR(k, batches * cols) {
    const int64_t b = k / cols, j = k % cols;
    double s = 0;
    for (int64_t i = 0; i < rows; ++i) s += adafactor_square(c, grad[(b * rows + i) * cols + j]);
    adafactor_average(c, col[k], static_cast<T>(s / static_cast<double>(rows)));
  }
}

// One block per batch: the mean of its r.
template <typename T>
__global__ void adafactor_row_mean_kernel(const T* r, int64_t rows, double* means) {
  __shared__ double scratch[kMaxWarpsPerBlock];
  double s = 0;
  for (int64_t i = threadIdx.x; i < rows; i += blockDim.x) s += r[blockIdx.x * rows + i];
  s = block_sum(s, scratch);
  if (threadIdx.x == 0) means[blockIdx.x] = s / static_cast<double>(rows);
}

// v (factored from r and c when r is given, else a running mean of g^2 + epsilon_1), and
// per-block sums of u^2 with u = g / sqrt(v).
template <typename T>
__global__ void adafactor_v_kernel(const T* grad, const T* r, const T* col, T* v, int64_t n, int64_t rows, int64_t cols,
                                   const double* lr, const int64_t* step, OptimizerMoreHyper h, const double* row_means,
                                   double* partials) {
  __shared__ double scratch[kMaxWarpsPerBlock];
  const AdafactorCoefs c = adafactor_coefs<T>(*lr, *step, h);
  double us = 0;
  DAGNET_CUDA_FOR(i, n) {
    if (r) {
      const int64_t row = i / cols, b = row / rows, j = i % cols;
      v[i] = (r[row] / static_cast<T>(row_means[b])) * col[b * cols + j];
    } else {
      adafactor_average(c, v[i], adafactor_square(c, grad[i]));
    }
    const double u = static_cast<double>(grad[i] / optimizer_math::root(v[i]));
    us += u * u;
  }
  us = block_sum(us, scratch);
  if (threadIdx.x == 0) partials[kPartials + blockIdx.x] = us;
}

template <typename T>
__global__ void adafactor_apply_kernel(T* param, const T* grad, const T* v, int64_t n, const double* lr,
                                       const int64_t* step, OptimizerMoreHyper h, const double* partials) {
  __shared__ double scratch[kMaxWarpsPerBlock];
  const AdafactorCoefs c = adafactor_coefs<T>(*lr, *step, h);
  const T alpha = static_cast<T>(adafactor_alpha(c, sum_partials(partials, kPartials, scratch), n));
  const T divisor =
      static_cast<T>(adafactor_clip_divisor(c, sum_partials(partials + kPartials, kPartials, scratch), n));
  DAGNET_CUDA_FOR(i, n) param[i] -= alpha * ((grad[i] / optimizer_math::root(v[i])) / divisor);
}

}  // namespace

void register_more_optimizer_cuda_kernels() {
  register_kernel("lion_update", DeviceType::CUDA, [](const KernelContext& ctx) {
    const OptimizerMoreHyper& h = ctx.prepared<OptimizerMoreHyper>();
    run_update(ctx, "lion_update", [&](auto tag, unsigned grid, int64_t n) {
      using T = decltype(tag);
      lion_kernel<T>
          <<<grid, kThreads, 0, stream(ctx)>>>(slot<T>(ctx, 0), slot<T>(ctx, 1), slot<T>(ctx, 3), n, lr_of(ctx), h);
    });
  });
  register_kernel("ftrl_update", DeviceType::CUDA, [](const KernelContext& ctx) {
    const OptimizerMoreHyper& h = ctx.prepared<OptimizerMoreHyper>();
    run_update(ctx, "ftrl_update", [&](auto tag, unsigned grid, int64_t n) {
      using T = decltype(tag);
      ftrl_kernel<T><<<grid, kThreads, 0, stream(ctx)>>>(slot<T>(ctx, 0), slot<T>(ctx, 1), slot<T>(ctx, 3),
                                                         slot<T>(ctx, 4), n, lr_of(ctx), h);
    });
  });
  register_kernel("lamb_update", DeviceType::CUDA, [](const KernelContext& ctx) {
    const OptimizerMoreHyper& h = ctx.prepared<OptimizerMoreHyper>();
    double* partials = static_cast<double*>(ctx.workspace);
    run_update(ctx, "lamb_update", [&](auto tag, unsigned grid, int64_t n) {
      using T = decltype(tag);
      lamb_moments_kernel<T><<<kPartials, kThreads, 0, stream(ctx)>>>(
          slot<T>(ctx, 0), slot<T>(ctx, 1), slot<T>(ctx, 4), slot<T>(ctx, 5), n, lr_of(ctx), step_of(ctx), h, partials);
      lamb_apply_kernel<T><<<grid, kThreads, 0, stream(ctx)>>>(slot<T>(ctx, 0), slot<T>(ctx, 4), slot<T>(ctx, 5), n,
                                                               lr_of(ctx), step_of(ctx), h, partials);
    });
  });
  register_kernel("adafactor_update", DeviceType::CUDA, [](const KernelContext& ctx) {
    const OptimizerMoreHyper& h = ctx.prepared<OptimizerMoreHyper>();
    const AdafactorLayout layout = adafactor_layout(ctx.inputs[0].shape());
    const bool factored = ctx.inputs.size() == 7;
    double* partials = static_cast<double*>(ctx.workspace);
    double* row_means = partials + 2 * kPartials;
    run_update(ctx, "adafactor_update", [&](auto tag, unsigned grid, int64_t n) {
      using T = decltype(tag);
      T* r = factored ? slot<T>(ctx, 4) : nullptr;
      T* col = factored ? slot<T>(ctx, 5) : nullptr;
      T* v = ctx.inputs.back().data<T>();
      adafactor_decay_kernel<T><<<kPartials, kThreads, 0, stream(ctx)>>>(slot<T>(ctx, 0), n, lr_of(ctx), h, partials);
      if (factored) {
        const int64_t rows = layout.batches * layout.rows;
        adafactor_rows_kernel<T><<<blocks_for(rows), kThreads, 0, stream(ctx)>>>(slot<T>(ctx, 1), r, rows, layout.cols,
                                                                                 lr_of(ctx), step_of(ctx), h);
        adafactor_cols_kernel<T><<<blocks_for(layout.batches * layout.cols), kThreads, 0, stream(ctx)>>>(
            slot<T>(ctx, 1), col, layout.batches, layout.rows, layout.cols, lr_of(ctx), step_of(ctx), h);
        adafactor_row_mean_kernel<T>
            <<<static_cast<unsigned>(layout.batches), kThreads, 0, stream(ctx)>>>(r, layout.rows, row_means);
      }
      adafactor_v_kernel<T><<<kPartials, kThreads, 0, stream(ctx)>>>(
          slot<T>(ctx, 1), r, col, v, n, layout.rows, layout.cols, lr_of(ctx), step_of(ctx), h, row_means, partials);
      adafactor_apply_kernel<T><<<grid, kThreads, 0, stream(ctx)>>>(slot<T>(ctx, 0), slot<T>(ctx, 1), v, n, lr_of(ctx),
                                                                    step_of(ctx), h, partials);
    });
  });
}

}  // namespace dagnet::cuda
