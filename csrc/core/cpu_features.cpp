#include "core/cpu_features.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define DAGNET_HAVE_CPUID 1
#endif

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

namespace {

#ifdef DAGNET_HAVE_CPUID
// Walks the deterministic cache parameters leaf (Intel's 4 and AMD's 0x8000001D share
// one layout): each subleaf is one cache until type 0.
CpuCaches cpuid_caches(unsigned leaf) {
  CpuCaches caches;
  for (unsigned sub = 0; sub < 16; ++sub) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid_count(leaf, sub, &eax, &ebx, &ecx, &edx)) break;
    const unsigned type = eax & 0x1f, level = (eax >> 5) & 0x7;
    if (type == 0) break;
    if (type == 2) continue;  // instruction cache
    const int64_t ways = ((ebx >> 22) & 0x3ff) + 1, partitions = ((ebx >> 12) & 0x3ff) + 1, line = (ebx & 0xfff) + 1,
                  sets = int64_t{ecx} + 1;
    const int64_t size = ways * partitions * line * sets;
    if (level == 1) {
      caches.l1d = size;
      caches.l1d_ways = (eax >> 9) & 1 ? 0 : ways;  // fully associative: no ways to count
    } else if (level == 2) caches.l2 = size;
    else if (level == 3) caches.l3 = size;
  }
  return caches;
}

CpuCaches cpuid_caches() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return {};
  const unsigned max_leaf = eax;
  char vendor[13] = {};
  std::memcpy(vendor, &ebx, 4);
  std::memcpy(vendor + 4, &edx, 4);
  std::memcpy(vendor + 8, &ecx, 4);
  if (std::strcmp(vendor, "GenuineIntel") == 0) return max_leaf >= 4 ? cpuid_caches(4) : CpuCaches{};
  if (std::strcmp(vendor, "AuthenticAMD") == 0 || std::strcmp(vendor, "HygonGenuine") == 0) {
    const unsigned max_ext = __get_cpuid_max(0x80000000u, nullptr);
    return max_ext >= 0x8000001du ? cpuid_caches(0x8000001du) : CpuCaches{};
  }
  return {};
}
#endif

[[maybe_unused]] int64_t sysconf_size(int name) {
  const long v = sysconf(name);
  return v > 0 ? v : 0;
}

}  // namespace

CpuCaches detected_cpu_caches() {
  CpuCaches c;
#ifdef DAGNET_HAVE_CPUID
  c = cpuid_caches();
#endif
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL2_CACHE_SIZE) && defined(_SC_LEVEL3_CACHE_SIZE)
  if (c.l1d <= 0) c.l1d = sysconf_size(_SC_LEVEL1_DCACHE_SIZE);
  if (c.l2 <= 0) c.l2 = sysconf_size(_SC_LEVEL2_CACHE_SIZE);
  if (c.l3 <= 0) c.l3 = sysconf_size(_SC_LEVEL3_CACHE_SIZE);
#endif
#if defined(_SC_LEVEL1_DCACHE_ASSOC)
  if (c.l1d_ways <= 0) c.l1d_ways = sysconf_size(_SC_LEVEL1_DCACHE_ASSOC);
#endif
  return c;
}

CpuCaches active_cpu_caches() {
  static const CpuCaches caches = [] {
    CpuCaches c = detected_cpu_caches();
    const char* env = std::getenv("DAGNET_CPU_CACHES");
    if (!env) return c;
    int64_t* fields[] = {&c.l1d, &c.l2, &c.l3, &c.l1d_ways};
    const char* s = env;
    for (int64_t* f : fields) {
      char* end = nullptr;
      const long long v = std::strtoll(s, &end, 10);
      if (end == s) break;  // fewer numbers: the rest stay as detected
      *f = v > 0 ? v : 0;
      s = *end == ',' ? end + 1 : end;
    }
    return c;
  }();
  return caches;
}

}  // namespace dagnet
