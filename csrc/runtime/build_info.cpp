#include "runtime/build_info.h"

#include "core/cpu_features.h"
#include "core/device_backend.h"
#include "core/thread_pool.h"

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
  return info;
}

std::vector<std::string> available_devices() {
  std::vector<std::string> devices;
  for (const Device& d : available_device_list()) devices.push_back(d.str());
  return devices;
}

}  // namespace dagnet
