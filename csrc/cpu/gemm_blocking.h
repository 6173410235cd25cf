// GEMM block sizes from the cache sizes the CPU reports (BLIS's analytic model, Low et
// al., "Analytical modeling is enough for high-performance BLIS", TOMS 2016):
//  - KC: the kc x NR micro-panel of packed B that every MR-row tile of A sweeps stays in
//    L1d while A's MR x kc micro-panels stream through it. Of L1d's W ways one is left to
//    C, A's micro-panel gets C_A = floor((W - 1) / (1 + NR / MR)) ways and B's NR / MR
//    times as many, and kc = C_A * (L1d / W) / (MR * 4 bytes) (the paper's eq. for k_c):
//    B then takes about two thirds of L1d (48 KiB, 12 ways, 12 x 32 tile: kc = 256);
//    unknown associativity counts as 8 ways;
//  - MC: the mc x kc block of packed A stays in a quarter of L2 while the B micro-panels
//    stream past (half of L2, 504 rows here, measured up to 1.4x slower than a quarter
//    on 1024^3 at 2 threads: benchmarks/NOTES.md, 2026-12-05 GEMM blocking);
//  - NC: the kc x nc panel of packed B, shared by all threads, fills half of L3.
// A size the CPU does not report falls back to the fixed blocking used before (KC 256,
// MC 16 x MR, NC 4096). KC changes the order of each dot product's partial sums, so it
// depends on the machine and the kernel only, never on the problem or the thread count.
#pragma once
#include <cstdint>

#include "core/cpu_features.h"

namespace dagnet::cpu {

struct GemmBlocking {
  int64_t kc, mc, nc;
};

// Pure function of the caches and the micro-kernel's tile, so tests can try odd caches.
GemmBlocking gemm_blocking_for(const CpuCaches& caches, int mr, int nr);
// For active_cpu_caches() and the micro-kernel chosen for this CPU, computed once.
const GemmBlocking& gemm_blocking();

}  // namespace dagnet::cpu
