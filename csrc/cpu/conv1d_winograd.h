// Winograd F(4, r) 1-D convolution on CPU, float32, channels-last, for windows of r = 3
// or 5 taps: each block of 4 outputs (a tile) is computed from its r + 3 inputs with r + 3
// multiplies per (input channel, filter) pair instead of 4 r (2x fewer for r = 3, 2.5x
// for r = 5). The 2-D F(2x2, 3x3) code (cpu/conv_winograd.h) in one axis:
//   U = G g (the kernel, once per call), V = B^T d (each input tile),
//   M = U . V summed over input channels (r + 3 GEMMs: tiles x cin @ cin x cout),
//   y = A^T M (+ bias, activation).
// Toom-Cook at 0, +-1, +-2 (and +-1/2 for r = 5) and infinity; float32 error measured at
// ~3e-6 of the largest output for 256 -> 128 channels, r = 5 (the direct float32 sum:
// ~4e-7), well inside the 2-D path's test tolerance.
// Serves a 1-D convolution (or a 2-D one of height 1) with stride 1, dilation 1 and one
// group (any padding: tiles past the edge read zeros and write only their valid outputs),
// and through a flipped, channel-swapped kernel its input gradient; its kernel gradient
// runs F(r, 4) over 4-output tiles of dy (conv1d_winograd_grad_kernel).
#pragma once
#include <cstdint>

#include "cpu/gemm.h"

namespace dagnet::cpu {

// Which convolutions take this path: ConvGeometry::runs_winograd_1d() (ops/conv_layout.h,
// which sizes the scratch for it); the caller checks the dtype.

// y (n, ow, cout) = the stride-1 correlation of x (n, w, cin) with an r-tap kernel,
// padding pad_left before, plus the epilogue. The weights are `kernel`, Keras's
// (r, cin, cout) layout; or, when `flip_swap`, the (r, cout, cin) kernel of the convolution
// whose input gradient this is, flipped. `scratch` holds
// ConvGeometry::winograd_1d_kernel_elements() floats (the transformed kernel in GEMM panels).
struct Winograd1dShape {
  int64_t n, w, cin, ow, cout, pad_left, r;
};
void conv1d_winograd(const float* x, const Winograd1dShape& s, const float* kernel, bool flip_swap,
                     const GemmEpilogue& epilogue, float* y, float* scratch);

// How many convolutions conv1d_winograd has run in this process (tests check dispatch).
int64_t winograd_1d_call_count();

// The kernel gradient of that convolution, Winograd F(r, 4) on the same points:
// d_kernel (r, cin, cout) from x (n, w, cin) and dy (n, ow, cout). `scratch` holds
// conv1d_winograd_grad_kernel_scratch(s) floats (partial sums, added in a fixed order).
int64_t conv1d_winograd_grad_kernel_scratch(const Winograd1dShape& s);
void conv1d_winograd_grad_kernel(const float* x, const Winograd1dShape& s, const float* dy, float* d_kernel,
                                 float* scratch);

// How many kernel gradients conv1d_winograd_grad_kernel has run in this process.
int64_t winograd_1d_grad_kernel_call_count();

}  // namespace dagnet::cpu
