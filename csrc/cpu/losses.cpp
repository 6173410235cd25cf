#include "cpu/losses.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/thread_pool.h"

namespace dagnet::cpu {

namespace {
// Hinge labels: t in {0, 1} across the whole batch means -1 / +1 labels (Keras's
// convert_binary_labels_to_hinge).
template <typename T>
bool binary_labels(const T* target, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (target[i] != T(0) && target[i] != T(1)) return false;
  return true;
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
              : row_weight(weights, r) * loss_row(loss, pred + r * cols, target + r * cols, cols, param, binary);
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
  const double divisor = mean_divisor(mask, rows);
  const T row_scale = divisor > 0 ? static_cast<T>(upstream / divisor) : T(0);
  parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, cols)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      if (mask && mask[r] == T(0)) {
        std::fill(d_pred + r * cols, d_pred + (r + 1) * cols, T(0));
        continue;
      }
      const T per_row = weights ? row_scale * weights[r] : row_scale;
      loss_row_grad(loss, per_row, pred + r * cols, target + r * cols, cols, d_pred + r * cols, param, binary);
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
      per_row[r] = row_weight(weights, r) * sparse_row(from_logits, pred + r * cols, labels[r], cols);
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
      sparse_row_grad(from_logits, per_row, p, labels[r], cols, d);
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
