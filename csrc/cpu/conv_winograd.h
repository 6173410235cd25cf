// Winograd F(2x2, 3x3) convolution on CPU, float32, channels-last: each 2x2 block of
// outputs (a tile) is computed from a 4x4 block of inputs with 16 multiplies per
// (input channel, filter) pair instead of 36, i.e. 2.25x fewer multiplies than the direct
// convolution (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016):
//   U = G g G^T (the kernel, once per call), V = B^T d B (each input tile),
//   M = U . V summed over input channels (16 GEMMs: tiles x cin @ cin x cout),
//   y = A^T M A (+ bias, activation).
// Serves a 2-D 3x3 convolution with stride 1, dilation 1 and one group (any padding, any
// image size: tiles past the edge read zeros and write only their valid outputs), and
// through a flipped, channel-swapped kernel its input gradient, which is such a
// convolution of dy.
// Its kernel gradient runs F(3x3, 2x2) over 2x2 tiles of dy (conv2d_winograd_grad_kernel).
#pragma once
#include <cstdint>

#include "cpu/gemm.h"
#include "ops/conv_layout.h"

namespace dagnet::cpu {

// Which convolutions take this path: ConvGeometry::runs_winograd() (ops/conv_layout.h,
// which sizes the scratch for it); the caller checks the dtype.

// y (n, oh, ow, cout) = the 3x3 stride-1 correlation of x (n, h, w, cin) with weights w,
// padding (pad_top, pad_left) before, plus the epilogue. The weights are `kernel`, Keras's
// (3, 3, cin, cout) layout; or, when `flip_swap`, the (3, 3, cout, cin) kernel of the
// convolution whose input gradient this is, flipped in both spatial axes. `scratch` holds
// ConvGeometry::winograd_kernel_elements() floats (the transformed kernel in GEMM panels).
struct WinogradShape {
  int64_t n, h, w, cin, oh, ow, cout, pad_top, pad_left;
};
void conv2d_winograd(const float* x, const WinogradShape& s, const float* kernel, bool flip_swap,
                     const GemmEpilogue& epilogue, float* y, float* scratch);

// How many convolutions conv2d_winograd has run in this process (tests check dispatch).
int64_t winograd_call_count();

// The kernel gradient of that convolution, Winograd F(3x3, 2x2): d_kernel (3, 3, cin, cout)
// from x (n, h, w, cin) and dy (n, oh, ow, cout). `scratch` holds
// conv2d_winograd_grad_kernel_scratch(s) floats (partial sums, added in a fixed order).
int64_t conv2d_winograd_grad_kernel_scratch(const WinogradShape& s);
void conv2d_winograd_grad_kernel(const float* x, const WinogradShape& s, const float* dy, float* d_kernel,
                                 float* scratch);

// How many kernel gradients conv2d_winograd_grad_kernel has run in this process.
int64_t winograd_grad_kernel_call_count();

}  // namespace dagnet::cpu
