// The CUDA caching allocator: cudaMalloc'd blocks (never managed memory) handed out with
// 256-byte alignment and kept on per-size free lists when returned, so a steady-state step
// (whose arena and staging buffers are reused anyway) makes no cudaMalloc/cudaFree calls.
// Sizes round up to 512 bytes below 1 MiB and to 2 MiB above, so freed blocks are reused
// by similar requests. When cudaMalloc fails the cache is released and the call retried
// once; a second failure is a Memory error naming the bytes and the device.
#pragma once
#include <cstddef>
#include <map>
#include <mutex>
#include <vector>

#include "core/allocator.h"

namespace dagnet::cuda {

class CachingAllocator final : public Allocator {
 public:
  explicit CachingAllocator(int device) : device_(device) {}
  ~CachingAllocator() override;
  void* allocate(size_t bytes) override;
  void deallocate(void* data, size_t bytes) override;
  size_t alignment() const override { return kCudaAlignment; }
  Device device() const override { return Device{DeviceType::CUDA, device_}; }

  size_t bytes_in_use() const;
  size_t bytes_cached() const;
  // cudaFree every cached block.
  void release_cache();

  static size_t rounded_size(size_t bytes);

 private:
  void release_cache_locked();
  int device_;
  mutable std::mutex mutex_;
  std::multimap<size_t, void*> free_;  // rounded size -> block
  size_t in_use_ = 0, cached_ = 0;
};

}  // namespace dagnet::cuda
