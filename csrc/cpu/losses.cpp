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
template <typename T>
double row_loss(Loss loss, const T* p, const T* t, int64_t cols) {
  double acc = 0;
  switch (loss) {
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
      for (int64_t c = 0; c < cols; ++c) acc -= static_cast<double>(t[c]) * std::log(static_cast<double>(clip(p[c] / sum)));
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
T loss_forward(Loss loss, const T* pred, const T* target, int64_t rows, int64_t cols, const T* mask,
               const T* weights) {
  if (rows == 0) return T(0);
  std::vector<double> per_row(static_cast<size_t>(rows));
  parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, cols)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r)
      per_row[r] = (mask && mask[r] == T(0)) ? 0.0
                   : row_weight(weights, r) * row_loss(loss, pred + r * cols, target + r * cols, cols);
  });
  double total = 0;
  for (double v : per_row) total += v;
  const double divisor = mean_divisor(mask, rows);
  return divisor > 0 ? static_cast<T>(total / divisor) : T(0);
}

template <typename T>
void loss_backward(Loss loss, T upstream, const T* pred, const T* target, int64_t rows, int64_t cols, T* d_pred,
                   const T* mask, const T* weights) {
  if (rows == 0) return;
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
      switch (loss) {
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
                              const T* mask, const T* weights) {
  if (rows == 0) return T(0);
  std::vector<double> per_row(static_cast<size_t>(rows));
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
      for (int64_t c = 0; c < cols; ++c) m = std::max(m, from_logits ? static_cast<double>(p[c]) : std::log(static_cast<double>(clip(p[c]))));
      for (int64_t c = 0; c < cols; ++c) {
        double z = from_logits ? static_cast<double>(p[c]) : std::log(static_cast<double>(clip(p[c])));
        sum += std::exp(z - m);
      }
      double z_label = from_logits ? static_cast<double>(p[labels[r]]) : std::log(static_cast<double>(clip(p[labels[r]])));
      per_row[r] = row_weight(weights, r) * (m + std::log(sum) - z_label);
    }
  });
  double total = 0;
  for (double v : per_row) total += v;
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
                                                  const float*);
template double sparse_crossentropy_forward<double>(bool, const double*, const int64_t*, int64_t, int64_t,
                                                    const double*, const double*);
template void sparse_crossentropy_backward<float>(bool, float, const float*, const int64_t*, int64_t, int64_t, float*,
                                                  const float*, const float*);
template void sparse_crossentropy_backward<double>(bool, double, const double*, const int64_t*, int64_t, int64_t,
                                                   double*, const double*, const double*);

template float loss_forward<float>(Loss, const float*, const float*, int64_t, int64_t, const float*, const float*);
template double loss_forward<double>(Loss, const double*, const double*, int64_t, int64_t, const double*,
                                     const double*);
template void loss_backward<float>(Loss, float, const float*, const float*, int64_t, int64_t, float*, const float*,
                                   const float*);
template void loss_backward<double>(Loss, double, const double*, const double*, int64_t, int64_t, double*,
                                    const double*, const double*);

}  // namespace dagnet::cpu
