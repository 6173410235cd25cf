// Per-element formulas of Keras 3's Lion, Ftrl, Lamb and Adafactor updates
// (ops/optimizers_more.cpp lists them), shared by the CPU loops (cpu/optimizers_more.cpp)
// and the CUDA kernels (cuda/optimizers_more.cu), so the CPU tests exercise the arithmetic
// the device runs. Lamb and Adafactor also need per-variable norms: the callers reduce, and
// these functions take the reduced values.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/shape.h"
#include "ops/host_device.h"
#include "ops/optimizer_math.h"

namespace dagnet {

namespace optimizer_math {
// pow in the element type (Keras's ops.power on a float32 variable is float32).
template <typename T>
DAGNET_HOST_DEVICE inline T power_of(T base, T exponent) {
#if defined(__CUDA_ARCH__)
  return pow(base, exponent);  // CUDA's float and double overloads
#else
  return std::pow(base, exponent);
#endif
}
}  // namespace optimizer_math

// The hyper-parameters of these four updates, parsed once per plan (each op reads its own).
struct OptimizerMoreHyper {
  double beta_1, beta_2, epsilon, weight_decay;
  double learning_rate_power, l1, l2, l2_shrinkage, beta;          // ftrl
  double beta_2_decay, epsilon_1, epsilon_2, clip_threshold;       // adafactor
};

// Lion: param -= lr sign(beta_1 m + (1 - beta_1) g); m = beta_2 m + (1 - beta_2) g.
// sign(0) is 0 and sign(NaN) NaN, as ops.sign.
template <typename T>
DAGNET_HOST_DEVICE inline void lion_step(T lr, T beta_1, T beta_2, T& param, T grad, T& m) {
  const T mixed = m * beta_1 + grad * (T(1) - beta_1);
  const T sign = mixed > T(0) ? T(1) : (mixed < T(0) ? T(-1) : mixed);
  param -= lr * sign;
  m = m * beta_2 + grad * (T(1) - beta_2);
}

// Ftrl (McMahan et al. 2013 as Keras 3 writes it), with the step's constants:
// power = -learning_rate_power, two_l2 = 2 (l2 + beta / (2 lr)), two_shrinkage = 2 l2_shrinkage.
template <typename T>
struct FtrlCoefs {
  T lr, power, l1, two_l2, two_shrinkage;
};
template <typename T>
DAGNET_HOST_DEVICE inline FtrlCoefs<T> ftrl_coefs(double lr, const OptimizerMoreHyper& h) {
  const T lr_t = static_cast<T>(lr);
  // Keras: l2_reg = l2 + beta / (2.0 * lr) with lr the variable-dtype rate.
  const T l2_reg = static_cast<T>(h.l2) + static_cast<T>(h.beta) / (T(2) * lr_t);
  return {lr_t, static_cast<T>(-h.learning_rate_power), static_cast<T>(h.l1), T(2) * l2_reg,
          static_cast<T>(2 * h.l2_shrinkage)};
}
template <typename T>
DAGNET_HOST_DEVICE inline void ftrl_step(const FtrlCoefs<T>& c, T& param, T grad, T& accumulator, T& linear) {
  using optimizer_math::power_of;
  const T grad_to_use = grad + c.two_shrinkage * param;
  const T new_accumulator = accumulator + grad * grad;
  const T new_power = power_of(new_accumulator, c.power);
  linear += grad_to_use - (new_power - power_of(accumulator, c.power)) / c.lr * param;
  const T quadratic = new_power / c.lr + c.two_l2;
  const T clipped = linear < -c.l1 ? -c.l1 : (linear > c.l1 ? c.l1 : linear);
  param = (clipped - linear) / quadratic;
  accumulator = new_accumulator;
}

// Lamb: Adam's moments, bias-corrected, give the direction u = m_hat / (sqrt(v_hat) + eps);
// the step is lr * ratio * u with ratio = ||param|| / ||u|| over the whole variable (1 when
// either norm is 0), so each variable is first swept to update the moments and sum the
// squares, then swept again to move.
template <typename T>
struct LambCoefs {
  T b1, b2, correction_1, correction_2, eps;  // b1 = 1 - beta_1, correction_1 = 1 - beta_1^t
};
template <typename T>
DAGNET_HOST_DEVICE inline LambCoefs<T> lamb_coefs(int64_t step, double beta_1, double beta_2, double epsilon) {
  const T t = static_cast<T>(step + 1);
  const T b1 = static_cast<T>(beta_1), b2 = static_cast<T>(beta_2);
  // Keras: (1 - beta) in Python floats, the powers in the variable's dtype.
  return {static_cast<T>(1 - beta_1), static_cast<T>(1 - beta_2), T(1) - optimizer_math::power_of(b1, t),
          T(1) - optimizer_math::power_of(b2, t), static_cast<T>(epsilon)};
}
template <typename T>
DAGNET_HOST_DEVICE inline T lamb_direction(const LambCoefs<T>& c, T m, T v) {
  return (m / c.correction_1) / (optimizer_math::root(v / c.correction_2) + c.eps);
}
// Updates this element's moments; returns its direction.
template <typename T>
DAGNET_HOST_DEVICE inline T lamb_moments(const LambCoefs<T>& c, T grad, T& m, T& v) {
  m += (grad - m) * c.b1;
  v += (grad * grad - v) * c.b2;
  return lamb_direction(c, m, v);
}
// ratio * lr (in the element type, as Keras multiplies them), the trust ratio from the sums
// of squares of the (decayed) parameter and of the direction.
template <typename T>
DAGNET_HOST_DEVICE inline T lamb_scale(double lr, double param_squares, double direction_squares) {
  const double w_norm = optimizer_math::root(param_squares), g_norm = optimizer_math::root(direction_squares);
  return static_cast<T>(w_norm > 0 && g_norm > 0 ? w_norm / g_norm : 1.0) * static_cast<T>(lr);
}

// Adafactor (Keras 3): t = iterations + 1, rho_t = min(lr, 1 / sqrt(t)) (Keras takes this
// minimum whatever relative_step says), beta_2_t = 1 - t^beta_2_decay; the second moment of
// g^2 + epsilon_1 is factored for variables of rank >= 2 (row means r, column means c over
// the last two axes, v = r / mean(r) * c), else kept whole; u = g / sqrt(v) is scaled down
// by max(1, rms(u) / clip_threshold); the step is max(epsilon_2, rms(param)) * rho_t.
struct AdafactorCoefs {
  double rho, beta, one_minus_beta, eps1, eps2, clip;
};
// T: the parameter's type; the rate is rounded to it first (Keras's rate is a variable-dtype
// cast), so a rate restored from a file steps exactly as the one it was saved from.
template <typename T>
DAGNET_HOST_DEVICE inline AdafactorCoefs adafactor_coefs(double lr_d, int64_t step, const OptimizerMoreHyper& h) {
  const double lr = static_cast<double>(static_cast<T>(lr_d));
  const double t = static_cast<double>(step + 1), inverse_root = 1 / optimizer_math::root(t);
  const double beta = 1 - optimizer_math::power(t, h.beta_2_decay);
  return {lr < inverse_root ? lr : inverse_root, beta, 1 - beta, h.epsilon_1, h.epsilon_2, h.clip_threshold};
}
// The matrices Adafactor factors a rank >= 2 parameter into (its last two axes are rows
// and columns, the leading ones count batches); a lower rank is one row of all its elements.
struct AdafactorLayout {
  int64_t batches, rows, cols;
};
inline AdafactorLayout adafactor_layout(const Shape& shape) {
  if (shape.size() < 2) return {1, 1, product(shape, 0, shape.size())};
  return {product(shape, 0, shape.size() - 2), shape[shape.size() - 2], shape.back()};
}
template <typename T>
DAGNET_HOST_DEVICE inline T adafactor_square(const AdafactorCoefs& c, T grad) {
  return grad * grad + static_cast<T>(c.eps1);
}
// A running mean (a row or column mean of the factored moment, or one element of v).
template <typename T>
DAGNET_HOST_DEVICE inline void adafactor_average(const AdafactorCoefs& c, T& running, T value) {
  running = static_cast<T>(c.beta) * running + static_cast<T>(c.one_minus_beta) * value;
}
// The step size alpha_t from the parameter's sum of squares over its n elements.
DAGNET_HOST_DEVICE inline double adafactor_alpha(const AdafactorCoefs& c, double param_squares, int64_t n) {
  const double rms = optimizer_math::root(param_squares / static_cast<double>(n));
  return (rms > c.eps2 ? rms : c.eps2) * c.rho;
}
// The divisor of u: max(1, rms(u) / clip_threshold), from u's sum of squares.
DAGNET_HOST_DEVICE inline double adafactor_clip_divisor(const AdafactorCoefs& c, double u_squares, int64_t n) {
  const double ratio = optimizer_math::root(u_squares / static_cast<double>(n)) / c.clip;
  return ratio > 1 ? ratio : 1.0;
}

}  // namespace dagnet
