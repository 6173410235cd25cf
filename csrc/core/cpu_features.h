// CPU instruction-set detection at run time, so one wheel runs on any x86-64 and
// still picks the widest kernels the machine has.
#pragma once
#include <cstdint>

namespace dagnet {

enum class CpuIsa { Portable, AVX2_FMA, AVX512 };

CpuIsa detected_cpu_isa();
// DAGNET_CPU_ISA=portable|avx2|avx512 may lower (never raise) the detected level.
CpuIsa active_cpu_isa();
const char* cpu_isa_name(CpuIsa isa);

// Data cache sizes in bytes as the CPU reports them (L1d and L2 of one core, the whole
// L3 that core sees) and L1d's associativity; 0 where unknown. GEMM sizes its blocks
// from them.
struct CpuCaches {
  int64_t l1d = 0, l2 = 0, l3 = 0;
  int64_t l1d_ways = 0;
};

// CPUID leaf 4 (Intel) or 0x8000001D (AMD), then sysconf(_SC_LEVEL*_CACHE_SIZE).
CpuCaches detected_cpu_caches();
// DAGNET_CPU_CACHES="l1d,l2,l3[,l1d_ways]" (bytes; 0 = unknown) replaces the detected sizes, so tests
// can check the blocking a machine with tiny or huge caches would get.
CpuCaches active_cpu_caches();

}  // namespace dagnet
