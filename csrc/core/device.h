// Where a tensor's bytes live.
#pragma once
#include <string>

namespace dagnet {

enum class DeviceType { CPU, CUDA };
constexpr int kNumDeviceTypes = 2;

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const { return type == DeviceType::CPU ? "cpu" : "cuda:" + std::to_string(index); }
};

inline Device cpu_device() { return Device{}; }
// "cpu", "cuda", "cuda:1", "gpu" (= cuda:0); throws a Value error otherwise.
Device parse_device(const std::string& name);

}  // namespace dagnet
