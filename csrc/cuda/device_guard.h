// Restores the calling thread's current CUDA device on scope exit (the backend's kernels
// and the NCCL collective run on whichever device a tensor lives on).
#pragma once
#include <cuda_runtime.h>

#include "cuda/cuda_check.h"

namespace dagnet::cuda {

class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    check_cuda(cudaGetDevice(&previous_), "cudaGetDevice");
    if (previous_ != device) check_cuda(cudaSetDevice(device), "cudaSetDevice");
  }
  ~DeviceGuard() { cudaSetDevice(previous_); }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace dagnet::cuda
