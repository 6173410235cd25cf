#include "core/device_backend.h"

#include <array>
#include <cstring>

#include "core/error.h"

namespace dagnet {

namespace {
class CpuContext final : public DeviceContext {
 public:
  CpuContext() {
    device = cpu_device();
    error = &record_;
  }
  void synchronize() override {}
  DeviceError take_error() override {
    DeviceError e = record_;
    record_ = DeviceError{};
    return e;
  }
  bool synchronous() const override { return true; }

 private:
  DeviceError record_;
};

class CpuBackend final : public DeviceBackend {
 public:
  DeviceType type() const override { return DeviceType::CPU; }
  int device_count() const override { return 1; }
  Allocator& allocator(int) override { return cpu_allocator(); }
  void copy(void* dst, Device, const void* src, Device, size_t bytes, void*) override {
    if (bytes) std::memcpy(dst, src, bytes);
  }
  void fill_zero(void* dst, size_t bytes, int, void*) override {
    if (bytes) std::memset(dst, 0, bytes);
  }
  std::unique_ptr<DeviceContext> make_context(int) override { return std::make_unique<CpuContext>(); }
  size_t bytes_in_use(int) override { return 0; }
};

std::array<std::unique_ptr<DeviceBackend>, kNumDeviceTypes>& backends() {
  static std::array<std::unique_ptr<DeviceBackend>, kNumDeviceTypes> table = [] {
    std::array<std::unique_ptr<DeviceBackend>, kNumDeviceTypes> t;
    t[static_cast<int>(DeviceType::CPU)] = std::make_unique<CpuBackend>();
    return t;
  }();
  return table;
}
}  // namespace

void register_backend(std::unique_ptr<DeviceBackend> backend) {
  backends()[static_cast<int>(backend->type())] = std::move(backend);
}

DeviceBackend* find_backend(DeviceType type) { return backends()[static_cast<int>(type)].get(); }

DeviceBackend& backend_for(Device device) {
  DeviceBackend* b = find_backend(device.type);
  check(b != nullptr, ErrorKind::Value, "device '", device.str(),
        "' is not available: this build of dagnet has no CUDA backend");
  check(device.index >= 0 && device.index < b->device_count(), ErrorKind::Value, "device '", device.str(),
        "' is not available (", b->device_count(), " such device(s) found)");
  return *b;
}

std::vector<Device> available_device_list() {
  std::vector<Device> out;
  for (auto& b : backends())
    if (b)
      for (int i = 0; i < b->device_count(); ++i) out.push_back(Device{b->type(), i});
  return out;
}

Device parse_device(const std::string& name) {
  if (name == "cpu") return cpu_device();
  if (name == "cuda" || name == "gpu") return Device{DeviceType::CUDA, 0};
  for (const char* prefix : {"cuda:", "gpu:"}) {
    const size_t n = std::strlen(prefix);
    if (name.compare(0, n, prefix) == 0 && name.size() > n && name.size() < n + 6 &&
        name.find_first_not_of("0123456789", n) == std::string::npos)
      return Device{DeviceType::CUDA, std::stoi(name.substr(n))};
  }
  fail(ErrorKind::Value, "unknown device '", name, "' (expected 'cpu', 'cuda' or 'cuda:N')");
}

}  // namespace dagnet
