#include "cpu/activation_rows.h"

#include "core/cpu_features.h"
#include "cpu/activation_rows_body.h"

namespace dagnet::cpu {

ActivationRows activation_rows_baseline() { return activation_rows_impl; }

ActivationRows activation_rows_for_cpu() {
  static const ActivationRows chosen = [] {
#if defined(DAGNET_X86_KERNELS)
    switch (active_cpu_isa()) {
      case CpuIsa::AVX512: return activation_rows_avx512();
      case CpuIsa::AVX2_FMA: return activation_rows_avx2();
      case CpuIsa::Portable: break;
    }
#endif
    return activation_rows_baseline();
  }();
  return chosen;
}

}  // namespace dagnet::cpu
