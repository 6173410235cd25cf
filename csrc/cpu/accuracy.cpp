#include "cpu/accuracy.h"

namespace dagnet::cpu {

namespace {
template <typename V>
int64_t argmax(const V* row, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (row[i] > row[best]) best = i;  // ties keep the first maximum, as argmax does
  return best;
}
}  // namespace

template <typename T>
double accuracy(AccuracyKind kind, const T* pred, int64_t rows, int64_t cols, const double* target, double threshold,
                const double* mask) {
  int64_t correct = 0, total = 0;
  for (int64_t r = 0; r < rows; ++r) {
    if (mask && mask[r] == 0) continue;
    const T* p = pred + r * cols;
    switch (kind) {
      case AccuracyKind::Binary:
        for (int64_t c = 0; c < cols; ++c) correct += (static_cast<double>(p[c]) > threshold ? 1.0 : 0.0) == target[r * cols + c];
        total += cols;
        break;
      case AccuracyKind::Categorical:
        correct += argmax(p, cols) == argmax(target + r * cols, cols);
        ++total;
        break;
      case AccuracyKind::SparseCategorical:
        correct += static_cast<double>(argmax(p, cols)) == target[r];
        ++total;
        break;
    }
  }
  return total ? static_cast<double>(correct) / static_cast<double>(total) : 0.0;
}

template double accuracy<float>(AccuracyKind, const float*, int64_t, int64_t, const double*, double, const double*);
template double accuracy<double>(AccuracyKind, const double*, int64_t, int64_t, const double*, double, const double*);

}  // namespace dagnet::cpu
