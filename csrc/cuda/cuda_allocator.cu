#include "cuda/cuda_allocator.h"

#include <cuda_runtime.h>

#include "cuda/cuda_check.h"

namespace dagnet::cuda {

size_t CachingAllocator::rounded_size(size_t bytes) {
  constexpr size_t kSmall = 512, kLarge = size_t(2) << 20, kSmallLimit = size_t(1) << 20;
  if (bytes == 0) return kSmall;
  return bytes < kSmallLimit ? round_up(bytes, kSmall) : round_up(bytes, kLarge);
}

CachingAllocator::~CachingAllocator() {
  std::lock_guard<std::mutex> lock(mutex_);
  release_cache_locked();  // blocks still in use belong to tensors that outlive the process' teardown
}

void* CachingAllocator::allocate(size_t bytes) {
  const size_t size = rounded_size(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = free_.find(size);
  if (it != free_.end()) {
    void* p = it->second;
    free_.erase(it);
    cached_ -= size;
    in_use_ += size;
    return p;
  }
  int previous = 0;
  check_cuda(cudaGetDevice(&previous), "cudaGetDevice");
  check_cuda(cudaSetDevice(device_), "cudaSetDevice");
  void* p = nullptr;
  cudaError_t status = cudaMalloc(&p, size);
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear it, give the cache back and try once more
    release_cache_locked();
    status = cudaMalloc(&p, size);
  }
  cudaSetDevice(previous);
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    fail(ErrorKind::Memory, "out of GPU memory allocating ", bytes, " bytes on cuda:", device_, " (", in_use_,
         " bytes in use by dagnet)");
  }
  check_cuda(status, "cudaMalloc");
  in_use_ += size;
  return p;
}

void CachingAllocator::deallocate(void* data, size_t bytes) {
  const size_t size = rounded_size(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  free_.emplace(size, data);
  in_use_ -= size;
  cached_ += size;
}

size_t CachingAllocator::bytes_in_use() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return in_use_;
}

size_t CachingAllocator::bytes_cached() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cached_;
}

void CachingAllocator::release_cache() {
  std::lock_guard<std::mutex> lock(mutex_);
  release_cache_locked();
}

void CachingAllocator::release_cache_locked() {
  for (auto& [size, p] : free_) cudaFree(p);
  free_.clear();
  cached_ = 0;
}

}  // namespace dagnet::cuda
