#include "cpu/depthwise.h"

#if defined(DAGNET_X86_KERNELS)
#include "cpu/depthwise_body.h"

namespace dagnet::cpu {
DepthwiseRowKernels depthwise_row_kernels_avx2() { return depthwise_row_kernels_of<8>(); }
}  // namespace dagnet::cpu
#endif
