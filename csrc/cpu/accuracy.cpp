#include "cpu/accuracy.h"

namespace dagnet::cpu {

template <typename T>
double accuracy(const AccuracyPrepared& a, const T* pred, int64_t rows, int64_t cols, const double* target,
                const double* mask) {
  double correct = 0, total = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const double w = mask ? mask[r] : 1.0;
    if (w == 0) continue;
    double hits = 0, count = 0;
    accuracy_row(a, pred, target, r, cols, hits, count);
    correct += w * hits;
    total += w * count;
  }
  return total != 0 ? correct / total : 0.0;
}

template double accuracy<float>(const AccuracyPrepared&, const float*, int64_t, int64_t, const double*, const double*);
template double accuracy<double>(const AccuracyPrepared&, const double*, int64_t, int64_t, const double*,
                                 const double*);

}  // namespace dagnet::cpu
