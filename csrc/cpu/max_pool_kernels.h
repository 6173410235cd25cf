// The channels_last max pooling kernels of one instruction set (cpu/max_pool_body.h),
// picked once at run time like the other per-ISA kernels.
#pragma once
#include <cstdint>

#include "ops/conv_layout.h"

namespace dagnet::cpu {

// Channels per task of the pooling kernels; also the per-thread scratch of the gradient.
constexpr int64_t kMaxPoolChannelBlock = 256;

// Channels [c0, c0 + nc) of one image; the pointers are at the image's first element.
// grad adds to dx, which the caller zeroed.
struct MaxPoolKernels {
  void (*forward_f32)(const PoolShape& s, const float* x, float* y, int64_t c0, int64_t nc);
  void (*forward_f64)(const PoolShape& s, const double* x, double* y, int64_t c0, int64_t nc);
  void (*grad_f32)(const PoolShape& s, const float* x, const float* dy, float* dx, int64_t c0, int64_t nc);
  void (*grad_f64)(const PoolShape& s, const double* x, const double* dy, double* dx, int64_t c0, int64_t nc);
};

MaxPoolKernels max_pool_kernels_avx512();
MaxPoolKernels max_pool_kernels_avx2();
MaxPoolKernels max_pool_kernels_baseline();
MaxPoolKernels max_pool_kernels_for_cpu();

}  // namespace dagnet::cpu
