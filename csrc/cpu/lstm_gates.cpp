#include "cpu/lstm_gates.h"

#include "core/cpu_features.h"
#include "cpu/lstm_gates_body.h"

namespace dagnet::cpu {

LstmRowStep lstm_row_step_baseline() { return lstm_row_step_impl; }

LstmRowStep lstm_row_step_for_cpu() {
  static const LstmRowStep chosen = [] {
#if defined(DAGNET_X86_KERNELS)
    switch (active_cpu_isa()) {
      case CpuIsa::AVX512: return lstm_row_step_avx512();
      case CpuIsa::AVX2_FMA: return lstm_row_step_avx2();
      case CpuIsa::Portable: break;
    }
#endif
    return lstm_row_step_baseline();
  }();
  return chosen;
}

}  // namespace dagnet::cpu
