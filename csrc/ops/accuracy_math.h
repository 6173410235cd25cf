// accuracy's prepared state and per-row rule, shared by the CPU kernel (cpu/accuracy.cpp)
// and the CUDA kernel (cuda/losses.cu). Targets are read as double whatever their dtype
// (V is the stored type), as the CPU's conversion to doubles does.
#pragma once
#include <cstdint>

#include "ops/host_device.h"
#include "ops/kinds.h"

namespace dagnet {

struct AccuracyPrepared {
  AccuracyKind kind;
  double threshold;
  int64_t k;
};

template <typename V>
DAGNET_HOST_DEVICE inline int64_t accuracy_argmax(const V* row, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (row[i] > row[best]) best = i;  // ties keep the first maximum, as argmax does
  return best;
}

// Whether class `label` is among the k largest of row (fewer than k values strictly above it).
template <typename T>
DAGNET_HOST_DEVICE inline bool accuracy_in_top_k(const T* row, int64_t n, double label, int64_t k) {
  if (!(label >= 0 && label < static_cast<double>(n))) return false;
  const T v = row[static_cast<int64_t>(label)];
  int64_t above = 0;
  for (int64_t i = 0; i < n; ++i) above += row[i] > v;
  return above < k;
}

// Row r's correct predictions and the number it counts for (before its weight): binary
// counts elements of the row, the others the row. `target` is the whole target tensor
// (rows x cols, or one label per row for the sparse kinds).
template <typename T, typename V>
DAGNET_HOST_DEVICE inline void accuracy_row(const AccuracyPrepared& a, const T* pred, const V* target, int64_t r,
                                            int64_t cols, double& correct, double& count) {
  const T* p = pred + r * cols;
  switch (a.kind) {
    case AccuracyKind::Binary: {
      int64_t hits = 0;
      for (int64_t c = 0; c < cols; ++c)
        hits += (static_cast<double>(p[c]) > a.threshold ? 1.0 : 0.0) == static_cast<double>(target[r * cols + c]);
      correct = static_cast<double>(hits);
      count = static_cast<double>(cols);
      return;
    }
    case AccuracyKind::Categorical:
      correct = accuracy_argmax(p, cols) == accuracy_argmax(target + r * cols, cols);
      break;
    case AccuracyKind::SparseCategorical:
      correct = static_cast<double>(accuracy_argmax(p, cols)) == static_cast<double>(target[r]);
      break;
    case AccuracyKind::TopKCategorical:
      correct = accuracy_in_top_k(p, cols, static_cast<double>(accuracy_argmax(target + r * cols, cols)), a.k);
      break;
    case AccuracyKind::SparseTopKCategorical:
      correct = accuracy_in_top_k(p, cols, static_cast<double>(target[r]), a.k);
      break;
  }
  count = 1.0;
}

}  // namespace dagnet
