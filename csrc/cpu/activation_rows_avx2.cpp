#include "cpu/activation_rows.h"

#if defined(DAGNET_X86_KERNELS)
#include "cpu/activation_rows_body.h"

namespace dagnet::cpu {
ActivationRows activation_rows_avx2() { return activation_rows_impl; }
}  // namespace dagnet::cpu
#endif
