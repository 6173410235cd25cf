#include "cpu/lstm_gates.h"

#include "core/cpu_features.h"
#include "cpu/lstm_gates_body.h"

namespace dagnet::cpu {

LstmRowKernels lstm_row_kernels_baseline() { return {lstm_row_step_impl, lstm_row_grad_impl}; }

LstmRowKernels lstm_row_kernels_for_cpu() {
  static const LstmRowKernels chosen = [] {
#if defined(DAGNET_X86_KERNELS)
    switch (active_cpu_isa()) {
      case CpuIsa::AVX512: return lstm_row_kernels_avx512();
      case CpuIsa::AVX2_FMA: return lstm_row_kernels_avx2();
      case CpuIsa::Portable: break;
    }
#endif
    return lstm_row_kernels_baseline();
  }();
  return chosen;
}

}  // namespace dagnet::cpu
