#include "core/storage.h"

#include "core/device_backend.h"

namespace dagnet {

std::shared_ptr<Storage> Storage::allocate(size_t bytes, Device device) {
  Allocator& allocator = device.type == DeviceType::CPU ? cpu_allocator() : backend_for(device).allocator(device.index);
  void* p = allocator.allocate(bytes);
  return std::shared_ptr<Storage>(
      new Storage(p, bytes, device, [&allocator, p, bytes] { allocator.deallocate(p, bytes); }));
}

std::shared_ptr<Storage> Storage::borrow(void* data, size_t bytes, std::function<void()> release, Device device) {
  return std::shared_ptr<Storage>(new Storage(data, bytes, device, std::move(release)));
}

std::shared_ptr<Storage> Storage::slot(size_t bytes, Device device) {
  return std::shared_ptr<Storage>(new Storage(nullptr, bytes, device, nullptr));
}

void Storage::rebind(void* data, size_t bytes, std::function<void()> release) {
  if (release_) release_();
  data_ = data;
  bytes_ = bytes;
  release_ = std::move(release);
}

Storage::~Storage() {
  if (release_) release_();
}

}  // namespace dagnet
