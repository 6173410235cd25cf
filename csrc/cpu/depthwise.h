// Depthwise convolution on CPU (one kernel per channel), over channels-last data:
//   y[pos, ch] = sum over taps of x[window(pos, tap), ch] * kernel[tap, ch]  (+ bias[ch])
// with s.c channels (a depth multiplier m is the caller's: x's channels repeated m times,
// so channel ch = c * m + j reads input channel c, as Keras/TensorFlow order them).
// Vectorised over channels and register-blocked over output pixels, compiled once per ISA
// (depthwise_avx512.cpp, depthwise_avx2.cpp, baseline) and chosen at run time; float64
// (gradient checks) runs the same code one channel at a time. Parallel over output rows.
#pragma once
#include <cstdint>

#include "cpu/activation.h"
#include "ops/conv_layout.h"

namespace dagnet::cpu {

// Elementwise activations are applied per row while it is in cache; softmax is the caller's.
template <typename T>
void depthwise_forward(const ConvShape& s, const T* x, const T* kernel, const T* bias, Activation act, double alpha,
                       T* y);

// dx from dy. With stride 1 it runs the forward kernel on dy with the spatially flipped
// kernel (written to `scratch`, depthwise_grad_input_scratch elements); otherwise each
// input row gathers from the output rows its windows cover.
template <typename T>
void depthwise_grad_input(const ConvShape& s, const T* dy, const T* kernel, T* dx, T* scratch);
int64_t depthwise_grad_input_scratch(const ConvShape& s);

// d kernel (taps, channels) from dy and x: per-task partial sums in `scratch`
// (depthwise_grad_kernel_scratch elements), then their sum.
template <typename T>
void depthwise_grad_kernel(const ConvShape& s, const T* dy, const T* x, T* d_kernel, T* scratch);
int64_t depthwise_grad_kernel_scratch(const ConvShape& s);

// A depth multiplier's view of the input: out[r, c * m + j] = x[r, c] (rows x c in), and
// the matching gradient: out[r, c] = sum over j of in[r, c * m + j].
template <typename T>
void repeat_channels(const T* x, int64_t rows, int64_t c, int64_t m, T* out);
template <typename T>
void sum_channel_repeats(const T* in, int64_t rows, int64_t c, int64_t m, T* out);

// The float32 row kernels of one ISA (used by the functions above).
struct DepthwiseRowKernels {
  // Output rows [r0, r1) of (n * od * oh): raw sums plus bias (null: none).
  void (*forward)(const ConvShape& s, const float* x, const float* kernel, const float* bias, float* y, int64_t r0,
                  int64_t r1);
  // Input rows [r0, r1) of (n * d * h) of dx, for any stride.
  void (*grad_input)(const ConvShape& s, const float* dy, const float* kernel, float* dx, int64_t r0, int64_t r1);
  // Output rows [r0, r1) accumulated into d_kernel (taps, channels).
  void (*grad_kernel)(const ConvShape& s, const float* dy, const float* x, float* d_kernel, int64_t r0, int64_t r1);
};
DepthwiseRowKernels depthwise_row_kernels_avx512();
DepthwiseRowKernels depthwise_row_kernels_avx2();
DepthwiseRowKernels depthwise_row_kernels_baseline();
DepthwiseRowKernels depthwise_row_kernels_for_cpu();

}  // namespace dagnet::cpu
