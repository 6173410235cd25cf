#include "cpu/normalization_rows.h"

#include "core/cpu_features.h"
#include "cpu/normalization_rows_body.h"

namespace dagnet::cpu {

NormRows<float> norm_rows_float_baseline() { return norm_rows_impl<float>(); }

const NormRows<float>& norm_rows(float) {
  static const NormRows<float> chosen = [] {
#if defined(DAGNET_X86_KERNELS)
    switch (active_cpu_isa()) {
      case CpuIsa::AVX512: return norm_rows_float_avx512();
      case CpuIsa::AVX2_FMA: return norm_rows_float_avx2();
      case CpuIsa::Portable: break;
    }
#endif
    return norm_rows_float_baseline();
  }();
  return chosen;
}

const NormRows<double>& norm_rows(double) {
  static const NormRows<double> rows = norm_rows_impl<double>();
  return rows;
}

}  // namespace dagnet::cpu
