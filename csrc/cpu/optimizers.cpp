#include "cpu/optimizers.h"

#include <cmath>

#include "core/thread_pool.h"
#include "ops/optimizer_math.h"

namespace dagnet::cpu {

template <typename T>
void sgd_update(T* param, const T* grad, T* velocity, int64_t n, double lr_d, double momentum_d, bool nesterov,
                double weight_decay) {
  const T lr = static_cast<T>(lr_d), m = static_cast<T>(momentum_d), wd = static_cast<T>(weight_decay);
  parallel_for(n, 1 << 15, [&](int64_t b, int64_t e) {
    if (weight_decay != 0)
      for (int64_t k = b; k < e; ++k) decay_weight(param[k], wd, lr);
    if (!velocity) {
      for (int64_t k = b; k < e; ++k) param[k] -= lr * grad[k];
      return;
    }
    for (int64_t k = b; k < e; ++k) sgd_momentum_step(param[k], grad[k], velocity[k], m, lr, nesterov);
  });
}

template void sgd_update<float>(float*, const float*, float*, int64_t, double, double, bool, double);
template void sgd_update<double>(double*, const double*, double*, int64_t, double, double, bool, double);

template <typename T>
void adam_update(T* param, const T* grad, T* m, T* v, T* v_hat, int64_t n, double lr, int64_t step, double beta_1,
                 double beta_2, double epsilon, double weight_decay) {
  const AdamCoefs<T> c = adam_coefs<T>(lr, step, beta_1, beta_2, epsilon, weight_decay);
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (weight_decay != 0) decay_weight(param[i], c.wd, c.lr);
      adam_step(c, param[i], grad[i], m[i], v[i], v_hat ? v_hat + i : nullptr);
    }
  });
}

template <typename T>
void rmsprop_update(T* param, const T* grad, T* velocity, T* momentum_buffer, T* average_grad, int64_t n, double lr_d,
                    double rho_d, double momentum_d, double epsilon_d, double weight_decay) {
  const RmspropCoefs<T> c{static_cast<T>(lr_d), static_cast<T>(rho_d), static_cast<T>(momentum_d),
                          static_cast<T>(epsilon_d), static_cast<T>(weight_decay)};
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (weight_decay != 0) decay_weight(param[i], c.wd, c.lr);
      rmsprop_step(c, param[i], grad[i], velocity[i], momentum_buffer ? momentum_buffer + i : nullptr,
                   average_grad ? average_grad + i : nullptr);
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
      if (weight_decay != 0) decay_weight(param[i], wd, lr);
      adagrad_step(lr, eps, param[i], grad[i], accumulator[i]);
    }
  });
}

template <typename T>
void adadelta_update(T* param, const T* grad, T* accumulated_grad, T* accumulated_delta, int64_t n, double lr_d,
                     double rho_d, double epsilon_d, double weight_decay) {
  const AdadeltaCoefs<T> c{static_cast<T>(lr_d), static_cast<T>(rho_d), static_cast<T>(1 - rho_d),
                           static_cast<T>(epsilon_d)};
  const T wd = static_cast<T>(weight_decay);
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (weight_decay != 0) decay_weight(param[i], wd, c.lr);
      adadelta_step(c, param[i], grad[i], accumulated_grad[i], accumulated_delta[i]);
    }
  });
}

template <typename T>
void adamax_update(T* param, const T* grad, T* m, T* u, int64_t n, double lr_d, int64_t step, double beta_1,
                   double beta_2, double epsilon_d, double weight_decay) {
  const AdamaxCoefs<T> c = adamax_coefs<T>(lr_d, step, beta_1, beta_2, epsilon_d);
  const T wd = static_cast<T>(weight_decay);
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (weight_decay != 0) decay_weight(param[i], wd, c.lr);
      adamax_step(c, param[i], grad[i], m[i], u[i]);
    }
  });
}

template <typename T>
void nadam_update(T* param, const T* grad, T* m, T* v, int64_t n, double lr_d, int64_t step, double u_product,
                  double beta_1, double beta_2, double epsilon_d, double weight_decay) {
  const NadamCoefs<T> c = nadam_coefs<T>(lr_d, step, u_product, beta_1, beta_2, epsilon_d);
  const T wd = static_cast<T>(weight_decay);
  parallel_for(n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if (weight_decay != 0) decay_weight(param[i], wd, c.lr);
      nadam_step(c, param[i], grad[i], m[i], v[i]);
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
