// Convolution forward as an indirect GEMM (the technique of XNNPACK's indirection
// buffers): for each tile of output positions and each window offset, the micro-kernel
// reads the input pixels in place through row pointers (padding reads a zero row), and
// the kernel (kh*kw*cin, filters) in place as B. No im2col copy, no packing of A.
#pragma once
#include <cstdint>

#include "cpu/conv.h"
#include "cpu/gemm.h"

namespace dagnet::cpu {

// y (n*oh*ow rows, filters) = conv(x NHWC) with the epilogue (bias, activation) applied.
void conv2d_indirect(const float* x, const ConvShape& s, const float* kernel, int64_t filters,
                     const GemmEpilogue& epilogue, float* y);

}  // namespace dagnet::cpu
