// The epilogue of dense and convolution kernels: per-column bias, then the activation,
// over a rows x cols output, in row blocks while they are still in cache. Softmax runs
// along each row (the last axis), as Keras applies it.
#pragma once
#include <cstdint>

#include "cpu/activation.h"

namespace dagnet::cpu {

template <typename T>
void bias_activation_rows(T* out, int64_t rows, int64_t cols, const T* bias, Activation act, double alpha);

}  // namespace dagnet::cpu
