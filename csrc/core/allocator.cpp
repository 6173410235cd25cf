#include "core/allocator.h"

#include <cstdio>
#include <cstdlib>

#include "core/error.h"

namespace dagnet {

namespace {

// Bytes the OS could still give this process without swapping others out: MemAvailable
// plus free swap from /proc/meminfo; 0 where that cannot be read (not Linux).
size_t available_bytes() {
  std::FILE* f = std::fopen("/proc/meminfo", "r");
  if (!f) return 0;
  char line[256];
  size_t available_kb = 0, swap_kb = 0;
  bool found = false;
  while (std::fgets(line, sizeof line, f)) {
    unsigned long long kb = 0;
    if (std::sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
      available_kb = kb;
      found = true;
    } else if (std::sscanf(line, "SwapFree: %llu kB", &kb) == 1) {
      swap_kb = kb;
    }
  }
  std::fclose(f);
  return found ? (available_kb + swap_kb) * 1024 : 0;
}

// Linux overcommits: a block far larger than the machine can back is handed out, and the
// process is killed (the OOM killer, no exception, the user's model lost) once it is
// touched. So a large block is first checked against what the machine has left; smaller
// ones are too cheap to be worth reading /proc for.
constexpr size_t kCheckedBytes = size_t(256) << 20;

class CpuAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes) override {
    if (bytes >= kCheckedBytes) {
      const size_t available = available_bytes();
      if (available && bytes > available)
        fail(ErrorKind::Memory, "out of memory allocating ", bytes, " bytes: the machine has ", available,
             " bytes of memory left");
    }
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
