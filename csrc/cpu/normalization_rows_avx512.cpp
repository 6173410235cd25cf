#include "cpu/normalization_rows.h"

#if defined(DAGNET_X86_KERNELS)
#include "cpu/normalization_rows_body.h"

namespace dagnet::cpu {
NormRows<float> norm_rows_float_avx512() { return norm_rows_impl<float>(); }
}  // namespace dagnet::cpu
#endif
