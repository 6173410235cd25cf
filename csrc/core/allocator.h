// Where a device's bytes come from. Every Storage the engine owns is allocated through the
// allocator of its device: the CPU's hands out 64-byte aligned blocks (one cache line, one
// AVX-512 register); the CUDA backend's is a caching allocator over cudaMalloc with
// 256-byte alignment (cuda/cuda_allocator.h). Allocators never return managed memory.
#pragma once
#include <cstddef>

#include "core/device.h"

namespace dagnet {

constexpr size_t kCpuAlignment = 64;
constexpr size_t kCudaAlignment = 256;

class Allocator {
 public:
  virtual ~Allocator() = default;
  // `bytes` bytes aligned to alignment(); never null (0 bytes still gives a unique
  // block). Throws a Memory error naming the size when the device is out of memory.
  virtual void* allocate(size_t bytes) = 0;
  // Returns a block from allocate(bytes) (same size).
  virtual void deallocate(void* data, size_t bytes) = 0;
  virtual size_t alignment() const = 0;
  virtual Device device() const = 0;
};

// The process-wide CPU allocator (aligned_alloc / free).
Allocator& cpu_allocator();

inline size_t round_up(size_t bytes, size_t alignment) { return (bytes + alignment - 1) / alignment * alignment; }

}  // namespace dagnet
