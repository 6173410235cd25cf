#include "cpu/optimizers.h"

#include <cmath>

#include "core/thread_pool.h"

namespace dagnet::cpu {

template <typename T>
void sgd_update(T* param, const T* grad, T* velocity, int64_t n, double lr_d, double momentum_d, bool nesterov,
                double weight_decay) {
  const T lr = static_cast<T>(lr_d), m = static_cast<T>(momentum_d), wd = static_cast<T>(weight_decay);
  parallel_for(n, 1 << 15, [&](int64_t b, int64_t e) {
    if (weight_decay != 0)
      for (int64_t k = b; k < e; ++k) param[k] -= param[k] * wd * lr;
    if (!velocity) {
      for (int64_t k = b; k < e; ++k) param[k] -= lr * grad[k];
      return;
    }
    for (int64_t k = b; k < e; ++k) {
      T v = m * velocity[k] - lr * grad[k];
      velocity[k] = v;
      param[k] += nesterov ? m * v - lr * grad[k] : v;
    }
  });
}

template void sgd_update<float>(float*, const float*, float*, int64_t, double, double, bool, double);
template void sgd_update<double>(double*, const double*, double*, int64_t, double, double, bool, double);

template <typename T>
void adam_update(T* param, const T* grad, T* m, T* v, T* v_hat, int64_t n, double lr, int64_t step, double beta_1,
                 double beta_2, double epsilon, double weight_decay) {
  const double t = static_cast<double>(step + 1);
  const T wd = static_cast<T>(weight_decay), lr_t = static_cast<T>(lr);
  const T alpha = static_cast<T>(lr * std::sqrt(1 - std::pow(beta_2, t)) / (1 - std::pow(beta_1, t)));
  const T b1 = static_cast<T>(1 - beta_1), b2 = static_cast<T>(1 - beta_2), eps = static_cast<T>(epsilon);
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (weight_decay != 0) param[i] -= param[i] * wd * lr_t;
      const T g = grad[i];
      m[i] += (g - m[i]) * b1;
      v[i] += (g * g - v[i]) * b2;
      T denom = v[i];
      if (v_hat) {
        v_hat[i] = v_hat[i] > v[i] ? v_hat[i] : v[i];
        denom = v_hat[i];
      }
      param[i] -= m[i] * alpha / (std::sqrt(denom) + eps);
    }
  });
}

template <typename T>
void rmsprop_update(T* param, const T* grad, T* velocity, T* momentum_buffer, T* average_grad, int64_t n, double lr_d,
                    double rho_d, double momentum_d, double epsilon_d, double weight_decay) {
  const T lr = static_cast<T>(lr_d), rho = static_cast<T>(rho_d), mom = static_cast<T>(momentum_d);
  const T eps = static_cast<T>(epsilon_d), wd = static_cast<T>(weight_decay);
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (weight_decay != 0) param[i] -= param[i] * wd * lr;
      const T g = grad[i];
      velocity[i] = rho * velocity[i] + (T(1) - rho) * g * g;
      T denominator = velocity[i] + eps;
      if (average_grad) {  // centered: subtract the squared running mean of the gradient
        average_grad[i] = rho * average_grad[i] + (T(1) - rho) * g;
        denominator = velocity[i] - average_grad[i] * average_grad[i] + eps;
      }
      const T increment = lr * g / std::sqrt(denominator);
      if (momentum_buffer) {
        momentum_buffer[i] = mom * momentum_buffer[i] + increment;
        param[i] -= momentum_buffer[i];
      } else {
        param[i] -= increment;
      }
    }
  });
}

template void adam_update<float>(float*, const float*, float*, float*, float*, int64_t, double, int64_t, double, double,
                                 double, double);
template void adam_update<double>(double*, const double*, double*, double*, double*, int64_t, double, int64_t, double,
                                  double, double, double);
template void rmsprop_update<float>(float*, const float*, float*, float*, float*, int64_t, double, double, double,
                                    double, double);
template void rmsprop_update<double>(double*, const double*, double*, double*, double*, int64_t, double, double, double,
                                     double, double);

template <typename T>
void adagrad_update(T* param, const T* grad, T* accumulator, int64_t n, double lr_d, double epsilon_d,
                    double weight_decay) {
  const T lr = static_cast<T>(lr_d), eps = static_cast<T>(epsilon_d), wd = static_cast<T>(weight_decay);
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (weight_decay != 0) param[i] -= param[i] * wd * lr;
      const T g = grad[i];
      accumulator[i] += g * g;
      param[i] -= lr * g / std::sqrt(accumulator[i] + eps);
    }
  });
}

template <typename T>
void adadelta_update(T* param, const T* grad, T* accumulated_grad, T* accumulated_delta, int64_t n, double lr_d,
                     double rho_d, double epsilon_d, double weight_decay) {
  const T lr = static_cast<T>(lr_d), rho = static_cast<T>(rho_d), eps = static_cast<T>(epsilon_d);
  const T wd = static_cast<T>(weight_decay), one_minus_rho = static_cast<T>(1 - rho_d);
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (weight_decay != 0) param[i] -= param[i] * wd * lr;
      const T g = grad[i];
      accumulated_grad[i] = rho * accumulated_grad[i] + one_minus_rho * (g * g);
      const T delta = -(std::sqrt(accumulated_delta[i] + eps) * g) / std::sqrt(accumulated_grad[i] + eps);
      accumulated_delta[i] = rho * accumulated_delta[i] + one_minus_rho * (delta * delta);
      param[i] += lr * delta;
    }
  });
}

template <typename T>
void adamax_update(T* param, const T* grad, T* m, T* u, int64_t n, double lr_d, int64_t step, double beta_1,
                   double beta_2, double epsilon_d, double weight_decay) {
  const T lr = static_cast<T>(lr_d), wd = static_cast<T>(weight_decay), eps = static_cast<T>(epsilon_d);
  const T b1 = static_cast<T>(1 - beta_1), b2 = static_cast<T>(beta_2);
  const T correction = static_cast<T>(1 - std::pow(beta_1, static_cast<double>(step + 1)));
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (weight_decay != 0) param[i] -= param[i] * wd * lr;
      const T g = grad[i];
      m[i] += (g - m[i]) * b1;
      const T decayed = b2 * u[i], magnitude = std::abs(g);
      u[i] = decayed > magnitude ? decayed : magnitude;
      param[i] -= lr * m[i] / (correction * (u[i] + eps));
    }
  });
}

template <typename T>
void nadam_update(T* param, const T* grad, T* m, T* v, int64_t n, double lr_d, int64_t step, double u_product,
                  double beta_1, double beta_2, double epsilon_d, double weight_decay) {
  const double t = static_cast<double>(step + 1);
  const double u_t = beta_1 * (1 - 0.5 * std::pow(0.96, t)), u_t1 = beta_1 * (1 - 0.5 * std::pow(0.96, t + 1));
  const T lr = static_cast<T>(lr_d), wd = static_cast<T>(weight_decay), eps = static_cast<T>(epsilon_d);
  const T b1 = static_cast<T>(1 - beta_1), b2 = static_cast<T>(1 - beta_2);
  const T m_coef = static_cast<T>(u_t1 / (1 - u_product * u_t1)), g_coef = static_cast<T>((1 - u_t) / (1 - u_product));
  const T v_coef = static_cast<T>(1 / (1 - std::pow(beta_2, t)));
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (weight_decay != 0) param[i] -= param[i] * wd * lr;
      const T g = grad[i];
      m[i] += (g - m[i]) * b1;
      v[i] += (g * g - v[i]) * b2;
      const T m_hat = m_coef * m[i] + g_coef * g;
      param[i] -= m_hat * lr / (std::sqrt(v[i] * v_coef) + eps);
    }
  });
}

#define DAGNET_INSTANTIATE_OPTIMIZERS(T)                                                                          \
  template void adagrad_update<T>(T*, const T*, T*, int64_t, double, double, double);                             \
  template void adadelta_update<T>(T*, const T*, T*, T*, int64_t, double, double, double, double);                \
  template void adamax_update<T>(T*, const T*, T*, T*, int64_t, double, int64_t, double, double, double, double); \
  template void nadam_update<T>(T*, const T*, T*, T*, int64_t, double, int64_t, double, double, double, double, double);
DAGNET_INSTANTIATE_OPTIMIZERS(float)
DAGNET_INSTANTIATE_OPTIMIZERS(double)
#undef DAGNET_INSTANTIATE_OPTIMIZERS

}  // namespace dagnet::cpu
