// Convolution on CPU as GEMMs over channels-last data (any of 1-, 2- and 3-D windows,
// channel groups, either data format through transposes into scratch):
//   forward:      y = im2col(x) @ kernel (+ bias, activation)
//   input grad:   dx = col2im(dy @ kernel^T)
//   kernel grad:  d kernel = im2col(x)^T @ dy
// float32 takes faster paths where they apply (groups == 1): the indirect GEMM that reads
// pixels in place instead of im2col, the stride-1 input gradient as a convolution of dy
// with the flipped kernel, the indirect kernel gradient, and Winograd for 3x3 stride-1
// convolutions (forward and both gradients). A transposed convolution is the
// input gradient of the convolution whose geometry it is given, plus bias and activation.
// `scratch` holds ConvGeometry::scratch_elements() elements.
#pragma once
#include <cstdint>

#include "cpu/activation.h"
#include "ops/conv_layout.h"

namespace dagnet::cpu {

// Which of a convolution's kernels a scratch size is for (a transposed convolution is the
// input gradient).
enum class ConvPass { Forward, GradInput, GradKernel };

// The scratch elements the CPU kernel of `pass` uses for this geometry: only what the path
// it takes needs (the same predicates choose the path), at most g.scratch_elements() but
// for the Winograd kernel gradient's partial sums (up to 27 x cin x cout, cpu/conv_winograd.h).
int64_t conv_cpu_scratch_elements(const ConvGeometry& g, ConvPass pass, bool float32);

template <typename T>
void conv_forward(const ConvGeometry& g, const T* x, const T* kernel, const T* bias, Activation act, double alpha, T* y,
                  T* scratch);

template <typename T>
void conv_grad_input(const ConvGeometry& g, const T* dy, const T* kernel, T* dx, T* scratch);

template <typename T>
void conv_grad_kernel(const ConvGeometry& g, const T* dy, const T* x, T* d_kernel, T* scratch);

// y (the shape of g's input, g.s.c channels) = the input gradient of g at dy = x, plus
// bias (g.s.c,) and the activation.
template <typename T>
void conv_transpose(const ConvGeometry& g, const T* x, const T* kernel, const T* bias, Activation act, double alpha,
                    T* y, T* scratch);

// The bias and activation of a convolution's channels-last output (rows x channels), then
// the move to channels_first when `channels_first` (y_nhwc -> y). Keras applies softmax
// along the last axis, which is the width for channels_first. `bias` may be null.
template <typename T>
void finish_conv_output(T* y_nhwc, int64_t images, int64_t positions, int64_t width, int64_t channels, const T* bias,
                        Activation act, double alpha, bool channels_first, T* y);

}  // namespace dagnet::cpu
