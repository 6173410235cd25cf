// Keras accuracy metrics as per-batch means (the fit loop averages batches weighted by
// their size, which reproduces Keras's stateful epoch averages exactly).
#pragma once
#include <cstdint>

namespace dagnet::cpu {

enum class AccuracyKind { Binary, Categorical, SparseCategorical };

// pred: rows x cols. target: rows x cols (binary, categorical) or rows labels (sparse,
// read as double). Returns the fraction of correct predictions; binary counts elements.
// mask (one per row, nullable): masked rows are left out of the mean.
template <typename T>
double accuracy(AccuracyKind kind, const T* pred, int64_t rows, int64_t cols, const double* target, double threshold,
                const double* mask);

}  // namespace dagnet::cpu
