// The per-element formulas of the fused optimizer updates (ops/optimizers.cpp lists them),
// shared by the CPU loops (cpu/optimizers.cpp) and the CUDA kernels (cuda/optimizers.cu),
// so the CPU tests exercise the arithmetic the device runs. Each *_coefs turns the step's
// scalars (learning rate, iteration, Nadam's product: device tensors on CUDA, read by every
// thread) into the element type's constants; each *_step updates one element in place.
#pragma once
#include <cmath>
#include <cstdint>

#include "ops/host_device.h"

namespace dagnet {

namespace optimizer_math {
template <typename T>
DAGNET_HOST_DEVICE inline T root(T x) {
#if defined(__CUDA_ARCH__)
  return sqrt(x);  // CUDA's float and double overloads
#else
  return std::sqrt(x);
#endif
}
template <typename T>
DAGNET_HOST_DEVICE inline T magnitude(T x) {
#if defined(__CUDA_ARCH__)
  return fabs(x);
#else
  return std::abs(x);
#endif
}
DAGNET_HOST_DEVICE inline double power(double base, double exponent) {
#if defined(__CUDA_ARCH__)
  return pow(base, exponent);
#else
  return std::pow(base, exponent);
#endif
}
}  // namespace optimizer_math

// Keras 3's decoupled weight decay, applied before every update when weight_decay != 0.
template <typename T>
DAGNET_HOST_DEVICE inline void decay_weight(T& param, T weight_decay, T lr) {
  param -= param * weight_decay * lr;
}

// SGD with momentum (plain SGD is param -= lr grad).
template <typename T>
DAGNET_HOST_DEVICE inline void sgd_momentum_step(T& param, T grad, T& velocity, T momentum, T lr, bool nesterov) {
  const T v = momentum * velocity - lr * grad;
  velocity = v;
  param += nesterov ? momentum * v - lr * grad : v;
}

template <typename T>
struct AdamCoefs {
  T lr, wd, alpha, b1, b2, eps;  // b1 = 1 - beta_1, b2 = 1 - beta_2
};
template <typename T>
DAGNET_HOST_DEVICE inline AdamCoefs<T> adam_coefs(double lr, int64_t step, double beta_1, double beta_2, double epsilon,
                                                  double weight_decay) {
  using namespace optimizer_math;
  const double t = static_cast<double>(step + 1);
  return {static_cast<T>(lr),
          static_cast<T>(weight_decay),
          static_cast<T>(lr * root(1 - power(beta_2, t)) / (1 - power(beta_1, t))),
          static_cast<T>(1 - beta_1),
          static_cast<T>(1 - beta_2),
          static_cast<T>(epsilon)};
}
// v_hat: this element's AMSGrad maximum, or null.
template <typename T>
DAGNET_HOST_DEVICE inline void adam_step(const AdamCoefs<T>& c, T& param, T grad, T& m, T& v, T* v_hat) {
  m += (grad - m) * c.b1;
  v += (grad * grad - v) * c.b2;
  T denom = v;
  if (v_hat) {
    *v_hat = *v_hat > v ? *v_hat : v;
    denom = *v_hat;
  }
  param -= m * c.alpha / (optimizer_math::root(denom) + c.eps);
}

template <typename T>
struct RmspropCoefs {
  T lr, rho, momentum, eps, wd;
};
// momentum_buffer / average_grad: this element's, or null when the option is off.
template <typename T>
DAGNET_HOST_DEVICE inline void rmsprop_step(const RmspropCoefs<T>& c, T& param, T grad, T& velocity, T* momentum_buffer,
                                            T* average_grad) {
  velocity = c.rho * velocity + (T(1) - c.rho) * grad * grad;
  T denominator = velocity + c.eps;
  if (average_grad) {  // centered: subtract the squared running mean of the gradient
    *average_grad = c.rho * *average_grad + (T(1) - c.rho) * grad;
    denominator = velocity - *average_grad * *average_grad + c.eps;
  }
  const T increment = c.lr * grad / optimizer_math::root(denominator);
  if (momentum_buffer) {
    *momentum_buffer = c.momentum * *momentum_buffer + increment;
    param -= *momentum_buffer;
  } else {
    param -= increment;
  }
}

template <typename T>
DAGNET_HOST_DEVICE inline void adagrad_step(T lr, T eps, T& param, T grad, T& accumulator) {
  accumulator += grad * grad;
  param -= lr * grad / optimizer_math::root(accumulator + eps);
}

template <typename T>
struct AdadeltaCoefs {
  T lr, rho, one_minus_rho, eps;
};
template <typename T>
DAGNET_HOST_DEVICE inline void adadelta_step(const AdadeltaCoefs<T>& c, T& param, T grad, T& accumulated_grad,
                                             T& accumulated_delta) {
  using optimizer_math::root;
  accumulated_grad = c.rho * accumulated_grad + c.one_minus_rho * (grad * grad);
  const T delta = -(root(accumulated_delta + c.eps) * grad) / root(accumulated_grad + c.eps);
  accumulated_delta = c.rho * accumulated_delta + c.one_minus_rho * (delta * delta);
  param += c.lr * delta;
}

template <typename T>
struct AdamaxCoefs {
  T lr, b1, b2, correction, eps;  // b1 = 1 - beta_1, b2 = beta_2, correction = 1 - beta_1^t
};
template <typename T>
DAGNET_HOST_DEVICE inline AdamaxCoefs<T> adamax_coefs(double lr, int64_t step, double beta_1, double beta_2,
                                                      double epsilon) {
  return {static_cast<T>(lr), static_cast<T>(1 - beta_1), static_cast<T>(beta_2),
          static_cast<T>(1 - optimizer_math::power(beta_1, static_cast<double>(step + 1))), static_cast<T>(epsilon)};
}
template <typename T>
DAGNET_HOST_DEVICE inline void adamax_step(const AdamaxCoefs<T>& c, T& param, T grad, T& m, T& u) {
  m += (grad - m) * c.b1;
  const T decayed = c.b2 * u, size = optimizer_math::magnitude(grad);
  u = decayed > size ? decayed : size;
  param -= c.lr * m / (c.correction * (u + c.eps));
}

template <typename T>
struct NadamCoefs {
  T lr, b1, b2, m_coef, g_coef, v_coef, eps;
};
// u_product: Keras's running product u_1 ... u_t of the momentum schedule, this step's included.
template <typename T>
DAGNET_HOST_DEVICE inline NadamCoefs<T> nadam_coefs(double lr, int64_t step, double u_product, double beta_1,
                                                    double beta_2, double epsilon) {
  using optimizer_math::power;
  const double t = static_cast<double>(step + 1);
  const double u_t = beta_1 * (1 - 0.5 * power(0.96, t)), u_t1 = beta_1 * (1 - 0.5 * power(0.96, t + 1));
  return {static_cast<T>(lr),
          static_cast<T>(1 - beta_1),
          static_cast<T>(1 - beta_2),
          static_cast<T>(u_t1 / (1 - u_product * u_t1)),
          static_cast<T>((1 - u_t) / (1 - u_product)),
          static_cast<T>(1 / (1 - power(beta_2, t))),
          static_cast<T>(epsilon)};
}
template <typename T>
DAGNET_HOST_DEVICE inline void nadam_step(const NadamCoefs<T>& c, T& param, T grad, T& m, T& v) {
  m += (grad - m) * c.b1;
  v += (grad * grad - v) * c.b2;
  const T m_hat = c.m_coef * m + c.g_coef * grad;
  param -= m_hat * c.lr / (optimizer_math::root(v * c.v_coef) + c.eps);
}

}  // namespace dagnet
