// Keras losses with the default "sum over batch size" reduction: per-sample losses
// averaged over every position but the last axis. Probabilities are clipped to
// [eps, 1 - eps] with Keras's eps = 1e-7, and the gradient is zero where clipping bit,
// as TensorFlow's clip_by_value gradient is.
#pragma once
#include <cstdint>

#include "ops/kinds.h"
#include "ops/loss_math.h"

namespace dagnet::cpu {

using dagnet::Loss;

using dagnet::kKerasEpsilon;  // the per-row formulas are ops/loss_math.h's (shared with CUDA)

// pred/target are rows x cols (cols = last axis). Returns the scalar loss. With a mask
// (one value per row, 0 = masked) the mean runs over the valid rows only:
// sum(loss over valid rows) / count(valid rows), 0 when nothing is valid (Keras's masked
// losses). Sample weights (one per row) multiply each row's loss without changing the
// divisor: Keras's "sum_over_batch_size" is sum(w * loss) / rows (or / valid rows).
template <typename T>
// row_scratch: `rows` doubles of caller scratch (the op's workspace); null allocates.
T loss_forward(Loss loss, const T* pred, const T* target, int64_t rows, int64_t cols, const T* mask = nullptr,
               const T* weights = nullptr, double param = 1.0, double* row_scratch = nullptr);

// Sparse categorical crossentropy: labels are class indices (validated by the caller).
// Probabilities (Keras): -log(clip(p_label)) + log(sum_i clip(p_i)); from logits:
// -log_softmax(x)_label.
template <typename T>
T sparse_crossentropy_forward(bool from_logits, const T* pred, const int64_t* labels, int64_t rows, int64_t cols,
                              const T* mask = nullptr, const T* weights = nullptr, double* row_scratch = nullptr);
template <typename T>
void sparse_crossentropy_backward(bool from_logits, T upstream, const T* pred, const int64_t* labels, int64_t rows,
                                  int64_t cols, T* d_pred, const T* mask = nullptr, const T* weights = nullptr);

// d_pred = upstream * d(loss)/d(pred). `param` is Huber's delta. Ties of maximum() send the
// gradient to its first argument and ties of a row max share it, as TensorFlow does.
template <typename T>
void loss_backward(Loss loss, T upstream, const T* pred, const T* target, int64_t rows, int64_t cols, T* d_pred,
                   const T* mask = nullptr, const T* weights = nullptr, double param = 1.0);

}  // namespace dagnet::cpu
