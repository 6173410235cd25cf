#include "cpu/attention_rows.h"

#if defined(DAGNET_X86_KERNELS)
#include "cpu/attention_rows_body.h"

namespace dagnet::cpu {
AttentionRows attention_rows_avx2() { return kAttentionRows<float>; }
}  // namespace dagnet::cpu
#endif
