// The loss ops' per-row formulas (Keras semantics; see cpu/losses.h), written once for the
// CPU kernels (cpu/losses.cpp) and the CUDA kernels (cuda/losses.cu): the CPU's NumPy and
// finite-difference tests exercise exactly the code the device runs. A row is the last
// axis; forward values accumulate in double, gradients in the tensor's type.
#pragma once
#include <cmath>
#include <cstdint>

#include "ops/device_minmax.h"
#include "ops/host_device.h"
#include "ops/kinds.h"

namespace dagnet {

constexpr double kKerasEpsilon = 1e-7;

template <typename T>
DAGNET_HOST_DEVICE inline T loss_clip(T p) {
  const T lo = static_cast<T>(kKerasEpsilon), hi = T(1) - static_cast<T>(kKerasEpsilon);
  return dn_min(dn_max(p, lo), hi);
}
template <typename T>
DAGNET_HOST_DEVICE inline bool loss_inside_clip(T p) {
  return p >= static_cast<T>(kKerasEpsilon) && p <= T(1) - static_cast<T>(kKerasEpsilon);
}

// Keras's l2 normalisation scale: min(rsqrt(sum x^2), 1 / eps).
template <typename T>
DAGNET_HOST_DEVICE inline double loss_inverse_norm(const T* x, int64_t cols, bool* capped = nullptr) {
  double sq = 0;
  for (int64_t c = 0; c < cols; ++c) sq += static_cast<double>(x[c]) * static_cast<double>(x[c]);
  const double inv = 1.0 / sqrt(sq), cap = 1.0 / kKerasEpsilon;
  if (capped) *capped = !(inv < cap);
  return inv < cap ? inv : cap;
}

// One row's loss (before its sample weight). `binary`: hinge labels in {0, 1} across the
// whole batch, read as -1 / +1 (Keras's convert_binary_labels_to_hinge).
template <typename T>
DAGNET_HOST_DEVICE inline double loss_row(Loss loss, const T* p, const T* t, int64_t cols, double param, bool binary) {
  using std::exp;
  using std::fabs;
  using std::log;
  using std::log1p;
  double acc = 0;
  const double eps = kKerasEpsilon;
  switch (loss) {
    case Loss::Huber:
      for (int64_t c = 0; c < cols; ++c) {
        double x = static_cast<double>(p[c]) - static_cast<double>(t[c]), a = fabs(x);
        acc += a <= param ? 0.5 * x * x : param * a - 0.5 * param * param;
      }
      return acc / static_cast<double>(cols);
    case Loss::LogCosh:
      for (int64_t c = 0; c < cols; ++c) {
        double x = static_cast<double>(p[c]) - static_cast<double>(t[c]), z = -2 * x;
        acc += x + (dn_max(z, 0.0) + log1p(exp(-fabs(z)))) - log(2.0);
      }
      return acc / static_cast<double>(cols);
    case Loss::Hinge:
    case Loss::SquaredHinge:
      for (int64_t c = 0; c < cols; ++c) {
        double y = binary ? 2.0 * static_cast<double>(t[c]) - 1.0 : static_cast<double>(t[c]);
        double v = dn_max(1.0 - y * static_cast<double>(p[c]), 0.0);
        acc += loss == Loss::Hinge ? v : v * v;
      }
      return acc / static_cast<double>(cols);
    case Loss::CategoricalHinge: {
      double pos = 0, neg = -INFINITY;
      for (int64_t c = 0; c < cols; ++c) {
        pos += static_cast<double>(t[c]) * static_cast<double>(p[c]);
        neg = dn_max(neg, (1.0 - static_cast<double>(t[c])) * static_cast<double>(p[c]));
      }
      return dn_max(neg - pos + 1.0, 0.0);
    }
    case Loss::KLDivergence:
      for (int64_t c = 0; c < cols; ++c) {
        double tc = dn_min(dn_max(static_cast<double>(t[c]), eps), 1.0);
        double pc = dn_min(dn_max(static_cast<double>(p[c]), eps), 1.0);
        acc += tc * log(tc / pc);
      }
      return acc;
    case Loss::Poisson:
      for (int64_t c = 0; c < cols; ++c)
        acc += static_cast<double>(p[c]) - static_cast<double>(t[c]) * log(static_cast<double>(p[c]) + eps);
      return acc / static_cast<double>(cols);
    case Loss::CosineSimilarity: {
      const double ip = loss_inverse_norm(p, cols), it = loss_inverse_norm(t, cols);
      for (int64_t c = 0; c < cols; ++c) acc -= static_cast<double>(t[c]) * it * static_cast<double>(p[c]) * ip;
      return acc;
    }
    case Loss::MeanSquaredLogarithmicError:
      for (int64_t c = 0; c < cols; ++c) {
        double d =
            log(dn_max(static_cast<double>(p[c]), eps) + 1.0) - log(dn_max(static_cast<double>(t[c]), eps) + 1.0);
        acc += d * d;
      }
      return acc / static_cast<double>(cols);
    case Loss::MeanAbsolutePercentageError:
      for (int64_t c = 0; c < cols; ++c)
        acc += fabs((static_cast<double>(t[c]) - static_cast<double>(p[c])) /
                    dn_max(fabs(static_cast<double>(t[c])), eps));
      return 100.0 * acc / static_cast<double>(cols);
    case Loss::MeanSquaredError:
      for (int64_t c = 0; c < cols; ++c) {
        double d = static_cast<double>(p[c]) - static_cast<double>(t[c]);
        acc += d * d;
      }
      return acc / static_cast<double>(cols);
    case Loss::MeanAbsoluteError:
      for (int64_t c = 0; c < cols; ++c) acc += fabs(static_cast<double>(p[c]) - static_cast<double>(t[c]));
      return acc / static_cast<double>(cols);
    case Loss::BinaryCrossentropyLogits:
      // max(x, 0) - x t + log(1 + e^-|x|): stable for any |x|.
      for (int64_t c = 0; c < cols; ++c) {
        double x = p[c], z = t[c];
        acc += dn_max(x, 0.0) - x * z + log1p(exp(-fabs(x)));
      }
      return acc / static_cast<double>(cols);
    case Loss::CategoricalCrossentropyLogits: {
      double m = p[0];
      for (int64_t c = 1; c < cols; ++c) m = dn_max(m, static_cast<double>(p[c]));
      double sum = 0;
      for (int64_t c = 0; c < cols; ++c) sum += exp(static_cast<double>(p[c]) - m);
      double log_z = m + log(sum);
      for (int64_t c = 0; c < cols; ++c) acc -= static_cast<double>(t[c]) * (static_cast<double>(p[c]) - log_z);
      return acc;
    }
    case Loss::BinaryCrossentropy:
      for (int64_t c = 0; c < cols; ++c) {
        T q = loss_clip(p[c]);
        acc -= static_cast<double>(t[c]) * log(static_cast<double>(q)) +
               (1.0 - static_cast<double>(t[c])) * log(static_cast<double>(T(1) - q));
      }
      return acc / static_cast<double>(cols);
    case Loss::CategoricalCrossentropy: {
      T sum = 0;
      for (int64_t c = 0; c < cols; ++c) sum += p[c];
      for (int64_t c = 0; c < cols; ++c)
        acc -= static_cast<double>(t[c]) * log(static_cast<double>(loss_clip(p[c] / sum)));
      return acc;
    }
  }
  return 0;
}

// d = per_row * d(row loss)/dp for one row (per_row = upstream * weight / divisor). Ties of
// maximum() send the gradient to its first argument and ties of a row max share it, as
// TensorFlow does; the gradient is zero where a clip bit.
template <typename T>
DAGNET_HOST_DEVICE inline void loss_row_grad(Loss loss, T per_row, const T* p, const T* t, int64_t cols, T* d,
                                             double param, bool binary) {
  using std::abs;
  using std::exp;
  using std::log;
  using std::tanh;
  const T eps = static_cast<T>(kKerasEpsilon);
  const T k_mean = per_row / static_cast<T>(cols);
  switch (loss) {
    case Loss::Huber: {
      const T delta = static_cast<T>(param);
      for (int64_t c = 0; c < cols; ++c) {
        const T x = p[c] - t[c];
        d[c] = k_mean * (abs(x) <= delta ? x : x > 0 ? delta : x < 0 ? -delta : T(0));
      }
      return;
    }
    case Loss::LogCosh:
      for (int64_t c = 0; c < cols; ++c) d[c] = k_mean * tanh(p[c] - t[c]);
      return;
    case Loss::Hinge:
    case Loss::SquaredHinge:
      for (int64_t c = 0; c < cols; ++c) {
        const T y = binary ? T(2) * t[c] - T(1) : t[c];
        const T v = T(1) - y * p[c];
        d[c] = v >= T(0) ? k_mean * -y * (loss == Loss::Hinge ? T(1) : T(2) * v) : T(0);
      }
      return;
    case Loss::CategoricalHinge: {
      T pos = 0, neg = -INFINITY;
      for (int64_t c = 0; c < cols; ++c) {
        pos += t[c] * p[c];
        neg = dn_max(neg, (T(1) - t[c]) * p[c]);
      }
      if (neg - pos + T(1) < T(0)) {
        for (int64_t c = 0; c < cols; ++c) d[c] = T(0);
        return;
      }
      T ties = 0;
      for (int64_t c = 0; c < cols; ++c) ties += (T(1) - t[c]) * p[c] == neg ? T(1) : T(0);
      for (int64_t c = 0; c < cols; ++c)
        d[c] = per_row * (((T(1) - t[c]) * p[c] == neg ? (T(1) - t[c]) / ties : T(0)) - t[c]);
      return;
    }
    case Loss::KLDivergence:
      for (int64_t c = 0; c < cols; ++c) {
        const T tc = dn_min(dn_max(t[c], eps), T(1));
        d[c] = p[c] >= eps && p[c] <= T(1) ? -per_row * tc / p[c] : T(0);
      }
      return;
    case Loss::Poisson:
      for (int64_t c = 0; c < cols; ++c) d[c] = k_mean * (T(1) - t[c] / (p[c] + eps));
      return;
    case Loss::CosineSimilarity: {
      bool capped = false;
      const T ip = static_cast<T>(loss_inverse_norm(p, cols, &capped)), it = static_cast<T>(loss_inverse_norm(t, cols));
      T dot = 0;  // sum(t_hat p)
      for (int64_t c = 0; c < cols; ++c) dot += t[c] * it * p[c];
      for (int64_t c = 0; c < cols; ++c)
        d[c] = -per_row * (capped ? t[c] * it * ip : t[c] * it * ip - dot * p[c] * ip * ip * ip);
      return;
    }
    case Loss::MeanSquaredLogarithmicError:
      for (int64_t c = 0; c < cols; ++c) {
        const T a = dn_max(p[c], eps) + T(1);
        const T diff = log(a) - log(dn_max(t[c], eps) + T(1));
        d[c] = p[c] >= eps ? k_mean * T(2) * diff / a : T(0);
      }
      return;
    case Loss::MeanAbsolutePercentageError:
      for (int64_t c = 0; c < cols; ++c) {
        const T x = p[c] - t[c];
        d[c] = k_mean * T(100) * (x > 0 ? T(1) : x < 0 ? T(-1) : T(0)) / dn_max(abs(t[c]), eps);
      }
      return;
    case Loss::MeanSquaredError: {
      const T k = T(2) * per_row / static_cast<T>(cols);
      for (int64_t c = 0; c < cols; ++c) d[c] = k * (p[c] - t[c]);
      return;
    }
    case Loss::MeanAbsoluteError: {
      const T k = per_row / static_cast<T>(cols);
      for (int64_t c = 0; c < cols; ++c) d[c] = p[c] > t[c] ? k : p[c] < t[c] ? -k : T(0);
      return;
    }
    case Loss::BinaryCrossentropyLogits: {
      const T k = per_row / static_cast<T>(cols);
      for (int64_t c = 0; c < cols; ++c) {
        T x = p[c];
        T s = x >= 0 ? T(1) / (T(1) + exp(-x)) : exp(x) / (T(1) + exp(x));
        d[c] = k * (s - t[c]);
      }
      return;
    }
    case Loss::CategoricalCrossentropyLogits: {
      // d/dx_j = softmax_j * sum(t) - t_j
      T m = p[0], sum = 0, t_sum = 0;
      for (int64_t c = 1; c < cols; ++c) m = dn_max(m, p[c]);
      for (int64_t c = 0; c < cols; ++c) {
        d[c] = exp(p[c] - m);
        sum += d[c];
        t_sum += t[c];
      }
      for (int64_t c = 0; c < cols; ++c) d[c] = per_row * (d[c] / sum * t_sum - t[c]);
      return;
    }
    case Loss::BinaryCrossentropy: {
      const T k = per_row / static_cast<T>(cols);
      for (int64_t c = 0; c < cols; ++c)
        d[c] = loss_inside_clip(p[c]) ? k * (-(t[c] / p[c]) + (T(1) - t[c]) / (T(1) - p[c])) : T(0);
      return;
    }
    case Loss::CategoricalCrossentropy: {
      // q = clip(p / S); with g_i = dL/dq_i = -t_i / q_i (0 where clipped),
      // dL/dp_j = (g_j - sum_i g_i q_i) / S.
      T sum = 0;
      for (int64_t c = 0; c < cols; ++c) sum += p[c];
      T dot = 0;
      for (int64_t c = 0; c < cols; ++c) {
        T q = p[c] / sum;
        T g = loss_inside_clip(q) ? -t[c] / q : T(0);
        d[c] = g;
        dot += g * q;
      }
      for (int64_t c = 0; c < cols; ++c) d[c] = per_row * (d[c] - dot) / sum;
      return;
    }
  }
}

// Sparse categorical crossentropy of one row with a valid label: -log_softmax(z)_label,
// z = x (from logits) or z = log(clip(p)) (Keras feeds the log of the clipped
// probabilities to TF's sparse softmax crossentropy).
template <typename T>
DAGNET_HOST_DEVICE inline double sparse_row(bool from_logits, const T* p, int64_t label, int64_t cols) {
  using std::exp;
  using std::log;
  double m = -1e300, sum = 0;
  for (int64_t c = 0; c < cols; ++c)
    m = dn_max(m, from_logits ? static_cast<double>(p[c]) : log(static_cast<double>(loss_clip(p[c]))));
  for (int64_t c = 0; c < cols; ++c) {
    double z = from_logits ? static_cast<double>(p[c]) : log(static_cast<double>(loss_clip(p[c])));
    sum += exp(z - m);
  }
  double z_label = from_logits ? static_cast<double>(p[label]) : log(static_cast<double>(loss_clip(p[label])));
  return m + log(sum) - z_label;
}

template <typename T>
DAGNET_HOST_DEVICE inline void sparse_row_grad(bool from_logits, T per_row, const T* p, int64_t label, int64_t cols,
                                               T* d) {
  using std::exp;
  if (from_logits) {
    // softmax(x) - onehot(label)
    T m = p[0], sum = 0;
    for (int64_t c = 1; c < cols; ++c) m = dn_max(m, p[c]);
    for (int64_t c = 0; c < cols; ++c) sum += (d[c] = exp(p[c] - m));
    for (int64_t c = 0; c < cols; ++c) d[c] = per_row * (d[c] / sum - (c == label ? T(1) : T(0)));
  } else {
    // z = log(q), q = clip(p): dL/dz = softmax(z) - onehot = q / sum(q) - onehot;
    // dz/dp = 1/q where p is inside the clip range, else 0.
    T sum = 0;
    for (int64_t c = 0; c < cols; ++c) sum += loss_clip(p[c]);
    for (int64_t c = 0; c < cols; ++c) {
      T q = loss_clip(p[c]);
      T dz = q / sum - (c == label ? T(1) : T(0));
      d[c] = loss_inside_clip(p[c]) ? per_row * dz / q : T(0);
    }
  }
}

// Whether a sparse label (any dtype, read as double) is a class index in [0, classes).
DAGNET_HOST_DEVICE inline bool valid_label(double v, int64_t classes) {
  return v >= 0 && v < static_cast<double>(classes) && v == static_cast<double>(static_cast<int64_t>(v));
}

}  // namespace dagnet
