#include "cpu/max_pool_kernels.h"

#if defined(DAGNET_X86_KERNELS)
#include "cpu/max_pool_body.h"

namespace dagnet::cpu {
MaxPoolKernels max_pool_kernels_avx2() { return max_pool_kernels_here(); }
}  // namespace dagnet::cpu
#endif
