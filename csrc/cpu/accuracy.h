// Keras accuracy metrics as per-batch means (the fit loop averages batches weighted by
// their size, which reproduces Keras's stateful epoch averages exactly).
#pragma once
#include <cstdint>

#include "ops/accuracy_math.h"
#include "ops/kinds.h"

namespace dagnet::cpu {

using dagnet::AccuracyKind;

// pred: rows x cols. target: rows x cols (binary, categorical) or rows labels (sparse,
// read as double). Returns the fraction of correct predictions; binary counts elements.
// mask (one weight per row, nullable): the mean is weighted by it, so 0 leaves a row out
// (a Keras mask) and sample weights give Keras's weighted accuracy. The top-k kinds
// count a row as correct when its true class (argmax of the target, or the label) is in
// the k highest predictions; as TensorFlow's in_top_k, ties at the boundary count as in.
// The per-row rule is ops/accuracy_math.h's (shared with the CUDA kernel).
template <typename T>
double accuracy(const AccuracyPrepared& a, const T* pred, int64_t rows, int64_t cols, const double* target,
                const double* mask);

}  // namespace dagnet::cpu
