#include "runtime/build_info.h"

#include "core/cpu_features.h"
#include "core/device_backend.h"
#include "core/thread_pool.h"
#include "cpu/gemm_blocking.h"
#include "cpu/gemm_kernels.h"

namespace dagnet {

BuildInfo build_info() {
  BuildInfo info;
  info.version = DAGNET_VERSION;
  info.build_type = DAGNET_BUILD_TYPE;
#ifdef DAGNET_HAVE_CUDA
  info.cuda_compiled = true;
#else
  info.cuda_compiled = false;
#endif
  info.cpu_isa = cpu_isa_name(active_cpu_isa());
  info.threads = num_threads();
  const CpuCaches caches = active_cpu_caches();
  info.l1d_bytes = caches.l1d;
  info.l2_bytes = caches.l2;
  info.l3_bytes = caches.l3;
  info.l1d_ways = caches.l1d_ways;
  const cpu::GemmKernel kern = cpu::gemm_kernel_for_cpu();
  const cpu::GemmBlocking& blocks = cpu::gemm_blocking();
  info.gemm_mr = kern.mr;
  info.gemm_nr = kern.nr;
  info.gemm_kc = blocks.kc;
  info.gemm_mc = blocks.mc;
  info.gemm_nc = blocks.nc;
  return info;
}

std::vector<std::string> available_devices() {
  std::vector<std::string> devices;
  for (const Device& d : available_device_list()) devices.push_back(d.str());
  return devices;
}

}  // namespace dagnet
