// What this engine binary is: version, build type, backends compiled in. It sits in
// runtime/, above core/ and the backends, because it asks each backend what it found.
#pragma once
#include <string>
#include <vector>

namespace dagnet {

struct BuildInfo {
  std::string version;
  std::string build_type;
  bool cuda_compiled;
  std::string cpu_isa;   // the ISA the CPU kernels dispatch to on this machine
  int threads;
};

BuildInfo build_info();
// Devices the engine can use right now, e.g. {"cpu", "cuda:0"}.
std::vector<std::string> available_devices();

}  // namespace dagnet
