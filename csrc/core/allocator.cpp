#include "core/allocator.h"

#include <cstdlib>

#include "core/error.h"

namespace dagnet {

namespace {
class CpuAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes) override {
    // aligned_alloc requires a size that is a multiple of the alignment; never ask for 0.
    size_t rounded = round_up(bytes, kCpuAlignment);
    if (rounded == 0) rounded = kCpuAlignment;
    void* p = std::aligned_alloc(kCpuAlignment, rounded);
    if (!p) fail(ErrorKind::Memory, "out of memory allocating ", bytes, " bytes");
    return p;
  }
  void deallocate(void* data, size_t) override { std::free(data); }
  size_t alignment() const override { return kCpuAlignment; }
  Device device() const override { return cpu_device(); }
};
}  // namespace

Allocator& cpu_allocator() {
  static CpuAllocator allocator;
  return allocator;
}

}  // namespace dagnet
