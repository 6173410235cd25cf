// Keras 3's Lion, Ftrl, Lamb and Adafactor updates, fused and in place (see
// ops/optimizers_more.cpp for the formulas).
#pragma once
#include <cstdint>

#include "ops/optimizer_more_math.h"

namespace dagnet::cpu {

template <typename T>
void lion_update(T* param, const T* grad, T* m, int64_t n, double lr, const OptimizerMoreHyper& h);

template <typename T>
void ftrl_update(T* param, const T* grad, T* accumulator, T* linear, int64_t n, double lr, const OptimizerMoreHyper& h);

template <typename T>
void lamb_update(T* param, const T* grad, T* m, T* v, int64_t n, double lr, int64_t step, const OptimizerMoreHyper& h);

// The parameter is `batches` matrices of rows x cols (its last two axes); r (batches x rows)
// and c (batches x cols) are the factored moments, or both null for an unfactored v.
template <typename T>
void adafactor_update(T* param, const T* grad, T* r, T* c, T* v, int64_t batches, int64_t rows, int64_t cols, double lr,
                      int64_t step, const OptimizerMoreHyper& h);

}  // namespace dagnet::cpu
