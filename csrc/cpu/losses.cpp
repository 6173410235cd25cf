#include "cpu/losses.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/thread_pool.h"

namespace dagnet::cpu {

namespace {
template <typename T>
T clip(T p) {
  const T lo = static_cast<T>(kKerasEpsilon), hi = T(1) - static_cast<T>(kKerasEpsilon);
  return std::min(std::max(p, lo), hi);
}
template <typename T>
bool inside_clip(T p) {
  return p >= static_cast<T>(kKerasEpsilon) && p <= T(1) - static_cast<T>(kKerasEpsilon);
}

// Per-row loss sums, accumulated in double and reduced in row order so the result
// does not depend on the thread count.
// Hinge labels: t in {0, 1} across the whole batch means -1 / +1 labels (Keras's
// convert_binary_labels_to_hinge).
template <typename T>
bool binary_labels(const T* target, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (target[i] != T(0) && target[i] != T(1)) return false;
  return true;
}

// Keras's l2 normalisation scale: min(rsqrt(sum x^2), 1 / eps).
template <typename T>
double inverse_norm(const T* x, int64_t cols, bool* capped = nullptr) {
  double sq = 0;
  for (int64_t c = 0; c < cols; ++c) sq += static_cast<double>(x[c]) * static_cast<double>(x[c]);
  const double inv = 1.0 / std::sqrt(sq), cap = 1.0 / kKerasEpsilon;
  if (capped) *capped = !(inv < cap);
  return inv < cap ? inv : cap;
}

template <typename T>
double row_loss(Loss loss, const T* p, const T* t, int64_t cols, double param, bool binary) {
  double acc = 0;
  const double eps = kKerasEpsilon;
  switch (loss) {
    case Loss::Huber:
      for (int64_t c = 0; c < cols; ++c) {
        double x = static_cast<double>(p[c]) - static_cast<double>(t[c]), a = std::abs(x);
        acc += a <= param ? 0.5 * x * x : param * a - 0.5 * param * param;
      }
      return acc / static_cast<double>(cols);
    case Loss::LogCosh:
      for (int64_t c = 0; c < cols; ++c) {
        double x = static_cast<double>(p[c]) - static_cast<double>(t[c]), z = -2 * x;
        acc += x + (std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z)))) - std::log(2.0);
      }
      return acc / static_cast<double>(cols);
    case Loss::Hinge:
    case Loss::SquaredHinge:
      for (int64_t c = 0; c < cols; ++c) {
        double y = binary ? 2.0 * static_cast<double>(t[c]) - 1.0 : static_cast<double>(t[c]);
        double v = std::max(1.0 - y * static_cast<double>(p[c]), 0.0);
        acc += loss == Loss::Hinge ? v : v * v;
      }
      return acc / static_cast<double>(cols);
    case Loss::CategoricalHinge: {
      double pos = 0, neg = -INFINITY;
      for (int64_t c = 0; c < cols; ++c) {
        pos += static_cast<double>(t[c]) * static_cast<double>(p[c]);
        neg = std::max(neg, (1.0 - static_cast<double>(t[c])) * static_cast<double>(p[c]));
      }
      return std::max(neg - pos + 1.0, 0.0);
    }
    case Loss::KLDivergence:
      for (int64_t c = 0; c < cols; ++c) {
        double tc = std::min(std::max(static_cast<double>(t[c]), eps), 1.0);
        double pc = std::min(std::max(static_cast<double>(p[c]), eps), 1.0);
        acc += tc * std::log(tc / pc);
      }
      return acc;
    case Loss::Poisson:
      for (int64_t c = 0; c < cols; ++c)
        acc += static_cast<double>(p[c]) - static_cast<double>(t[c]) * std::log(static_cast<double>(p[c]) + eps);
      return acc / static_cast<double>(cols);
    case Loss::CosineSimilarity: {
      const double ip = inverse_norm(p, cols), it = inverse_norm(t, cols);
      for (int64_t c = 0; c < cols; ++c) acc -= static_cast<double>(t[c]) * it * static_cast<double>(p[c]) * ip;
      return acc;
    }
    case Loss::MeanSquaredLogarithmicError:
      for (int64_t c = 0; c < cols; ++c) {
        double d = std::log(std::max(static_cast<double>(p[c]), eps) + 1.0) -
                   std::log(std::max(static_cast<double>(t[c]), eps) + 1.0);
        acc += d * d;
      }
      return acc / static_cast<double>(cols);
    case Loss::MeanAbsolutePercentageError:
      for (int64_t c = 0; c < cols; ++c)
        acc += std::abs((static_cast<double>(t[c]) - static_cast<double>(p[c])) /
                        std::max(std::abs(static_cast<double>(t[c])), eps));
      return 100.0 * acc / static_cast<double>(cols);
    case Loss::MeanSquaredError:
      for (int64_t c = 0; c < cols; ++c) {
        double d = static_cast<double>(p[c]) - static_cast<double>(t[c]);
        acc += d * d;
      }
      return acc / static_cast<double>(cols);
    case Loss::MeanAbsoluteError:
      for (int64_t c = 0; c < cols; ++c) acc += std::abs(static_cast<double>(p[c]) - static_cast<double>(t[c]));
      return acc / static_cast<double>(cols);
    case Loss::BinaryCrossentropyLogits:
      // max(x, 0) - x t + log(1 + e^-|x|): stable for any |x|.
      for (int64_t c = 0; c < cols; ++c) {
        double x = p[c], z = t[c];
        acc += std::max(x, 0.0) - x * z + std::log1p(std::exp(-std::abs(x)));
      }
      return acc / static_cast<double>(cols);
    case Loss::CategoricalCrossentropyLogits: {
      double m = p[0];
      for (int64_t c = 1; c < cols; ++c) m = std::max(m, static_cast<double>(p[c]));
      double sum = 0;
      for (int64_t c = 0; c < cols; ++c) sum += std::exp(static_cast<double>(p[c]) - m);
      double log_z = m + std::log(sum);
      for (int64_t c = 0; c < cols; ++c) acc -= static_cast<double>(t[c]) * (static_cast<double>(p[c]) - log_z);
      return acc;
    }
    case Loss::BinaryCrossentropy:
      for (int64_t c = 0; c < cols; ++c) {
        T q = clip(p[c]);
        acc -= static_cast<double>(t[c]) * std::log(static_cast<double>(q)) +
               (1.0 - static_cast<double>(t[c])) * std::log(static_cast<double>(T(1) - q));
      }
      return acc / static_cast<double>(cols);
    case Loss::CategoricalCrossentropy: {
      T sum = 0;
      for (int64_t c = 0; c < cols; ++c) sum += p[c];
      for (int64_t c = 0; c < cols; ++c)
        acc -= static_cast<double>(t[c]) * std::log(static_cast<double>(clip(p[c] / sum)));
      return acc;
    }
  }
  return 0;
}
}  // namespace

// A row's sample weight (1 without weights).
template <typename T>
double row_weight(const T* weights, int64_t r) {
  return weights ? static_cast<double>(weights[r]) : 1.0;
}

// The divisor of a batch mean: the row count, or the mask's sum (valid rows).
template <typename T>
double mean_divisor(const T* mask, int64_t rows) {
  if (!mask) return static_cast<double>(rows);
  double valid = 0;
  for (int64_t r = 0; r < rows; ++r) valid += mask[r] != T(0) ? 1.0 : 0.0;
  return valid;
}

template <typename T>
T loss_forward(Loss loss, const T* pred, const T* target, int64_t rows, int64_t cols, const T* mask, const T* weights,
               double param, double* row_scratch) {
  if (rows == 0) return T(0);
  const bool binary = (loss == Loss::Hinge || loss == Loss::SquaredHinge) && binary_labels(target, rows * cols);
  std::vector<double> own;
  double* per_row = row_scratch ? row_scratch : (own.resize(static_cast<size_t>(rows)), own.data());
  parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, cols)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r)
      per_row[r] =
          (mask && mask[r] == T(0))
              ? 0.0
              : row_weight(weights, r) * row_loss(loss, pred + r * cols, target + r * cols, cols, param, binary);
  });
  double total = 0;
  for (int64_t r = 0; r < rows; ++r) total += per_row[r];
  const double divisor = mean_divisor(mask, rows);
  return divisor > 0 ? static_cast<T>(total / divisor) : T(0);
}

template <typename T>
void loss_backward(Loss loss, T upstream, const T* pred, const T* target, int64_t rows, int64_t cols, T* d_pred,
                   const T* mask, const T* weights, double param) {
  if (rows == 0) return;
  const bool binary = (loss == Loss::Hinge || loss == Loss::SquaredHinge) && binary_labels(target, rows * cols);
  const T eps = static_cast<T>(kKerasEpsilon);
  const double divisor = mean_divisor(mask, rows);
  const T row_scale = divisor > 0 ? static_cast<T>(upstream / divisor) : T(0);
  parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, cols)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      if (mask && mask[r] == T(0)) {
        std::fill(d_pred + r * cols, d_pred + (r + 1) * cols, T(0));
        continue;
      }
      const T per_row = weights ? row_scale * weights[r] : row_scale;
      const T* p = pred + r * cols;
      const T* t = target + r * cols;
      T* d = d_pred + r * cols;
      const T k_mean = per_row / static_cast<T>(cols);
      switch (loss) {
        case Loss::Huber: {
          const T delta = static_cast<T>(param);
          for (int64_t c = 0; c < cols; ++c) {
            const T x = p[c] - t[c];
            d[c] = k_mean * (std::abs(x) <= delta ? x : x > 0 ? delta : x < 0 ? -delta : T(0));
          }
          break;
        }
        case Loss::LogCosh:
          for (int64_t c = 0; c < cols; ++c) d[c] = k_mean * std::tanh(p[c] - t[c]);
          break;
        case Loss::Hinge:
        case Loss::SquaredHinge:
          for (int64_t c = 0; c < cols; ++c) {
            const T y = binary ? T(2) * t[c] - T(1) : t[c];
            const T v = T(1) - y * p[c];
            d[c] = v >= T(0) ? k_mean * -y * (loss == Loss::Hinge ? T(1) : T(2) * v) : T(0);
          }
          break;
        case Loss::CategoricalHinge: {
          T pos = 0, neg = -INFINITY;
          for (int64_t c = 0; c < cols; ++c) {
            pos += t[c] * p[c];
            neg = std::max(neg, (T(1) - t[c]) * p[c]);
          }
          if (neg - pos + T(1) < T(0)) {
            std::fill(d, d + cols, T(0));
            break;
          }
          T ties = 0;
          for (int64_t c = 0; c < cols; ++c) ties += (T(1) - t[c]) * p[c] == neg ? T(1) : T(0);
          for (int64_t c = 0; c < cols; ++c)
            d[c] = per_row * (((T(1) - t[c]) * p[c] == neg ? (T(1) - t[c]) / ties : T(0)) - t[c]);
          break;
        }
        case Loss::KLDivergence:
          for (int64_t c = 0; c < cols; ++c) {
            const T tc = std::min(std::max(t[c], eps), T(1));
            d[c] = p[c] >= eps && p[c] <= T(1) ? -per_row * tc / p[c] : T(0);
          }
          break;
        case Loss::Poisson:
          for (int64_t c = 0; c < cols; ++c) d[c] = k_mean * (T(1) - t[c] / (p[c] + eps));
          break;
        case Loss::CosineSimilarity: {
          bool capped = false;
          const T ip = static_cast<T>(inverse_norm(p, cols, &capped)), it = static_cast<T>(inverse_norm(t, cols));
          T dot = 0;  // sum(t_hat p)
          for (int64_t c = 0; c < cols; ++c) dot += t[c] * it * p[c];
          for (int64_t c = 0; c < cols; ++c)
            d[c] = -per_row * (capped ? t[c] * it * ip : t[c] * it * ip - dot * p[c] * ip * ip * ip);
          break;
        }
        case Loss::MeanSquaredLogarithmicError:
          for (int64_t c = 0; c < cols; ++c) {
            const T a = std::max(p[c], eps) + T(1);
            const T diff = std::log(a) - std::log(std::max(t[c], eps) + T(1));
            d[c] = p[c] >= eps ? k_mean * T(2) * diff / a : T(0);
          }
          break;
        case Loss::MeanAbsolutePercentageError:
          for (int64_t c = 0; c < cols; ++c) {
            const T x = p[c] - t[c];
            d[c] = k_mean * T(100) * (x > 0 ? T(1) : x < 0 ? T(-1) : T(0)) / std::max(std::abs(t[c]), eps);
          }
          break;
        case Loss::MeanSquaredError: {
          const T k = T(2) * per_row / static_cast<T>(cols);
          for (int64_t c = 0; c < cols; ++c) d[c] = k * (p[c] - t[c]);
          break;
        }
        case Loss::MeanAbsoluteError: {
          const T k = per_row / static_cast<T>(cols);
          for (int64_t c = 0; c < cols; ++c) d[c] = p[c] > t[c] ? k : p[c] < t[c] ? -k : T(0);
          break;
        }
        case Loss::BinaryCrossentropyLogits: {
          const T k = per_row / static_cast<T>(cols);
          for (int64_t c = 0; c < cols; ++c) {
            T x = p[c];
            T s = x >= 0 ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
            d[c] = k * (s - t[c]);
          }
          break;
        }
        case Loss::CategoricalCrossentropyLogits: {
          // d/dx_j = softmax_j * sum(t) - t_j
          T m = p[0], sum = 0, t_sum = 0;
          for (int64_t c = 1; c < cols; ++c) m = std::max(m, p[c]);
          for (int64_t c = 0; c < cols; ++c) {
            d[c] = std::exp(p[c] - m);
            sum += d[c];
            t_sum += t[c];
          }
          for (int64_t c = 0; c < cols; ++c) d[c] = per_row * (d[c] / sum * t_sum - t[c]);
          break;
        }
        case Loss::BinaryCrossentropy: {
          const T k = per_row / static_cast<T>(cols);
          for (int64_t c = 0; c < cols; ++c)
            d[c] = inside_clip(p[c]) ? k * (-(t[c] / p[c]) + (T(1) - t[c]) / (T(1) - p[c])) : T(0);
          break;
        }
        case Loss::CategoricalCrossentropy: {
          // q = clip(p / S); with g_i = dL/dq_i = -t_i / q_i (0 where clipped),
          // dL/dp_j = (g_j - sum_i g_i q_i) / S.
          T sum = 0;
          for (int64_t c = 0; c < cols; ++c) sum += p[c];
          T dot = 0;
          for (int64_t c = 0; c < cols; ++c) {
            T q = p[c] / sum;
            T g = inside_clip(q) ? -t[c] / q : T(0);
            d[c] = g;
            dot += g * q;
          }
          for (int64_t c = 0; c < cols; ++c) d[c] = per_row * (d[c] - dot) / sum;
          break;
        }
      }
    }
  });
}

template <typename T>
T sparse_crossentropy_forward(bool from_logits, const T* pred, const int64_t* labels, int64_t rows, int64_t cols,
                              const T* mask, const T* weights, double* row_scratch) {
  if (rows == 0) return T(0);
  std::vector<double> own;
  double* per_row = row_scratch ? row_scratch : (own.resize(static_cast<size_t>(rows)), own.data());
  parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, cols)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      if (mask && mask[r] == T(0)) {
        per_row[r] = 0;
        continue;
      }
      const T* p = pred + r * cols;
      // Both forms are -log_softmax(z)_label: z = x, or z = log(clip(p)) (Keras feeds the
      // log of the clipped probabilities to TF's sparse softmax crossentropy).
      double m = -1e300, sum = 0;
      for (int64_t c = 0; c < cols; ++c)
        m = std::max(m, from_logits ? static_cast<double>(p[c]) : std::log(static_cast<double>(clip(p[c]))));
      for (int64_t c = 0; c < cols; ++c) {
        double z = from_logits ? static_cast<double>(p[c]) : std::log(static_cast<double>(clip(p[c])));
        sum += std::exp(z - m);
      }
      double z_label =
          from_logits ? static_cast<double>(p[labels[r]]) : std::log(static_cast<double>(clip(p[labels[r]])));
      per_row[r] = row_weight(weights, r) * (m + std::log(sum) - z_label);
    }
  });
  double total = 0;
  for (int64_t r = 0; r < rows; ++r) total += per_row[r];
  const double divisor = mean_divisor(mask, rows);
  return divisor > 0 ? static_cast<T>(total / divisor) : T(0);
}

template <typename T>
void sparse_crossentropy_backward(bool from_logits, T upstream, const T* pred, const int64_t* labels, int64_t rows,
                                  int64_t cols, T* d_pred, const T* mask, const T* weights) {
  if (rows == 0) return;
  const double divisor = mean_divisor(mask, rows);
  const T row_scale = divisor > 0 ? static_cast<T>(upstream / divisor) : T(0);
  parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, cols)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const T* p = pred + r * cols;
      T* d = d_pred + r * cols;
      if (mask && mask[r] == T(0)) {
        std::fill(d, d + cols, T(0));
        continue;
      }
      const T per_row = weights ? row_scale * weights[r] : row_scale;
      const int64_t label = labels[r];
      if (from_logits) {
        // softmax(x) - onehot(label)
        T m = p[0], sum = 0;
        for (int64_t c = 1; c < cols; ++c) m = std::max(m, p[c]);
        for (int64_t c = 0; c < cols; ++c) sum += (d[c] = std::exp(p[c] - m));
        for (int64_t c = 0; c < cols; ++c) d[c] = per_row * (d[c] / sum - (c == label ? T(1) : T(0)));
      } else {
        // z = log(q), q = clip(p): dL/dz = softmax(z) - onehot = q / sum(q) - onehot;
        // dz/dp = 1/q where p is inside the clip range, else 0.
        T sum = 0;
        for (int64_t c = 0; c < cols; ++c) sum += clip(p[c]);
        for (int64_t c = 0; c < cols; ++c) {
          T q = clip(p[c]);
          T dz = q / sum - (c == label ? T(1) : T(0));
          d[c] = inside_clip(p[c]) ? per_row * dz / q : T(0);
        }
      }
    }
  });
}

template float sparse_crossentropy_forward<float>(bool, const float*, const int64_t*, int64_t, int64_t, const float*,
                                                  const float*, double*);
template double sparse_crossentropy_forward<double>(bool, const double*, const int64_t*, int64_t, int64_t,
                                                    const double*, const double*, double*);
template void sparse_crossentropy_backward<float>(bool, float, const float*, const int64_t*, int64_t, int64_t, float*,
                                                  const float*, const float*);
template void sparse_crossentropy_backward<double>(bool, double, const double*, const int64_t*, int64_t, int64_t,
                                                   double*, const double*, const double*);

template float loss_forward<float>(Loss, const float*, const float*, int64_t, int64_t, const float*, const float*,
                                   double, double*);
template double loss_forward<double>(Loss, const double*, const double*, int64_t, int64_t, const double*, const double*,
                                     double, double*);
template void loss_backward<float>(Loss, float, const float*, const float*, int64_t, int64_t, float*, const float*,
                                   const float*, double);
template void loss_backward<double>(Loss, double, const double*, const double*, int64_t, int64_t, double*,
                                    const double*, const double*, double);

}  // namespace dagnet::cpu
