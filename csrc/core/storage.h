// Refcounted raw memory. The engine allocates 64-byte aligned CPU blocks (one cache
// line, one AVX-512 register); it can also borrow memory it does not own (a NumPy
// array fed as input), in which case `release` keeps the owner alive.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>

#include "core/device.h"

namespace dagnet {

constexpr size_t kCpuAlignment = 64;

class Storage {
 public:
  // Allocates `bytes` aligned bytes on the CPU (throws a Memory error on failure).
  static std::shared_ptr<Storage> allocate(size_t bytes, Device device = cpu_device());
  // Wraps foreign memory; `release` runs when the last reference goes away.
  static std::shared_ptr<Storage> borrow(void* data, size_t bytes, std::function<void()> release,
                                         Device device = cpu_device());

  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  Storage(void* data, size_t bytes, Device device, std::function<void()> release)
      : data_(data), bytes_(bytes), device_(device), release_(std::move(release)) {}
  void* data_;
  size_t bytes_;
  Device device_;
  std::function<void()> release_;
};

}  // namespace dagnet
