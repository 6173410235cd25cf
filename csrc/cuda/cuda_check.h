// Error checking for CUDA runtime and cuBLAS calls: a failure becomes a dagnet::Error
// (out of memory: a Memory error, so Python sees MemoryError), never an abort.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "core/error.h"

namespace dagnet::cuda {

[[noreturn]] void fail_cuda(cudaError_t status, const char* what);
[[noreturn]] void fail_cublas(cublasStatus_t status, const char* what);

inline void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) fail_cuda(status, what);
}
inline void check_cublas(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) fail_cublas(status, what);
}

}  // namespace dagnet::cuda
