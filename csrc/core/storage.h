// Refcounted raw memory on one device. The engine allocates through the device's
// Allocator; it can also borrow memory it does not own (a NumPy array fed as input), in
// which case `release` keeps the owner alive. A slot is a Storage whose bytes are
// re-pointed later (rebind): a plan's tensors view a slot once, and a run binds feeds,
// fetched results or a grown arena to it without touching the plan's steps.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>

#include "core/allocator.h"
#include "core/device.h"

namespace dagnet {

class Storage {
 public:
  // Allocates `bytes` aligned bytes on `device` (throws a Memory error on failure).
  static std::shared_ptr<Storage> allocate(size_t bytes, Device device = cpu_device());
  // Wraps foreign memory; `release` runs when the last reference goes away.
  static std::shared_ptr<Storage> borrow(void* data, size_t bytes, std::function<void()> release,
                                         Device device = cpu_device());
  // An unbound slot of `bytes` bytes on `device` (data() is null until rebind).
  static std::shared_ptr<Storage> slot(size_t bytes, Device device = cpu_device());

  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

  // Points the storage at other bytes (releasing the current ones). Tensors viewing it
  // follow, so callers make sure the new block is at least as large as any view.
  void rebind(void* data, size_t bytes, std::function<void()> release = nullptr);

 private:
  Storage(void* data, size_t bytes, Device device, std::function<void()> release)
      : data_(data), bytes_(bytes), device_(device), release_(std::move(release)) {}
  void* data_;
  size_t bytes_;
  Device device_;
  std::function<void()> release_;
};

}  // namespace dagnet
