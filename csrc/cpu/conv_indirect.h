// Convolution forward as an indirect GEMM (the technique of XNNPACK's indirection
// buffers): for each tile of output positions and each window offset, the micro-kernel
// reads the input pixels in place through row pointers (padding reads a zero row), and
// the kernel (kh*kw*cin, filters) in place as B. No im2col copy, no packing of A.
#pragma once
#include <cstdint>

#include "cpu/conv.h"
#include "cpu/gemm.h"

namespace dagnet::cpu {

// y (n*oh*ow rows, filters) = conv(x NHWC) with the epilogue (bias, activation) applied
// (groups 1, any channel count).
// Whether conv2d_indirect beats im2col + GEMM on s (groups 1, not pointwise, and not a
// single tap on few channels).
bool conv2d_indirect_pays(const ConvShape& s);

void conv2d_indirect(const float* x, const ConvShape& s, const float* kernel, int64_t filters,
                     const GemmEpilogue& epilogue, float* y);

// d kernel (kh*kw*cin, filters) of a convolution from x (NHWC) and dy (positions x filters),
// computed as d kernel^T = dy^T * im2col(x) with im2col's rows read in place through
// pointers (groups 1: a window row's taps are one span of x). Returns false, doing nothing,
// where the im2col path is faster (then the caller takes it).
// Whether conv2d_kernel_gradient_indirect takes this shape (where it measured faster).
bool conv2d_kernel_gradient_indirect_pays(const ConvShape& s);
bool conv2d_kernel_gradient_indirect(const float* x, const ConvShape& s, const float* dy, int64_t filters,
                                     float* d_kernel);

}  // namespace dagnet::cpu
