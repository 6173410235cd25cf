// float32 elementwise activations (relu, elu, sigmoid, tanh) on one contiguous run,
// compiled once per ISA (activation_rows_avx512.cpp, activation_rows_avx2.cpp and a
// baseline build) and chosen at run time: the polynomial exp/tanh vectorise 16 wide with
// AVX-512 instead of 4 with baseline SSE2. GEMM and convolution epilogues call this per tile.
#pragma once
#include <cstdint>

#include "cpu/activation.h"

namespace dagnet::cpu {

using ActivationRows = void (*)(Activation act, float alpha, const float* x, float* y, int64_t n);

ActivationRows activation_rows_avx512();
ActivationRows activation_rows_avx2();
ActivationRows activation_rows_baseline();
ActivationRows activation_rows_for_cpu();

}  // namespace dagnet::cpu
