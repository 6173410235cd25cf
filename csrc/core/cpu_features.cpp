#include "core/cpu_features.h"

#include <cstdlib>
#include <string>

namespace dagnet {

CpuIsa detected_cpu_isa() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl"))
    return CpuIsa::AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CpuIsa::AVX2_FMA;
#endif
  return CpuIsa::Portable;
}

CpuIsa active_cpu_isa() {
  static const CpuIsa isa = [] {
    CpuIsa detected = detected_cpu_isa();
    const char* env = std::getenv("DAGNET_CPU_ISA");
    if (!env) return detected;
    std::string want(env);
    CpuIsa requested = want == "avx512" ? CpuIsa::AVX512 : want == "avx2" ? CpuIsa::AVX2_FMA : CpuIsa::Portable;
    return requested < detected ? requested : detected;
  }();
  return isa;
}

const char* cpu_isa_name(CpuIsa isa) {
  switch (isa) {
    case CpuIsa::AVX512: return "avx512";
    case CpuIsa::AVX2_FMA: return "avx2+fma";
    case CpuIsa::Portable: return "portable";
  }
  return "?";
}

}  // namespace dagnet
