#include "cpu/attention_rows.h"

#include "core/cpu_features.h"
#include "cpu/attention_rows_body.h"

namespace dagnet::cpu {

AttentionRows attention_rows_baseline() { return kAttentionRows<float>; }

AttentionRowsOf<double> attention_rows_double() { return kAttentionRows<double>; }

AttentionRows attention_rows_for_cpu() {
  static const AttentionRows chosen = [] {
#if defined(DAGNET_X86_KERNELS)
    switch (active_cpu_isa()) {
      case CpuIsa::AVX512: return attention_rows_avx512();
      case CpuIsa::AVX2_FMA: return attention_rows_avx2();
      case CpuIsa::Portable: break;
    }
#endif
    return attention_rows_baseline();
  }();
  return chosen;
}

}  // namespace dagnet::cpu
