// What this engine binary is: version, build type, backends compiled in. It sits in
// runtime/, above core/ and the backends, because it asks each backend what it found.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace dagnet {

struct BuildInfo {
  std::string version;
  std::string build_type;
  bool cuda_compiled;
  std::string cpu_isa;   // the ISA the CPU kernels dispatch to on this machine
  int threads;
  int64_t l1d_bytes, l2_bytes, l3_bytes, l1d_ways;  // as active_cpu_caches() reports (0 = unknown)
  int gemm_mr, gemm_nr;                         // the float32 micro-kernel's tile
  int64_t gemm_kc, gemm_mc, gemm_nc;            // GEMM blocks derived from those caches
};

BuildInfo build_info();
// Devices the engine can use right now, e.g. {"cpu", "cuda:0"}.
std::vector<std::string> available_devices();

}  // namespace dagnet
