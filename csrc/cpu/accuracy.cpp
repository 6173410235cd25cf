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

// Whether class `label` is among the k largest of row (fewer than k values strictly above it).
template <typename T>
bool in_top_k(const T* row, int64_t n, double label, int64_t k) {
  if (!(label >= 0 && label < static_cast<double>(n))) return false;
  const T v = row[static_cast<int64_t>(label)];
  int64_t above = 0;
  for (int64_t i = 0; i < n; ++i) above += row[i] > v;
  return above < k;
}
}  // namespace

template <typename T>
double accuracy(AccuracyKind kind, const T* pred, int64_t rows, int64_t cols, const double* target, double threshold,
                const double* mask, int64_t k) {
  double correct = 0, total = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const double w = mask ? mask[r] : 1.0;
    if (w == 0) continue;
    const T* p = pred + r * cols;
    switch (kind) {
      case AccuracyKind::Binary: {
        int64_t hits = 0;
        for (int64_t c = 0; c < cols; ++c)
          hits += (static_cast<double>(p[c]) > threshold ? 1.0 : 0.0) == target[r * cols + c];
        correct += w * static_cast<double>(hits);
        total += w * static_cast<double>(cols);
        break;
      }
      case AccuracyKind::Categorical:
        correct += w * (argmax(p, cols) == argmax(target + r * cols, cols));
        total += w;
        break;
      case AccuracyKind::SparseCategorical:
        correct += w * (static_cast<double>(argmax(p, cols)) == target[r]);
        total += w;
        break;
      case AccuracyKind::TopKCategorical:
        correct += w * in_top_k(p, cols, static_cast<double>(argmax(target + r * cols, cols)), k);
        total += w;
        break;
      case AccuracyKind::SparseTopKCategorical:
        correct += w * in_top_k(p, cols, target[r], k);
        total += w;
        break;
    }
  }
  return total != 0 ? correct / total : 0.0;
}

template double accuracy<float>(AccuracyKind, const float*, int64_t, int64_t, const double*, double, const double*,
                                int64_t);
template double accuracy<double>(AccuracyKind, const double*, int64_t, int64_t, const double*, double, const double*,
                                 int64_t);

}  // namespace dagnet::cpu
