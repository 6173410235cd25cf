#include "cpu/optimizers_more.h"

#include <algorithm>
#include <vector>

#include "core/thread_pool.h"

namespace dagnet::cpu {

namespace {
// The sum of term(i) over [0, n) in double, cut into fixed chunks added in order, so the
// result does not depend on the thread count (Lamb's and Adafactor's norms).
template <typename Term>
double ordered_sum(int64_t n, Term term) {
  constexpr int64_t kChunk = 1 << 14;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial(static_cast<size_t>(chunks), 0.0);
  parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      double s = 0;
      for (int64_t i = k * kChunk, end = std::min(n, (k + 1) * kChunk); i < end; ++i) s += term(i);
      partial[static_cast<size_t>(k)] = s;
    }
  });
  double total = 0;
  for (double s : partial) total += s;
  return total;
}
}  // namespace

template <typename T>
void lion_update(T* param, const T* grad, T* m, int64_t n, double lr_d, const OptimizerMoreHyper& h) {
  const T lr = static_cast<T>(lr_d), b1 = static_cast<T>(h.beta_1), b2 = static_cast<T>(h.beta_2),
          wd = static_cast<T>(h.weight_decay);
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (h.weight_decay != 0) decay_weight(param[i], wd, lr);
      lion_step(lr, b1, b2, param[i], grad[i], m[i]);
    }
  });
}

template <typename T>
void ftrl_update(T* param, const T* grad, T* accumulator, T* linear, int64_t n, double lr,
                 const OptimizerMoreHyper& h) {
  const FtrlCoefs<T> c = ftrl_coefs<T>(lr, h);
  const T wd = static_cast<T>(h.weight_decay);
  parallel_for(n, 1 << 13, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (h.weight_decay != 0) decay_weight(param[i], wd, c.lr);
      ftrl_step(c, param[i], grad[i], accumulator[i], linear[i]);
    }
  });
}

template <typename T>
void lamb_update(T* param, const T* grad, T* m, T* v, int64_t n, double lr, int64_t step, const OptimizerMoreHyper& h) {
  const LambCoefs<T> c = lamb_coefs<T>(step, h.beta_1, h.beta_2, h.epsilon);
  const T wd = static_cast<T>(h.weight_decay), lr_t = static_cast<T>(lr);
  // One sweep decays the parameter, moves the moments and sums both squares (the even
  // terms are the parameter's, the odd ones the direction's: one ordered sum each).
  double param_squares = 0, direction_squares = 0;
  {
    constexpr int64_t kChunk = 1 << 14;
    const int64_t chunks = (n + kChunk - 1) / kChunk;
    std::vector<double> partial(static_cast<size_t>(2 * chunks), 0.0);
    parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        double ps = 0, ds = 0;
        for (int64_t i = k * kChunk, end = std::min(n, (k + 1) * kChunk); i < end; ++i) {
          if (h.weight_decay != 0) decay_weight(param[i], wd, lr_t);
          const T d = lamb_moments(c, grad[i], m[i], v[i]);
          ps += static_cast<double>(param[i]) * param[i];
          ds += static_cast<double>(d) * d;
        }
        partial[static_cast<size_t>(2 * k)] = ps;
        partial[static_cast<size_t>(2 * k + 1)] = ds;
      }
    });
    for (int64_t k = 0; k < chunks; ++k) {
      param_squares += partial[static_cast<size_t>(2 * k)];
      direction_squares += partial[static_cast<size_t>(2 * k + 1)];
    }
  }
  const T scale = lamb_scale<T>(lr, param_squares, direction_squares);
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) param[i] -= scale * lamb_direction(c, m[i], v[i]);
  });
}

template <typename T>
void adafactor_update(T* param, const T* grad, T* r, T* col, T* v, int64_t batches, int64_t rows, int64_t cols,
                      double lr, int64_t step, const OptimizerMoreHyper& h) {
  const int64_t n = batches * rows * cols;
  if (n == 0) return;
  const AdafactorCoefs c = adafactor_coefs<T>(lr, step, h);
  if (h.weight_decay != 0) {
    const T wd = static_cast<T>(h.weight_decay), lr_t = static_cast<T>(lr);
    parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) decay_weight(param[i], wd, lr_t);
    });
  }
  const T alpha = static_cast<T>(
      adafactor_alpha(c, ordered_sum(n, [&](int64_t i) { return static_cast<double>(param[i]) * param[i]; }), n));
  if (r) {
    const int64_t plane = rows * cols;
    // Row means of g^2 + epsilon_1 (rows are contiguous: a task takes whole rows).
    parallel_for(batches * rows, 64, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        double s = 0;
        for (int64_t j = 0; j < cols; ++j) s += adafactor_square(c, grad[k * cols + j]);
        adafactor_average(c, r[k], static_cast<T>(s / static_cast<double>(cols)));
      }
    });
    // Column means: a task takes a stripe of kStripe columns of one batch and walks its
    // rows in order (contiguous reads; each column's sum in row order, whatever the threads).
    constexpr int64_t kStripe = 64;
    const int64_t stripes = (cols + kStripe - 1) / kStripe;
    parallel_for(batches * stripes, 1, [&](int64_t b, int64_t e) {
      for (int64_t task = b; task < e; ++task) {
        const int64_t batch = task / stripes, j0 = (task % stripes) * kStripe, j1 = std::min(cols, j0 + kStripe);
        double sums[kStripe] = {};
        for (int64_t i = 0; i < rows; ++i) {
          const T* row = grad + batch * plane + i * cols;
          for (int64_t j = j0; j < j1; ++j) sums[j - j0] += adafactor_square(c, row[j]);
        }
        for (int64_t j = j0; j < j1; ++j)
          adafactor_average(c, col[batch * cols + j], static_cast<T>(sums[j - j0] / static_cast<double>(rows)));
      }
    });
    std::vector<T> r_means(static_cast<size_t>(batches));
    for (int64_t batch = 0; batch < batches; ++batch) {
      double r_sum = 0;
      for (int64_t i = 0; i < rows; ++i) r_sum += r[batch * rows + i];
      r_means[static_cast<size_t>(batch)] = static_cast<T>(r_sum / static_cast<double>(rows));
    }
    parallel_for(batches * rows, 64, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        const int64_t batch = k / rows;
        const T row = r[k] / r_means[static_cast<size_t>(batch)];
        for (int64_t j = 0; j < cols; ++j) v[k * cols + j] = row * col[batch * cols + j];
      }
    });
  } else {
    parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) adafactor_average(c, v[i], adafactor_square(c, grad[i]));
    });
  }
  const double u_squares = ordered_sum(n, [&](int64_t i) {
    const double u = static_cast<double>(grad[i] / optimizer_math::root(v[i]));
    return u * u;
  });
  const T divisor = static_cast<T>(adafactor_clip_divisor(c, u_squares, n));
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) param[i] -= alpha * ((grad[i] / optimizer_math::root(v[i])) / divisor);
  });
}

#define DAGNET_INSTANTIATE_OPTIMIZERS_MORE(T)                                                              \
  template void lion_update<T>(T*, const T*, T*, int64_t, double, const OptimizerMoreHyper&);              \
  template void ftrl_update<T>(T*, const T*, T*, T*, int64_t, double, const OptimizerMoreHyper&);          \
  template void lamb_update<T>(T*, const T*, T*, T*, int64_t, double, int64_t, const OptimizerMoreHyper&); \
  template void adafactor_update<T>(T*, const T*, T*, T*, T*, int64_t, int64_t, int64_t, double, int64_t,  \
                                    const OptimizerMoreHyper&);
DAGNET_INSTANTIATE_OPTIMIZERS_MORE(float)
DAGNET_INSTANTIATE_OPTIMIZERS_MORE(double)
#undef DAGNET_INSTANTIATE_OPTIMIZERS_MORE

}  // namespace dagnet::cpu
