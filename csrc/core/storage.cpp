#include "core/storage.h"

#include <cstdlib>
#include <cstring>

#include "core/error.h"

namespace dagnet {

std::shared_ptr<Storage> Storage::allocate(size_t bytes, Device device) {
  check(device.type == DeviceType::CPU, ErrorKind::Runtime, "Storage::allocate: only CPU memory here");
  // aligned_alloc requires a size that is a multiple of the alignment; never ask for 0.
  size_t rounded = (bytes + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment;
  if (rounded == 0) rounded = kCpuAlignment;
  void* p = std::aligned_alloc(kCpuAlignment, rounded);
  if (!p) fail(ErrorKind::Memory, "out of memory allocating ", bytes, " bytes");
  return std::shared_ptr<Storage>(new Storage(p, bytes, device, [p] { std::free(p); }));
}

std::shared_ptr<Storage> Storage::borrow(void* data, size_t bytes, std::function<void()> release, Device device) {
  return std::shared_ptr<Storage>(new Storage(data, bytes, device, std::move(release)));
}

Storage::~Storage() {
  if (release_) release_();
}

}  // namespace dagnet
