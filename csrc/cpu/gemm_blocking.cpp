#include "cpu/gemm_blocking.h"

#include <algorithm>

#include "cpu/gemm_kernels.h"

namespace dagnet::cpu {

namespace {
constexpr int64_t kFallbackKC = 256, kFallbackNC = 4096, kFallbackMCTiles = 16;
// Bounds that keep absurd reports (a 1 KiB or a 1 GiB L1d) from giving degenerate blocks;
// above 1024 a B micro-panel no longer fits any real L1. The floor is the depth measured at
// ~90% of the FMA peak on both Zen 4 and Zen 5 (the model alone gives 80 on Zen 4's 8-way
// 32 KiB L1d, never timed there): the model may deepen the blocks where L1 allows, not
// shallow them below what is known to run well.
constexpr int64_t kMinKC = 256, kMaxKC = 1024;
constexpr int64_t kAssumedWays = 8;
constexpr int64_t kMaxMCTiles = 256, kMaxNCPanels = 1024;

int64_t round_down(int64_t v, int64_t m) { return v / m * m; }
}  // namespace

GemmBlocking gemm_blocking_for(const CpuCaches& caches, int mr, int nr) {
  constexpr int64_t f = sizeof(float);
  GemmBlocking b{};
  if (caches.l1d > 0) {
    const int64_t ways = caches.l1d_ways > 0 ? caches.l1d_ways : kAssumedWays;
    const int64_t a_ways = (ways - 1) * mr / (mr + nr);  // floor((W - 1) / (1 + NR / MR))
    b.kc = std::clamp(round_down(a_ways * (caches.l1d / ways) / (mr * f), 8), kMinKC, kMaxKC);
  } else {
    b.kc = kFallbackKC;
  }
  b.mc = caches.l2 > 0 ? std::clamp(round_down(caches.l2 / 4 / (b.kc * f), mr), int64_t{mr}, kMaxMCTiles * mr)
                       : kFallbackMCTiles * mr;
  b.nc = caches.l3 > 0 ? std::clamp(round_down(caches.l3 / 2 / (b.kc * f), nr), int64_t{nr}, kMaxNCPanels * nr)
                       : kFallbackNC;
  return b;
}

const GemmBlocking& gemm_blocking() {
  static const GemmBlocking b = [] {
    const GemmKernel kern = gemm_kernel_for_cpu();
    return gemm_blocking_for(active_cpu_caches(), kern.mr, kern.nr);
  }();
  return b;
}

}  // namespace dagnet::cpu
